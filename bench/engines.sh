#!/usr/bin/env bash
# SQLite against PostgreSQL (issue 14): the national imports and the report on each engine,
# wall time and peak RSS, the two reports compared byte for byte; then the dashboard's latency
# under 32 concurrent clients on SQLite with one instance and on PostgreSQL with one and with
# two instances, each behind the same nginx. See bench/README.md.
#
#   bench/engines.sh [--tsos PATH] [--scale national|region] [--duration SECONDS]
#                    [--connections N] [--keep]
set -euo pipefail

usage() {
    echo "usage: bench/engines.sh [--tsos PATH] [--scale national|region] [--duration SECONDS] [--connections N] [--keep]" >&2
    exit 2
}

tsos='' scale=national duration=20 connections=32 keep=0
while (($#)); do
    case $1 in
        --tsos) tsos=${2:?}; shift ;;
        --scale) scale=${2:?}; shift ;;
        --duration) duration=${2:?}; shift ;;
        --connections) connections=${2:?}; shift ;;
        --keep) keep=1 ;;
        *) usage ;;
    esac
    shift
done
[[ $scale == national || $scale == region ]] || usage

bench=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$bench")
out=$bench/out/engines
as_of=2023-10-01
password=engines-bench-password

say() { printf '== %s\n' "$*" >&2; }
die() {
    printf 'engines: %s\n' "$*" >&2
    exit 1
}

# shellcheck source=bench/lib/web.sh
source "$bench/lib/web.sh"
need_wrk
[[ -x /usr/bin/time ]] || install_package /usr/bin/time time

cd "$root"
if [[ -z $tsos ]]; then
    say "cargo build --release --locked"
    cargo build --release --locked --quiet -p tsos-cli
    tsos=$root/target/release/tsos
fi
[[ -x $tsos ]] || die "no tsos at $tsos"

rm -rf "$out"
mkdir -p "$out"
data=$out/data
say "tsos demo --scale $scale --out $data"
"$tsos" demo --scale "$scale" --out "$data" >&2
cat "$data/myschool.csv" "$data/sferum.csv" >/dev/null

# A cluster of our own, durable (fsync on) as SQLite is, stopped whatever happens.
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [[ -n ${TSOS_PG_DIR:-} ]] && "$root/.ci/postgres.sh" stop
}
trap cleanup EXIT
eval "$("$root/.ci/postgres.sh" start --fsync)"
postgres_version=$(psql --version 2>/dev/null | awk '{ print $3 }' || true)
declare -A location=([sqlite]=$out/tsos.db [postgres]=$TSOS_TEST_PG_URL)

# timed ENGINE STEP COMMAND...: runs it under /usr/bin/time; appends "ENGINE STEP wall rss".
timings=()
timed() {
    local engine=$1 step=$2 file=$out/$1-$2
    shift 2
    say "$engine: $step"
    /usr/bin/time -f '%e %M' -o "$file.time" "$@" >"$file.out" 2>"$file.log" ||
        { cat "$file.log" >&2; die "$engine: $step failed"; }
    read -r wall rss <"$file.time"
    timings+=("$engine $step $wall $((rss / 1024))")
}

for engine in sqlite postgres; do
    db=${location[$engine]}
    for dataset in registry myschool sferum; do
        timed "$engine" "$dataset" "$tsos" --db "$db" --quiet import "$dataset" \
            "$data/$dataset.csv" --as-of "$as_of"
    done
    timed "$engine" report "$tsos" --db "$db" report --as-of "$as_of" --level school --format json
    "$tsos" --db "$db" user add admin --role admin --password "$password" >&2
done
cmp -s "$out/sqlite-report.out" "$out/postgres-report.out" ||
    die "the school-level reports differ: $out/sqlite-report.out, $out/postgres-report.out"
rm -f "$data/myschool.csv" "$data/sferum.csv"

# The municipality of the registry's first school, percent-encoded as the pages link to it.
municipality=$(awk -F';' 'NR == 2 { print $3; exit }' "$data/registry.csv")
municipality_path=/municipality/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$municipality")
# "label|path" of what is asked for.
paths=("page /|/" "page municipality|$municipality_path" "api municipality|/api/report?level=municipality&as_of=$as_of")
summary=$(wrk_summary)

# latency NAME ENGINE INSTANCES: that many `tsos serve` behind nginx; each path first asked
# once per instance (what is cached is built outside the measure: the first visitor's wait is
# bench/load.sh's business), then wrk for $duration s.
latencies=()
latency() {
    local name=$1 engine=$2 instances=$3 bases=() serving=() label path line
    for i in $(seq "$instances"); do
        serve "$tsos" "${location[$engine]}" "$out/serve-$name-$i.log"
        bases+=("$served_base")
        serving+=("$served_pid")
    done
    balance "$name" "${bases[@]}"
    serving+=("$balancer_pid")
    pids+=("${serving[@]}")
    local cookie
    cookie=$(session_cookie "$balancer_base" admin "$password")
    for labelled in "${paths[@]}"; do
        label=${labelled%%|*} path=${labelled#*|}
        for _ in $(seq "$instances"); do
            curl -s -o /dev/null -H "Cookie: $cookie" "$balancer_base$path"
        done
        say "$name: wrk -c$connections -d${duration}s $label"
        wrk -t2 -c"$connections" -d"${duration}s" --timeout 60s -H "Cookie: $cookie" \
            -s "$summary" "$balancer_base$path" >"$out/wrk-$name.log" ||
            { cat "$out/wrk-$name.log" >&2; die "wrk failed"; }
        line=$(grep '^RESULT' "$out/wrk-$name.log") || die "wrk printed no result"
        latencies+=("$name|$label|${line#RESULT }")
    done
    for pid in "${serving[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${serving[@]}"; do wait "$pid" 2>/dev/null || true; done
}
latency sqlite-1 sqlite 1
latency postgres-1 postgres 1
latency postgres-2 postgres 2

echo
echo "SQLite against PostgreSQL ${postgres_version:-} (fsync on), $scale scale, $(basename "$tsos") at $tsos; nproc $(nproc)"
echo
row() { printf '%-10s %-10s %8s %10s\n' "$@"; }
row engine step "wall s" "RSS MiB"
for timing in "${timings[@]}"; do
    # shellcheck disable=SC2086
    row $timing
done
echo
echo "PostgreSQL over SQLite, wall time:"
for step in registry myschool sferum report; do
    awk -v step="$step" '
        $2 == step && $1 == "sqlite" { s = $3 }
        $2 == step && $1 == "postgres" { p = $3 }
        END { printf "  %-9s %.2f×\n", step, p / s }' <(printf '%s\n' "${timings[@]}")
done
echo "The two school-level reports: identical."
echo
echo "Latency behind nginx, wrk $connections connections, ${duration} s each (ms):"
lrow() { printf '%-11s %-18s %8s %8s %8s %8s %7s %9s\n' "$@"; }
lrow setup request "req/s" p50 p95 p99 errors requests
for result in "${latencies[@]}"; do
    IFS='|' read -r name label figures <<<"$result"
    # shellcheck disable=SC2086
    lrow "$name" "$label" $figures
done

if ((!keep)); then
    rm -rf "$out"
fi
