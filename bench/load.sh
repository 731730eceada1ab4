#!/usr/bin/env bash
# Load test of the web dashboard on the national data (40,000 schools): latency, throughput and
# the server's memory under 32 concurrent clients. See bench/README.md.
#
#   bench/load.sh [--tsos PATH] [--duration SECONDS] [--connections N] [--keep]
set -euo pipefail

usage() {
    echo "usage: bench/load.sh [--tsos PATH] [--duration SECONDS] [--connections N] [--keep]" >&2
    exit 2
}

tsos='' duration=20 connections=32 keep=0
while (($#)); do
    case $1 in
        --tsos) tsos=${2:?}; shift ;;
        --duration) duration=${2:?}; shift ;;
        --connections) connections=${2:?}; shift ;;
        --keep) keep=1 ;;
        *) usage ;;
    esac
    shift
done

bench=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$bench")
out=$bench/out/load
as_of=2023-10-01
password=load-test-password

say() { printf '== %s\n' "$*" >&2; }
die() {
    printf 'load: %s\n' "$*" >&2
    exit 1
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# shellcheck source=bench/lib/web.sh
source "$bench/lib/web.sh"
need_wrk

cd "$root"
if [[ -z $tsos ]]; then
    say "cargo build --release --locked"
    cargo build --release --locked --quiet -p tsos-cli
    tsos=$root/target/release/tsos
fi
[[ -x $tsos ]] || die "no tsos at $tsos"

rm -rf "$out"
mkdir -p "$out"
data=$out/data db=$out/tsos.db
say "tsos demo --scale national --out $data"
"$tsos" demo --scale national --out "$data" >&2
say "import registry, myschool, sferum"
started=$(now)
for dataset in registry myschool sferum; do
    "$tsos" --db "$db" --quiet import "$dataset" "$data/$dataset.csv" --as-of "$as_of" >&2
done
say "imported in $(since "$started") s"
# The 1.8 GB of exports are not needed any more; the database is.
rm -f "$data/myschool.csv" "$data/sferum.csv"
"$tsos" --db "$db" user add admin --role admin --password "$password" >&2

# The municipality of the registry's first school, percent-encoded as the pages link to it.
municipality=$(awk -F';' 'NR == 2 { print $3; exit }' "$data/registry.csv")
municipality_path=/municipality/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$municipality")

say "tsos serve"
serve "$tsos" "$db" "$out/serve.log"
pid=$served_pid base=$served_base
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
cookie=$(session_cookie "$base" admin "$password")

rss() { awk -v key="$2:" '$1 == key { print int($2 / 1024) }' "/proc/$1/status"; }
# peak_during LOG COMMAND...: runs the command, its output in LOG, and prints the server's peak
# RSS in MiB meanwhile: VmHWM reset before it (clear_refs 5), and VmRSS sampled every 0.1 s in
# case the kernel refuses the reset.
peak_during() {
    local log=$1
    shift
    echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true
    (while kill -0 $pid 2>/dev/null; do rss $pid VmRSS; sleep 0.1; done) >"$out/rss.samples" &
    local sampler=$!
    "$@" >"$log"
    kill $sampler 2>/dev/null || true
    wait $sampler 2>/dev/null || true
    local sampled hwm
    sampled=$(sort -n "$out/rss.samples" | tail -1)
    hwm=$(rss $pid VmHWM)
    echo $((sampled > hwm ? sampled : hwm))
}

summary=$(wrk_summary)

results=()
# load NAME PATH [HEADER]: one request alone (its time is what the first visitor waits, while
# the figures are built), then wrk with $connections clients for $duration s. The first
# request is kept out of wrk's run: wrk counts the requests a stall holds back (coordinated
# omission), so one stall of a few seconds would fill its p95 and p99.
load() {
    local name=$1 path=$2 header=${3:-X-Load-Test: 1} log=$out/wrk-${#results[@]}.log
    local first peak line
    say "$path ${3:-}: the first request, then wrk -c$connections -d${duration}s"
    first=$(curl -s -o /dev/null -w '%{time_total}' -H "Cookie: $cookie" -H "$header" "$base$path")
    peak=$(peak_during "$log" wrk -t2 -c"$connections" -d"${duration}s" --timeout 60s \
        -H "Cookie: $cookie" -H "$header" -s "$summary" "$base$path")
    line=$(grep '^RESULT' "$log") || { cat "$log" >&2; die "wrk failed"; }
    results+=("$name|$(printf '%.2f' "$first") ${line#RESULT } $peak")
}

# 32 requests at once right after the start, before anything is cached: what the first
# visitors after a start, an import or a restore wait for.
say "$connections cold requests for /"
cold_started=$(now)
cold_peak=$(peak_during "$out/cold.codes" bash -c '
    for _ in $(seq "$1"); do
        curl -s -o /dev/null -w "%{http_code}\n" -H "Cookie: $2" "$3/" &
    done
    wait' bash "$connections" "$cookie" "$base")
cold_wall=$(since "$cold_started")
cold_codes=$(sort "$out/cold.codes" | uniq -c | awk '{ printf "%s×%s ", $1, $2 }')

load "page /" /
load "page municipality" "$municipality_path"
load "api school" "/api/report?level=school&as_of=$as_of"
load "api school, gzip" "/api/report?level=school&as_of=$as_of" "Accept-Encoding: gzip"
held=$(rss $pid VmRSS)

say "stopping tsos serve"
kill -TERM $pid
wait $pid || true
trap - EXIT

echo
echo "tsos serve on 40,000 schools ($(basename "$tsos") at $tsos); wrk $connections connections, ${duration} s each; nproc $(nproc)"
echo "$connections cold requests for / after the start: $cold_wall s, answers ${cold_codes% }, peak RSS $cold_peak MiB"
echo
row() { printf '%-20s %8s %8s %8s %8s %8s %7s %9s %13s\n' "$@"; }
row test "first s" "req/s" "p50 ms" "p95 ms" "p99 ms" errors requests "peak RSS MiB"
for result in "${results[@]}"; do
    read -r -a f <<<"${result#*|}"
    row "${result%%|*}" "${f[@]}"
done
echo
echo "RSS after the runs: $held MiB"

if ((!keep)); then
    rm -rf "$out"
fi
