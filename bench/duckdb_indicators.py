"""Per-school indicators with DuckDB (SQL over read_csv, all cores), for bench/run.sh."""

import duckdb

from rules import CONFIRMED_YES, MYSCHOOL_COLUMNS, ROLE_STEMS, SFERUM_COLUMNS, parse_args, windows


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def role(column: str) -> str:
    label = f"lower(replace({column}, 'ё', 'е'))"
    cases = " ".join(
        f"WHEN regexp_matches({label}, {literal(stems)}) THEN {literal(code)}"
        for code, stems in ROLE_STEMS
    )
    return f"CASE {cases} END"


def organisation(column: str) -> str:
    # SPEC §3: spaces removed; 9 or 11 digits get back the leading zero Excel dropped.
    bare = f"replace({column}, ' ', '')"
    return f"CASE WHEN regexp_full_match({bare}, '[0-9]{{9}}|[0-9]{{11}}') THEN '0' || {bare} ELSE {bare} END"


def read(path: str, names: list[str], date_format: str) -> str:
    # Ids are read as integers, which suits these files and favours DuckDB; tsos keeps them
    # as text. ИНН stays text: its leading zero matters.
    types = ["BIGINT", "VARCHAR", "VARCHAR"] + ["VARCHAR"] * (len(names) - 4) + ["DATE"]
    columns = "{" + ", ".join(f"{literal(n)}: {literal(t)}" for n, t in zip(names, types)) + "}"
    # Quotes are read as CSV quotes: one variant of the benchmark quotes every field.
    return (
        f"read_csv({literal(path)}, delim = ';', header = true, quote = '\"', "
        f"columns = {columns}, dateformat = {literal(date_format)})"
    )


def main() -> None:
    args = parse_args("DuckDB")
    myschool_from, sferum_after = windows(args.as_of)
    id_, role_, org, confirmed, last = (f'"{n}"' for n in MYSCHOOL_COLUMNS)
    yes = ", ".join(literal(v) for v in CONFIRMED_YES)
    myschool = f"""
        SELECT org, role, count(*) AS registered,
               count(*) FILTER (WHERE confirmed) AS confirmed,
               count(*) FILTER (WHERE confirmed AND last >= DATE '{myschool_from}') AS active
        FROM (
            SELECT {organisation(org)} AS org, {role(role_)} AS role, {id_} AS id,
                   bool_or(lower(trim({confirmed})) IN ({yes})) AS confirmed, max({last}) AS last
            FROM {read(args.myschool, MYSCHOOL_COLUMNS, '%d.%m.%Y')}
            GROUP BY ALL
        )
        -- A row without an organisation belongs to no school (SPEC §5.1).
        WHERE role IS NOT NULL AND org IS NOT NULL AND org <> ''
        GROUP BY org, role"""
    id_, role_, org, last = (f'"{n}"' for n in SFERUM_COLUMNS)
    sferum = f"""
        SELECT org, role, count(*) AS registered, NULL AS confirmed,
               count(*) FILTER (WHERE last > DATE '{sferum_after}') AS active
        FROM (
            SELECT {organisation(org)} AS org, {role(role_)} AS role, {id_} AS id,
                   max({last}) AS last
            FROM {read(args.sferum, SFERUM_COLUMNS, '%Y-%m-%d')}
            GROUP BY ALL
        )
        -- A row without an organisation belongs to no school (SPEC §5.1).
        WHERE role IS NOT NULL AND org IS NOT NULL AND org <> ''
        GROUP BY org, role"""
    duckdb.sql(
        f"""
        COPY (
            SELECT org AS id, 'myschool' AS platform, role, registered, confirmed, active
            FROM ({myschool})
            UNION ALL
            SELECT org, 'sferum', role, registered, confirmed, active FROM ({sferum})
            ORDER BY id, platform, role
        ) TO {literal(args.out)} (HEADER, DELIMITER ',')
        """
    )


if __name__ == "__main__":
    main()
