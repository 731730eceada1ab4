#!/usr/bin/env bash
# Benchmark: tsos against DuckDB and Polars computing the same per-school indicators from the
# same per-user exports, with a check that all three agree. See bench/README.md.
#
#   bench/run.sh [--national] [--scattered] [--quoted] [--runs N] [--check-only] [--keep]
set -euo pipefail

usage() {
    echo "usage: bench/run.sh [--national] [--scattered] [--quoted] [--runs N] [--check-only] [--keep]" >&2
    exit 2
}

scale=region check_only=0 keep=0 order=() runs=1
while (($#)); do
    case $1 in
        --national) scale=national ;;
        # Rows in user-id order, repeated rows far apart, 0.3 % without a school; --quoted
        # also quotes every field of the My School file and ends its lines with CRLF.
        --scattered | --quoted) order+=("$1") ;;
        # Rounds of tsos, DuckDB and Polars one after another: the machine's neighbours come
        # and go, and a round's three tools share what they bring.
        --runs)
            [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage
            runs=$2
            shift
            ;;
        --check-only) check_only=1 ;;
        --keep) keep=1 ;;
        *) usage ;;
    esac
    shift
done
if ((check_only && runs > 1)); then
    echo "bench: --runs times the tools; --check-only does not" >&2
    exit 2
fi

bench=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$bench")
out=$bench/out/$scale
venv=$bench/.venv
py=$venv/bin/python
as_of=2023-10-01
# rules.py is imported from bench/, where a __pycache__ would be an untracked file.
export PYTHONDONTWRITEBYTECODE=1

say() { printf '== %s\n' "$*" >&2; }
die() {
    printf 'bench: %s\n' "$*" >&2
    exit 1
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

if ((!check_only)) && [[ ! -x /usr/bin/time ]]; then
    die "/usr/bin/time is missing: install the Debian package «time» (apt-get install time)"
fi
command -v python3 >/dev/null || die "python3 is missing"

# A correctness check needs no optimised build, and CI has the debug one from its tests;
# timings need the release build.
cd "$root"
if ((check_only)); then
    say "cargo build --locked"
    cargo build --locked --quiet
    tsos=$root/target/debug/tsos
else
    say "cargo build --release --locked"
    cargo build --release --locked --quiet
    tsos=$root/target/release/tsos
fi
"$tsos" demo --help | grep -q -- '--scale' || die "this tsos has no «demo --scale»"

say "tsos demo --scale $scale ${order[*]} --out $out"
rm -rf "$out"
started=$(now)
"$tsos" demo --scale "$scale" "${order[@]}" --out "$out" >&2
generated=$(since "$started")
myschool=$out/myschool.csv sferum=$out/sferum.csv db=$out/tsos.db

# The venv is kept between runs; a half-finished install is redone.
if ! [[ -x $py ]] || ! "$py" -c 'import duckdb, polars' 2>/dev/null; then
    say "python3 -m venv $venv; pip install -r bench/requirements.txt"
    started=$(now)
    rm -rf "$venv"
    python3 -m venv "$venv" || die "python3 -m venv failed: install the Debian package python3-venv"
    "$py" -m pip install --quiet --disable-pip-version-check -r "$bench/requirements.txt"
    say "venv ready in $(since "$started") s"
fi
versions=$("$py" -c 'import duckdb, polars; print(duckdb.__version__, polars.__version__)')
read -r duckdb_version polars_version <<<"$versions"

# measure NAME COMMAND...: runs the command, under /usr/bin/time -v unless --check-only,
# its output in NAME.log and its figures in NAME.<round>.time.
round=1
measure() {
    local name=$1
    shift
    if ((runs > 1)); then
        say "$name (round $round of $runs)"
    else
        say "$name"
    fi
    if ((check_only)); then
        "$@" >"$out/$name.log" 2>&1 || { cat "$out/$name.log" >&2; die "$name failed"; }
    else
        /usr/bin/time -v -o "$out/$name.$round.time" "$@" >"$out/$name.log" 2>&1 ||
            { cat "$out/$name.log" >&2; die "$name failed"; }
    fi
}

# "wall_s min_s max_s rss_mib" over the rounds of NAME: the median wall time (of an even
# number of rounds, the mean of the middle two), the fastest and slowest, and the largest peak
# RSS. Wall time is h:mm:ss or m:ss.ss in a /usr/bin/time -v report; peak RSS is that of the
# largest process of the command, for a bash -c the largest child.
figures() {
    awk -F': ' '
        /Elapsed \(wall clock\)/ {
            n = split($NF, p, ":")
            walls[++k] = n == 3 ? p[1] * 3600 + p[2] * 60 + p[3] : p[1] * 60 + p[2]
        }
        /Maximum resident set size/ { if ($NF / 1024 > rss) rss = $NF / 1024 }
        END {
            for (i = 2; i <= k; i++)
                for (j = i; j > 1 && walls[j - 1] > walls[j]; j--) {
                    t = walls[j]; walls[j] = walls[j - 1]; walls[j - 1] = t
                }
            median = k % 2 ? walls[(k + 1) / 2] : (walls[k / 2] + walls[k / 2 + 1]) / 2
            printf "%.2f %.2f %.2f %.0f", median, walls[1], walls[k], rss
        }
    ' "$out/$1".*.time
}

# All runs read the files from the page cache: this one puts them there.
cat "$myschool" "$sferum" >/dev/null
if ((!check_only)); then
    measure floor wc -l "$myschool" "$sferum"
fi
measure registry "$tsos" --db "$db" --quiet import registry "$out/registry.csv" --as-of "$as_of"
# Each round starts from the registry alone, without the flows' key: as the first did.
cp "$db" "$out/registry.db"
for ((round = 1; round <= runs; round++)); do
    cp "$out/registry.db" "$db"
    rm -f "$out/tsos.key" "$out/tsos.json"
    # The two imports and the report are one unit: what an analyst waits for.
    measure tsos bash -c '
        set -e
        tsos=$1 db=$2 out=$3 as_of=$4
        "$tsos" --db "$db" --quiet import myschool "$out/myschool.csv" --as-of "$as_of"
        "$tsos" --db "$db" --quiet import sferum "$out/sferum.csv" --as-of "$as_of"
        "$tsos" --db "$db" report --as-of "$as_of" --level school --format json --out "$out/tsos.json"
    ' bash "$tsos" "$db" "$out" "$as_of"
    for engine in duckdb polars; do
        measure "$engine" "$py" "$bench/${engine}_indicators.py" \
            --myschool "$myschool" --sferum "$sferum" --as-of "$as_of" --out "$out/$engine.csv"
    done
done

say "compare"
"$py" "$bench/compare.py" "$out/tsos.json" duckdb="$out/duckdb.csv" polars="$out/polars.csv"

if ((!check_only)); then
    rows() { echo $(($(wc -l <"$1") - 1)); }
    myschool_rows=$(rows "$myschool") sferum_rows=$(rows "$sferum")
    size=$(du -cm "$myschool" "$sferum" | awk 'END { print $1 }')
    read -r tsos_wall _ <<<"$(figures tsos)"
    read -r registry_wall _ _ registry_rss <<<"$(figures registry)"
    echo
    echo "Scale $scale ${order[*]:-grouped}, as of $as_of: My School $myschool_rows rows, Sferum $sferum_rows rows" \
        "($size MiB), generated in $generated s; nproc $(nproc)"
    echo "tsos registry import (not in the ratio): $registry_wall s, $registry_rss MiB"
    if ((runs > 1)); then
        echo "$runs rounds of tsos, DuckDB and Polars in turn: median wall time (fastest–slowest), largest peak RSS"
    fi
    echo
    printf '%-34s %8s %13s %13s %9s\n' tool "wall s" "range s" "peak RSS MiB" "× tsos"
    row() {
        local label=$1 name=$2 wall low high rss ratio range=—
        read -r wall low high rss <<<"$(figures "$name")"
        ratio=$(awk -v a="$wall" -v b="$tsos_wall" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')
        local rounds=("$out/$name".*.time)
        ((${#rounds[@]} > 1)) && range="$low–$high"
        printf '%-34s %8s %13s %13s %9s\n' "$label" "$wall" "$range" "$rss" "${3:-$ratio}"
    }
    row "read floor: wc -l of both files" floor "—"
    row "tsos: 2 imports + report" tsos
    row "DuckDB $duckdb_version" duckdb
    row "Polars $polars_version (streaming)" polars
    echo
    echo "× tsos: the tool's wall time over tsos's, i.e. how many times faster tsos is."
fi

if ((!keep)); then
    rm -rf "$out"
fi
