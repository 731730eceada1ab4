"""Per-school indicators with Polars (lazy scan, streaming engine, all cores), for bench/run.sh."""

import polars as pl

from rules import CONFIRMED_YES, MYSCHOOL_COLUMNS, ROLE_STEMS, SFERUM_COLUMNS, parse_args, windows


def role(column: str) -> pl.Expr:
    label = pl.col(column).str.to_lowercase().str.replace_all("ё", "е", literal=True)
    code, stems = ROLE_STEMS[0]
    expr = pl.when(label.str.contains(stems)).then(pl.lit(code))
    for code, stems in ROLE_STEMS[1:]:
        expr = expr.when(label.str.contains(stems)).then(pl.lit(code))
    return expr.otherwise(None)


def organisation(column: str) -> pl.Expr:
    # SPEC §3: spaces removed; 9 or 11 digits get back the leading zero Excel dropped.
    bare = pl.col(column).str.replace_all(" ", "", literal=True)
    return (
        pl.when(bare.str.contains(r"^(\d{9}|\d{11})$"))
        .then(pl.lit("0") + bare)
        .otherwise(bare)
    )


def scan(path: str, names: list[str]) -> pl.LazyFrame:
    # Ids are read as integers, which suits these files and favours Polars; tsos keeps them as
    # text. ИНН stays text: its leading zero matters.
    schema = {name: pl.String for name in names}
    schema[names[0]] = pl.Int64
    # Quotes are read as CSV quotes: one variant of the benchmark quotes every field.
    return pl.scan_csv(path, separator=";", quote_char='"', schema=schema)


def users(frame: pl.LazyFrame, names: list[str], date_format: str, confirmed: pl.Expr) -> pl.LazyFrame:
    """One row per user (id, organisation, role) with the merged confirmed flag and last date."""
    return (
        frame.select(
            org=organisation(names[2]),
            role=role(names[1]),
            id=pl.col(names[0]),
            confirmed=confirmed,
            # A quoted empty date is "" rather than null: never.
            last=pl.when(pl.col(names[-1]) != "").then(pl.col(names[-1])).str.to_date(date_format),
        )
        # A row without an organisation belongs to no school (SPEC §5.1).
        .filter(pl.col("role").is_not_null() & pl.col("org").is_not_null() & (pl.col("org") != ""))
        .group_by("org", "role", "id")
        .agg(pl.col("confirmed").any(), pl.col("last").max())
    )


def counts(users: pl.LazyFrame, platform: str, active: pl.Expr, confirmed: bool) -> pl.LazyFrame:
    return users.group_by("org", "role").agg(
        platform=pl.lit(platform),
        registered=pl.len(),
        confirmed=pl.col("confirmed").sum() if confirmed else pl.lit(None, dtype=pl.UInt32),
        active=active.fill_null(False).sum(),
    )


def main() -> None:
    args = parse_args("Polars")
    myschool_from, sferum_after = windows(args.as_of)
    confirmed = pl.col(MYSCHOOL_COLUMNS[3]).str.strip_chars().str.to_lowercase().is_in(CONFIRMED_YES)
    myschool = counts(
        users(scan(args.myschool, MYSCHOOL_COLUMNS), MYSCHOOL_COLUMNS, "%d.%m.%Y", confirmed),
        "myschool",
        pl.col("confirmed") & (pl.col("last") >= myschool_from),
        confirmed=True,
    )
    sferum = counts(
        users(scan(args.sferum, SFERUM_COLUMNS), SFERUM_COLUMNS, "%Y-%m-%d", pl.lit(False)),
        "sferum",
        pl.col("last") > sferum_after,
        confirmed=False,
    )
    result = (
        pl.concat([myschool, sferum])
        .select(
            id="org",
            platform="platform",
            role="role",
            registered=pl.col("registered").cast(pl.UInt64),
            confirmed=pl.col("confirmed").cast(pl.UInt64),
            active=pl.col("active").cast(pl.UInt64),
        )
        .sort("id", "platform", "role")
        .collect(engine="streaming")
    )
    result.write_csv(args.out)


if __name__ == "__main__":
    main()
