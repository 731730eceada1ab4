"""Checks that tsos, DuckDB and Polars give the same per-school counts (bench/run.sh).

usage: compare.py TSOS_JSON NAME=CSV [NAME=CSV ...]

TSOS_JSON is `tsos report --level school --format json` (SPEC §8); each CSV is the output of
duckdb_indicators.py or polars_indicators.py (id,platform,role,registered,confirmed,active,
only where a school has users). A school, platform or role missing from a source counts as 0;
Sferum has no confirmed count. Exits 1 with the differences, at most 20 of them, otherwise
prints one line per platform and role with the national totals all sources agree on.
"""

import csv
import json
import sys
from collections import defaultdict

PLATFORMS = {"myschool": ("registered", "confirmed", "active"), "sferum": ("registered", "active")}
ROLES = ("teachers", "students", "parents")
SHOWN = 20


def from_tsos(path: str) -> tuple[set[str], dict]:
    with open(path, encoding="utf-8") as file:
        report = json.load(file)
    if report.get("level") != "school":
        sys.exit(f"{path}: level «{report.get('level')}», expected school")
    schools, counts = set(), {}
    for row in report["rows"]:
        schools.add(row["id"])
        for platform, measures in PLATFORMS.items():
            for role in ROLES:
                indicator = (row.get(platform) or {}).get(role) or {}
                counts[row["id"], platform, role] = tuple(indicator.get(m) or 0 for m in measures)
    unknown = report.get("unknown_organisations") or {}
    if any(unknown.values()):
        print(f"note: tsos counted users of organisations not in the registry: {unknown}")
    return schools, counts


def from_csv(path: str) -> dict:
    counts = {}
    with open(path, encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            key = (row["id"], row["platform"], row["role"])
            if key in counts:
                sys.exit(f"{path}: {key} twice")
            counts[key] = tuple(int(row[m] or 0) for m in PLATFORMS[row["platform"]])
    return counts


def main() -> None:
    if len(sys.argv) < 3 or not all("=" in arg for arg in sys.argv[2:]):
        sys.exit(__doc__)
    schools, tsos = from_tsos(sys.argv[1])
    sources = {"tsos": tsos}
    for arg in sys.argv[2:]:
        name, path = arg.split("=", 1)
        sources[name] = from_csv(path)

    differences = []
    for name, counts in sources.items():
        strangers = sorted({key[0] for key in counts} - schools)
        if strangers:
            differences.append(
                f"{name}: {len(strangers)} organisations that are not rows of the tsos report, "
                f"e.g. {', '.join(strangers[:5])}"
            )
    totals = defaultdict(lambda: [0, 0, 0])
    zero = {platform: (0,) * len(measures) for platform, measures in PLATFORMS.items()}
    keys = sorted({key for counts in sources.values() for key in counts})
    for key in keys:
        platform = key[1]
        values = {name: counts.get(key, zero[platform]) for name, counts in sources.items()}
        if len(set(values.values())) > 1:
            measures = "/".join(PLATFORMS[platform])
            shown = "; ".join(f"{name} {'/'.join(map(str, v))}" for name, v in values.items())
            differences.append(f"{' '.join(key)} ({measures}): {shown}")
        for index, value in enumerate(values["tsos"]):
            totals[platform, key[2]][index] += value

    if differences:
        print(f"MISMATCH: {len(differences)} differences between {', '.join(sources)}")
        for line in differences[:SHOWN]:
            print(f"  {line}")
        if len(differences) > SHOWN:
            print(f"  … and {len(differences) - SHOWN} more")
        sys.exit(1)
    print(f"OK: {', '.join(sources)} agree on every count of {len(schools)} schools")
    for (platform, role), values in sorted(totals.items()):
        named = ", ".join(f"{m} {v}" for m, v in zip(PLATFORMS[platform], values))
        print(f"  {platform}.{role}: {named}")


if __name__ == "__main__":
    main()
