#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests (issue 14).
#
#   eval "$(.ci/postgres.sh start)"   # prints and exports TSOS_TEST_PG_URL and TSOS_PG_DIR
#   eval "$(.ci/postgres.sh start --fsync)"   # the same, durable as a real server (benchmarks)
#   .ci/postgres.sh stop              # stops the cluster of $TSOS_PG_DIR and deletes it
#
# `start` installs PostgreSQL from Debian's packages if it is missing, makes a cluster with
# initdb in a temporary folder (as the user `postgres` when run as root, since PostgreSQL
# refuses to run as root), starts it with pg_ctl on 127.0.0.1 and a free port, without fsync
# unless `--fsync` (tests need no durability; a benchmark against SQLite, which syncs, does),
# and creates the role and database `tsos`. Everything it prints on stdout is shell to eval;
# what it says to people goes to stderr.
set -euo pipefail

bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [[ -n "$dir" && -x "$dir/initdb" ]] && echo "$dir"
}

as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start() {
    local bin dir port url fsync=-F
    [[ ${1:-} == --fsync ]] && fsync=''
    if ! bin=$(bindir); then
        echo "postgres.sh: устанавливается postgresql" >&2
        apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
        bin=$(bindir)
    fi
    dir=$(mktemp -d /tmp/tsos-pg.XXXXXX)
    chmod 755 "$dir"
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres: "$dir"
    fi
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-h 127.0.0.1 -p $port -k $dir $fsync -c max_connections=300" start >&2 \
        || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE tsos LOGIN PASSWORD 'tsos'" -c "CREATE DATABASE tsos OWNER tsos" >&2
    url="postgres://tsos:tsos@127.0.0.1:$port/tsos"
    echo "postgres.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') на 127.0.0.1:$port, папка $dir" >&2
    echo "export TSOS_PG_DIR=$dir TSOS_TEST_PG_URL=$url"
}

stop() {
    local bin dir=${TSOS_PG_DIR:-}
    [[ -n "$dir" && -d "$dir/data" ]] || { echo "postgres.sh: нет кластера (TSOS_PG_DIR)" >&2; return 0; }
    bin=$(bindir)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    rm -rf "$dir"
}

case "${1:-}" in
    start) start "${2:-}" ;;
    stop) stop ;;
    *) echo "использование: $0 start [--fsync] | stop" >&2; exit 2 ;;
esac
