#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# GOST TLS 1.2 servers other than s_server, gostcsp provider + engine, no gost-engine in them:
# nginx 1.22 with its own configuration (gost-engine's s_client and curl 7.88 as clients) and
# Python 3.11's ssl module (key named by a gostcsp key reference file).
#   tls_apps_test.sh <flow>        flows: nginx, nginx_token (token keys, workers as www-data),
#                                  python
# Exit 0 = pass, 77 = skipped (explained on stderr).
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tls_common.sh" "$@"

# nginx 1.22 (Debian's nginx-light) with its own configuration in the scratch directory: the key
# through the engine ("engine:gostcsp:/path", what nginx 1.22 takes), 4 workers; a static file
# (client -> server: the request; server -> client: 1 MB) and the echo module for a 200 KB POST
# body back. Clients: gost-engine's s_client and curl 7.88 with an openssl.cnf loading gost-engine.
# nginx_worker_user: NGINX_USER = the workers' user. Not root: none (workers keep our user). Root:
# www-data (Debian's default) when it can reach the scratch directory, else root (a checkout under
# a private directory, as .ci/run makes) with a note.
nginx_worker_user() {
    NGINX_USER=""
    [ "$(id -u)" = 0 ] || return 0
    if id www-data >/dev/null 2>&1 && runuser -u www-data -- test -r "$scratch/www/blob.bin" 2>/dev/null; then
        NGINX_USER=www-data
    else
        NGINX_USER=root
        echo "note [$flow]: www-data cannot reach $scratch; nginx workers run as root" >&2
    fi
}

# nginx_workers PID: the user of each child process of PID, one per line (/proc; no procps needed).
nginx_workers() {
    local d ppid
    for d in /proc/[0-9]*; do
        ppid="$(sed -n 's/^PPid:[[:space:]]*//p' "$d/status" 2>/dev/null)" || continue
        [ "$ppid" = "$1" ] && stat -c %U "$d" 2>/dev/null
    done
    return 0
}

# nginx_serve LABEL CERT KEY-DIRECTIVE-VALUE: nginx with its own config, every suite, both clients.
# NGINX_MAIN_EXTRA: more main-context lines (env); NGINX_USER: the workers' user.
nginx_serve() {
    local bits="$1" cert="$2" key="$3"
    local echo_mod=/usr/lib/nginx/modules/ngx_http_echo_module.so
    local user_line=""
    [ -n "${NGINX_USER:-}" ] && user_line="user $NGINX_USER $NGINX_USER;"
    port="$(free_port)"
    cat > nginx.conf <<EOF2
$user_line
load_module "$echo_mod";
daemon off;
master_process on;
worker_processes 4;
pid "$scratch/nginx.pid";
error_log "$scratch/nginx-error.log" info;
env OPENSSL_CONF;
env OPENSSL_MODULES;
env OPENSSL_ENGINES;
${NGINX_MAIN_EXTRA:-}
events { worker_connections 64; }
http {
    access_log "$scratch/nginx-access.log";
    client_body_temp_path "$scratch/tmp";
    proxy_temp_path "$scratch/tmp";
    fastcgi_temp_path "$scratch/tmp";
    uwsgi_temp_path "$scratch/tmp";
    scgi_temp_path "$scratch/tmp";
    server {
        listen 127.0.0.1:$port ssl;
        ssl_protocols TLSv1.2;
        ssl_ciphers $KZ:$MG:$CNT:$CNT_LEGACY;
        ssl_certificate "$cert";
        ssl_certificate_key "$key";
        root "$scratch/www";
        client_max_body_size 1m;
        client_body_buffer_size 1m;
        location /echo { echo_read_request_body; echo_request_body; }
    }
}
EOF2
    env OPENSSL_CONF="$scratch/gostcsp.cnf" OPENSSL_MODULES="$prov_dir" OPENSSL_ENGINES="$eng_dir" \
        nginx -p "$scratch" -c "$scratch/nginx.conf" -e "$scratch/nginx-error.log" >nginx.out 2>&1 &
    server_pid=$!
    servers+=("$server_pid")
    local i
    for i in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        kill -0 "$server_pid" 2>/dev/null || { cat nginx.out nginx-error.log >&2; fail "nginx ($bits) died at start"; }
        sleep 0.1
    done
    for i in $(seq 1 50); do [ "$(nginx_workers "$server_pid" | wc -l)" -ge 4 ] && break; sleep 0.1; done
    [ "$(nginx_workers "$server_pid" | wc -l)" -ge 4 ] || fail "nginx ($bits): fewer than 4 workers"
    if [ -n "${NGINX_USER:-}" ]; then
        [ "$(nginx_workers "$server_pid" | sort -u)" = "$NGINX_USER" ] || fail "nginx ($bits): workers not running as $NGINX_USER"
    fi
    local suite
    for suite in "$KZ" "$MG" "$CNT" "$CNT_LEGACY"; do
        # s_client: the 1 MB file, then a POST of 200 KB echoed back
        printf 'GET /blob.bin HTTP/1.1\r\nHost: localhost\r\n\r\n' > req.txt
        "$PY" -c 'import os,sys; b=os.urandom(100000).hex().encode(); open("body.bin","wb").write(b); sys.stdout.buffer.write(b"POST /echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(b) + b)' >> req.txt
        { cat req.txt; sleep 2; } | E s_client -engine gost -connect "127.0.0.1:$port" -tls1_2 -cipher "$suite" \
            -ign_eof -quiet > resp.bin 2>resp.err || { cat resp.err >&2; fail "nginx $bits $suite: s_client"; }
        "$PY" - <<'PYEOF' || fail "nginx $bits $suite: responses differ from what was sent"
blob = open("www/blob.bin", "rb").read(); body = open("body.bin", "rb").read()
r = open("resp.bin", "rb").read()
h1, rest = r.split(b"\r\n\r\n", 1)
assert h1.startswith(b"HTTP/1.1 200"), h1[:40]
assert rest[:len(blob)] == blob, "GET body"
h2, echoed = rest[len(blob):].split(b"\r\n\r\n", 1)
assert h2.startswith(b"HTTP/1.1 200"), h2[:40]
# echo answers chunked: strip the chunk framing
out = b""
while echoed:
    size, echoed = echoed.split(b"\r\n", 1); n = int(size, 16)
    if n == 0: break
    out += echoed[:n]; echoed = echoed[n + 2:]
assert out == body, "echoed POST body"
PYEOF
        # curl 7.88, gost-engine from its openssl.cnf
        env -u OPENSSL_MODULES -u OPENSSL_ENGINES OPENSSL_CONF="$scratch/gost-client.cnf" \
            curl -sS -k --tlsv1.2 --tls-max 1.2 --ciphers "$suite" -o curl.bin -w '%{http_code}' \
            "https://127.0.0.1:$port/blob.bin" > curl.code 2>curl.err || { cat curl.err >&2; fail "nginx $bits $suite: curl"; }
        [ "$(cat curl.code)" = 200 ] || fail "nginx $bits $suite: curl got HTTP $(cat curl.code)"
        same www/blob.bin curl.bin "nginx $bits $suite: curl download"
        # curl 7.88 with gostcsp itself (the engine's client mode), the server certificate
        # verified (--cacert, host name localhost): no gost-engine on either side.
        env OPENSSL_CONF="$scratch/client.cnf" OPENSSL_MODULES="$prov_dir" OPENSSL_ENGINES="$eng_dir" \
            curl -sS --cacert "$cert" --resolve "localhost:$port:127.0.0.1" --tlsv1.2 --tls-max 1.2 \
            --ciphers "$suite" -o curl2.bin -w '%{http_code}' "https://localhost:$port/blob.bin" \
            > curl.code 2>curl.err || { cat curl.err >&2; fail "nginx $bits $suite: curl with gostcsp"; }
        [ "$(cat curl.code)" = 200 ] || fail "nginx $bits $suite: curl (gostcsp) got HTTP $(cat curl.code)"
        same www/blob.bin curl2.bin "nginx $bits $suite: curl (gostcsp) download"
        ok "nginx ($bits, 4 workers) $suite: s_client GET 1 MB + POST 200 KB echoed; curl (gost-engine) and curl (gostcsp, verified) GET 1 MB"
    done
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
    ! grep -E '\[(alert|emerg|crit)\]|exited on signal' nginx-error.log || fail "nginx ($bits) logged a crash or alert"
    : > nginx-error.log
}

nginx_client_cnf() {  # curl's openssl.cnf: gost-engine; client.cnf: gostcsp's client mode
    sed 's/^default_algorithms = ALL$/CLIENT_KEYS = 1\ndefault_algorithms = ALL/' gostcsp.cnf > client.cnf
    cat > gost-client.cnf <<'EOF2'
openssl_conf = openssl_def
[openssl_def]
engines = engine_section
[engine_section]
gost = gost_section
[gost_section]
engine_id = gost
default_algorithms = ALL
EOF2
}

run_nginx() {
    command -v nginx >/dev/null 2>&1 || skip "nginx is not installed (scripts/deps.sh installs nginx-light)"
    local echo_mod=/usr/lib/nginx/modules/ngx_http_echo_module.so
    [ -f "$echo_mod" ] || skip "nginx's echo module (libnginx-mod-http-echo) is not installed"
    local bits
    for bits in 256 512; do
        if [ $bits = 256 ]; then G genpkey -algorithm gost2012_256 -pkeyopt paramset:TCA -out srv$bits.key
        else G genpkey -algorithm gost2012_512 -pkeyopt paramset:B -out srv$bits.key; fi
        G req -x509 -new -key srv$bits.key -subj "/CN=localhost" -days 2 -out srv$bits.pem
    done
    mkdir -p www tmp && head -c 1048576 /dev/urandom > www/blob.bin
    nginx_client_cnf
    nginx_worker_user
    nginx_serve "256-bit key" "$scratch/srv256.pem" "engine:gostcsp:$scratch/srv256.key"
    nginx_serve "512-bit key" "$scratch/srv512.pem" "engine:gostcsp:$scratch/srv512.key"
}

# nginx with token keys: nginx 1.22 reads ssl_certificate_key with PEM_read_PrivateKey, so the key
# is a gostcsp key reference (gostcsp-tool key-uri --format reference, PIN from pin-source). The
# master loads it; each worker's VKO runs on the token in the worker (the provider opens fresh
# sessions after fork). Workers run as www-data when started as root, so the token directory and
# the PIN file belong to www-data, and nginx passes GOSTCSP_TOKEN_DIR / GOSTCSP_CONF on (env).
run_nginx_token() {
    command -v nginx >/dev/null 2>&1 || skip "nginx is not installed (scripts/deps.sh installs nginx-light)"
    [ -f /usr/lib/nginx/modules/ngx_http_echo_module.so ] || skip "nginx's echo module is not installed"
    token_setup
    local bits
    for bits in 256 512; do
        "$tool" key-uri --token "$t" --label tls$bits --pin-source "$scratch/pin.txt" --format reference \
            -o tls$bits-ref.pem >/dev/null 2>&1 || fail "key-uri --format reference ($bits)"
    done
    mkdir -p www tmp && head -c 1048576 /dev/urandom > www/blob.bin
    nginx_client_cnf
    NGINX_MAIN_EXTRA="env GOSTCSP_TOKEN_DIR;
env GOSTCSP_CONF;"
    nginx_worker_user
    [ "${NGINX_USER:-}" = www-data ] && chown -R www-data:www-data "$GOSTCSP_TOKEN_DIR" pin.txt
    nginx_serve "256-bit token key" "$scratch/tok256.pem" "$scratch/tls256-ref.pem"
    nginx_serve "512-bit token key" "$scratch/tok512.pem" "$scratch/tls512-ref.pem"
    unset NGINX_MAIN_EXTRA
}

# Python 3.11's ssl module as the server: it can only read key files (SSL_CTX_use_PrivateKey_file),
# so the key is a gostcsp key reference naming the key file. The server echoes each line reversed.
run_python() {
    G genpkey -algorithm gost2012_256 -pkeyopt paramset:TCA -out srv.key
    G req -x509 -new -key srv.key -subj "/CN=localhost" -days 2 -out srv.pem
    make_keyref "$scratch/srv.key" srv-ref.pem
    cat > pysrv.py <<'PYEOF'
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.set_ciphers(sys.argv[4])
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
t = ctx.wrap_socket(c, server_side=True)
print("cipher", t.cipher()[0], flush=True)
f = t.makefile("rwb")
for line in f:
    if line.strip() == b"CLOSE":
        break
    f.write(line.rstrip(b"\n")[::-1] + b"\n")
    f.flush()
f.close()
try:
    t.unwrap()  # the peer may have gone already
except OSError:
    pass
t.close()
PYEOF
    local suite i
    for suite in "$KZ" "$MG" "$CNT_LEGACY"; do
        port="$(free_port)"
        env OPENSSL_CONF="$scratch/gostcsp.cnf" OPENSSL_MODULES="$prov_dir" OPENSSL_ENGINES="$eng_dir" \
            "$PY" pysrv.py "$port" srv.pem srv-ref.pem "$suite" >py.out 2>py.err &
        server_pid=$!
        servers+=("$server_pid")
        for i in $(seq 1 100); do  # (one accept only: wait for "ready", do not probe the port)
            grep -q '^ready' py.out 2>/dev/null && break
            kill -0 "$server_pid" 2>/dev/null || { cat py.err >&2; fail "python server died at start"; }
            sleep 0.1
        done
        payload in.txt 30 2000
        gost_client "$suite" in.txt out.txt || { cat out.txt.err py.err >&2; fail "$suite: s_client against Python"; }
        check_session "$suite" in.txt out.txt
        wait "$server_pid" || { cat py.err >&2; fail "python server failed"; }
        grep -q "cipher $suite" py.out || fail "python did not report $suite"
    done
    ok "Python 3.11 ssl server (key reference file): three suites"
    # ... and Python as the client too, with the engine's client mode: gostcsp on both ends.
    sed 's/^default_algorithms = ALL$/CLIENT_KEYS = 1\ndefault_algorithms = ALL/' gostcsp.cnf > client.cnf
    cat > pycli.py <<'PYEOF'
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.set_ciphers(sys.argv[3])
t = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="localhost")
data = open(sys.argv[4], "rb").read()
f = t.makefile("rwb")
f.write(data + b"CLOSE\n"); f.flush()
back = b"".join(f.readline() for _ in data.splitlines())
want = b"".join(l[::-1] + b"\n" for l in data.splitlines())
print("cipher", t.cipher()[0], "match", back == want)
sys.exit(0 if back == want else 1)
PYEOF
    for suite in "$KZ" "$CNT"; do
        port="$(free_port)"
        : > py.out
        env OPENSSL_CONF="$scratch/gostcsp.cnf" OPENSSL_MODULES="$prov_dir" OPENSSL_ENGINES="$eng_dir" \
            "$PY" pysrv.py "$port" srv.pem srv-ref.pem "$suite" >py.out 2>py.err &
        server_pid=$!
        servers+=("$server_pid")
        for i in $(seq 1 100); do
            grep -q '^ready' py.out 2>/dev/null && break
            sleep 0.1
        done
        payload in.txt 30 2000
        env OPENSSL_CONF="$scratch/client.cnf" OPENSSL_MODULES="$prov_dir" OPENSSL_ENGINES="$eng_dir" \
            "$PY" pycli.py "$port" srv.pem "$suite" in.txt > pycli.out 2>pycli.err ||
            { cat pycli.err py.err >&2; fail "$suite: Python client (gostcsp) against Python server"; }
        grep -q "cipher $suite match True" pycli.out || fail "$suite: Python client output"
        wait "$server_pid" || { cat py.err >&2; fail "python server failed"; }
    done
    ok "Python 3.11 ssl client (gostcsp client mode, certificate verified) against the Python server: two suites"
}

case "$flow" in
    nginx) run_nginx ;;
    python) run_python ;;
    nginx_token) run_nginx_token ;;
    *) fail "unknown flow $flow" ;;
esac
