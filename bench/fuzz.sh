#!/usr/bin/env bash
# The long run of the fuzzing harness of every reader (crates/tsos-ingest/tests/fuzz.rs):
# N cases of each test that reads files, 10 N of the parsers, in a release build with
# overflow checks and debug assertions on (an overflow is a panic, as in CI's debug build),
# the test binary limiting its own address space, timed by /usr/bin/time -v. See
# bench/README.md.
#
#   bench/fuzz.sh [--cases N] [--seed S] [--timeout SECONDS] [--keep]
set -euo pipefail

usage() {
    echo "usage: bench/fuzz.sh [--cases N] [--seed S] [--timeout SECONDS] [--keep]" >&2
    exit 2
}

cases=100000 seed=$((RANDOM * 32768 + RANDOM)) timeout=7200 keep=0
while (($#)); do
    case $1 in
        --cases) cases=${2:?}; shift ;;
        --seed) seed=${2:?}; shift ;;
        --timeout) timeout=${2:?}; shift ;;
        --keep) keep=1 ;;
        *) usage ;;
    esac
    shift
done

bench=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$bench")
out=$bench/out/fuzz
say() { printf '== %s\n' "$*" >&2; }

[[ -x /usr/bin/time ]] || { say "apt-get install -y time"; apt-get install -y time >/dev/null; }

# Its own target folder: the profile overrides would otherwise rebuild target/release.
say "building the harness (release, overflow checks, debug assertions)"
build_log=$(mktemp)
CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS=true \
    cargo test --release --locked -p tsos-ingest --test fuzz --no-run \
    --manifest-path "$root/Cargo.toml" --target-dir "$root/target/fuzz" 2>"$build_log" \
    || { cat "$build_log" >&2; exit 1; }
binary=$(sed -n 's/.*Executable tests\/fuzz.rs (\(.*\))$/\1/p' "$build_log" | tail -1)
rm -f "$build_log"
[[ $binary == /* ]] || binary=$root/$binary

# Each test writes its current input here: what a reader was reading when the process died
# or hung is left on disk.
rm -rf "$out"
mkdir -p "$out/inputs"
say "fuzzing: $cases cases of each file test, seed $seed, at most ${timeout}s"
status=0
TSOS_FUZZ_CASES=$cases TSOS_FUZZ_SEED=$seed TSOS_FUZZ_DIR=$out/inputs \
    timeout "$timeout" /usr/bin/time -v "$binary" --nocapture --test-threads 2 \
    >"$out/stdout" 2>"$out/log" || status=$?

grep -E '^(fuzz |test result)' "$out/log" "$out/stdout" | sed 's/^[^:]*://' | cut -c1-400 || true
grep -E 'Elapsed \(wall|Maximum resident|Exit status' "$out/log" || true
if ((status != 0)); then
    say "failed with status $status; the log and the last inputs are in $out"
    ((status == 124)) && say "timed out: a reader hung on one of $out/inputs/*/*"
    exit "$status"
fi
((keep)) || rm -rf "$out"
say "ok"
