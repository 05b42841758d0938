#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# GOST TLS 1.2 benchmark (issue #13; not a test): nginx 1.22 (1 worker) serving with the gostcsp
# provider + engine and a gostcsp software key, against the same nginx with gost-engine and a
# gost-engine key; the same client for both (gost-engine's `openssl s_time`, curl).
#   bench/tls_bench.sh BUILD_DIR [SECONDS=10] [MEGABYTES=100]
#   BENCH_CLIENT=gostcsp: the client side is gostcsp's (the engine's client mode) instead of
#   gost-engine's; still the same client for both servers.
# Prints full handshakes/s (s_time -new) and download MB/s (curl) per suite and server.
# Run on an idle machine: every number is one process pair on loopback.
set -euo pipefail
build="$(cd "${1:?build directory}" && pwd)"
secs="${2:-10}"
mb="${3:-100}"
work="$(mktemp -d)" && chmod 755 "$work"   # nginx workers (nobody when run as root) read www/
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
command -v nginx >/dev/null || { echo "nginx is not installed (scripts/deps.sh)" >&2; exit 1; }

cat > gostcsp.cnf <<EOF
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
engines = engine_sect
[provider_sect]
default = default_sect
gostcsp = gostcsp_sect
[default_sect]
activate = 1
[gostcsp_sect]
activate = 1
[engine_sect]
gostcsp = gostcsp_engine_sect
[gostcsp_engine_sect]
engine_id = gostcsp
dynamic_path = $build/engines/gostcsp.so
default_algorithms = ALL
init = 1
EOF
cat > gost.cnf <<'EOF'
openssl_conf = openssl_def
[openssl_def]
engines = engine_section
[engine_section]
gost = gost_section
[gost_section]
engine_id = gost
default_algorithms = ALL
EOF
sed 's/^default_algorithms = ALL$/CLIENT_KEYS = 1\ndefault_algorithms = ALL/' gostcsp.cnf > client.cnf
G() { env OPENSSL_CONF="$work/gostcsp.cnf" OPENSSL_MODULES="$build/providers" openssl "$@"; }
if [ "${BENCH_CLIENT:-gost-engine}" = gostcsp ]; then
    CL() { env OPENSSL_CONF="$work/client.cnf" OPENSSL_MODULES="$build/providers" "$@"; }
else
    CL() { env -u OPENSSL_MODULES OPENSSL_CONF="$work/gost.cnf" "$@"; }
fi
E() { env -u OPENSSL_MODULES OPENSSL_CONF="$work/gost.cnf" "$@"; }

G genpkey -algorithm gost2012_256 -pkeyopt paramset:TCA -out ours.key
G req -x509 -new -key ours.key -subj /CN=localhost -days 2 -out ours.pem
E openssl genpkey -algorithm gost2012_256 -pkeyopt paramset:TCA -out theirs.key
E openssl req -x509 -new -key theirs.key -subj /CN=localhost -days 2 -out theirs.pem
mkdir -p www tmp && head -c $((mb * 1048576)) /dev/urandom > www/big.bin

SUITES=(GOST2012-KUZNYECHIK-KUZNYECHIKOMAC GOST2012-MAGMA-MAGMAOMAC IANA-GOST2012-GOST8912-GOST8912)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
start_nginx() {  # start_nginx NAME CNF CERT KEYDIRECTIVE -> $port
    port="$(free_port)"
    cat > "$1.conf" <<EOF
daemon off;
worker_processes 1;
pid "$work/$1.pid";
error_log "$work/$1.err" warn;
env OPENSSL_CONF;
env OPENSSL_MODULES;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path "$work/tmp";
    server {
        listen 127.0.0.1:$port ssl;
        ssl_protocols TLSv1.2;
        ssl_session_cache off;
        ssl_session_tickets off;
        ssl_ciphers $(IFS=:; echo "${SUITES[*]}");
        ssl_certificate "$3";
        ssl_certificate_key $4;
        root "$work/www";
    }
}
EOF
    env OPENSSL_CONF="$2" OPENSSL_MODULES="$build/providers" nginx -p "$work" -c "$work/$1.conf" -e "$work/$1.err" &
    for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0; sleep 0.1; done
    echo "nginx $1 did not start" >&2; cat "$1.err" >&2; exit 1
}
measure() {  # measure LABEL
    local suite hs speed
    for suite in "${SUITES[@]}"; do
        hs="$(CL openssl s_time -connect "127.0.0.1:$port" -new -time "$secs" -cipher "$suite" 2>/dev/null |
              awk '/connections in [0-9.]+s/ {print $1 / $4; exit}')"
        speed="$(CL curl -sS -k --tlsv1.2 --tls-max 1.2 --ciphers "$suite" -o /dev/null -w '%{speed_download}' \
                 "https://127.0.0.1:$port/big.bin")"
        printf '%-10s (client %s) %-36s %8.1f handshakes/s %8.1f MB/s\n' "$1" "${BENCH_CLIENT:-gost-engine}" "$suite" "${hs:-0}" "$(awk -v s="$speed" 'BEGIN { print s / 1048576 }')"
    done
}
start_nginx ours "$work/gostcsp.cnf" "$work/ours.pem" "\"engine:gostcsp:$work/ours.key\""
measure gostcsp
kill "$(cat ours.pid)"; sleep 0.5
start_nginx theirs "$work/gost.cnf" "$work/theirs.pem" "\"$work/theirs.key\""
measure gost-engine
kill "$(cat theirs.pid)"
