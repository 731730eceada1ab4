# Shell functions shared by bench/load.sh and bench/engines.sh: starting `tsos serve`, logging
# in, a balancer in front of several instances, and wrk with percentiles. Sourced, not run;
# the caller sets `out` (a work folder), `say` and `die`.

# serve TSOS DB LOG: starts `tsos --db DB serve` on a free port of loopback in the background;
# sets `served_pid` and `served_base` (http://127.0.0.1:PORT).
serve() {
    local tsos=$1 db=$2 log=$3
    "$tsos" --db "$db" serve --addr 127.0.0.1:0 >"$log.out" 2>"$log" &
    served_pid=$!
    served_base=
    for _ in $(seq 300); do
        served_base=$(grep -o 'http://[0-9.]*:[0-9]*' "$log.out" || true)
        [[ -n $served_base ]] && return 0
        kill -0 $served_pid 2>/dev/null || { cat "$log" >&2; die "tsos serve exited"; }
        sleep 0.1
    done
    die "tsos serve printed no address"
}

# session_cookie BASE LOGIN PASSWORD: logs in through the form; prints «tsos_session=…».
session_cookie() {
    local base=$1 login=$2 password=$3 jar=$out/cookies token code
    rm -f "$jar"
    curl -s -c "$jar" -o /dev/null "$base/login"
    token=$(awk '$6 == "tsos_login" { print $7 }' "$jar")
    code=$(curl -s -b "$jar" -c "$jar" -o /dev/null -w '%{http_code}' \
        --data-urlencode "csrf=$token" --data-urlencode "login=$login" \
        --data-urlencode "password=$password" --data-urlencode next=/ "$base/login")
    [[ $code == 303 ]] || die "login answered $code"
    echo "tsos_session=$(awk '$6 == "tsos_session" { print $7 }' "$jar")"
}

# free_port: a TCP port of loopback nobody listens on now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# balance NAME BASE...: nginx (installed from Debian's packages if missing) on a free port,
# round-robin over the given instances, as docs/deploy.md sets it up; sets `balancer_pid` and
# `balancer_base`.
balance() {
    local name=$1 port conf dir=$out/nginx-$1 upstream=''
    shift
    command -v nginx >/dev/null || install_package nginx nginx-light
    mkdir -p "$dir/logs"
    for base in "$@"; do
        upstream+="        server ${base#http://};"$'\n'
    done
    port=$(free_port)
    conf=$dir/nginx.conf
    cat >"$conf" <<CONF
daemon off;
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    upstream tsos {
$upstream        keepalive 64;
    }
    server {
        listen 127.0.0.1:$port;
        location / {
            proxy_pass http://tsos;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_read_timeout 120s;
        }
    }
}
CONF
    nginx -p "$dir" -c "$conf" &
    balancer_pid=$!
    balancer_base=http://127.0.0.1:$port
    for _ in $(seq 100); do
        curl -s -o /dev/null "$balancer_base/healthz" && return 0
        sleep 0.1
    done
    cat "$dir/logs/error.log" >&2
    die "nginx did not start"
}

# wrk's own summary has no p95; with this script wrk prints one line:
# RESULT req/s p50 p95 p99 (ms) errors requests, where errors include non-2xx/3xx answers.
wrk_summary() {
    cat >"$out/summary.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.1f %.1f %.1f %.1f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.status + e.timeout, summary.requests))
end
LUA
    echo "$out/summary.lua"
}

# install_package COMMAND PACKAGE: installs the Debian package that brings COMMAND.
install_package() {
    local sudo=''
    (($(id -u) == 0)) || sudo=sudo
    say "apt-get install -y $2"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >&2 ||
        die "could not install $1 (Debian package «$2»)"
}

need_wrk() {
    command -v curl >/dev/null || die "curl is missing"
    command -v wrk >/dev/null || install_package wrk wrk
}
