#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# GOST TLS 1.2 (RFC 9189) between `openssl s_server` with the gostcsp provider + engine (no
# gost-engine in that process) and `openssl s_client -engine gost` (gost-engine 3.0.1, a separate
# process). The server runs `-rev`: every line the client sends comes back reversed, so the
# payload is checked in both directions, by the peer's independent implementation.
#   tls_interop_test.sh <flow>     flows: ciphers, rfc9189, suites_256, suites_512, token, bad_suite,
#                                  keyx_bad_input, bad_cke,
#                                  nginx (nginx 1.22 with its own config: s_client and curl with
#                                  gost-engine as clients), python (Python 3.11's ssl as the
#                                  server, the key named by a gostcsp key reference file),
#                                  nginx_token (nginx with token keys, workers as www-data)
# Exit 0 = pass, 77 = skipped (explained on stderr).
set -euo pipefail

flow="${1:?flow name}"
prov_dir="${GOSTCSP_PROVIDER_DIR:?}"
eng_dir="${GOSTCSP_ENGINE_DIR:?}"
scratch="${GOSTCSP_SCRATCH:-$PWD/scratch}/$flow"
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch"
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_common.sh"
support_tls="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

case "$flow" in token | nginx_token)
    [ -n "${GOSTCSP_P11_MODULE:-}" ] && PKCS11_MODULE_LINE="pkcs11-module = $GOSTCSP_P11_MODULE" ;;
esac

# gost-engine must be there (the peer); it is never loaded into the server's process.
env -u OPENSSL_MODULES -u OPENSSL_ENGINES OPENSSL_CONF=/dev/null openssl engine gost >/dev/null 2>&1 ||
    skip "gost-engine (libengine-gost-openssl) is not installed"

# The configuration docs/tls.md documents: provider for keys, certificates and Streebog; engine
# for libssl's legacy-only parts (ciphers, MACs, key transport), default_algorithms = ALL.
# PKCS11_MODULE_LINE: the token flow's module (the soft token built here).
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
${PKCS11_MODULE_LINE:-}
[engine_sect]
gostcsp = gostcsp_engine_sect
[gostcsp_engine_sect]
engine_id = gostcsp
dynamic_path = $eng_dir/gostcsp.so
default_algorithms = ALL
init = 1
EOF
G() { env OPENSSL_CONF="$scratch/gostcsp.cnf" OPENSSL_MODULES="$prov_dir" OPENSSL_ENGINES="$eng_dir" openssl "$@"; }
E() { env -u OPENSSL_MODULES -u OPENSSL_ENGINES OPENSSL_CONF=/dev/null openssl "$@"; }

KZ=GOST2012-KUZNYECHIK-KUZNYECHIKOMAC
MG=GOST2012-MAGMA-MAGMAOMAC
CNT=IANA-GOST2012-GOST8912-GOST8912        # 0xC102 (RFC 9189)
CNT_LEGACY=LEGACY-GOST2012-GOST8912-GOST8912  # 0xFF85, also "GOST2012-GOST8912-GOST8912"

servers=()
cleanup() {
    local p
    for p in "${servers[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${servers[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_server NAME KEY CERT CIPHERS: s_server in the background; sets $port and $server_pid.
# A software KEY (a file name) is loaded through the engine (-keyform engine); KEY_ARGS, if set,
# replaces that (token keys: the engine's pkcs11: loader or a key-URI file make them shells).
start_server() {
    local name="$1" key="$2" cert="$3" ciphers="$4" i
    local key_args=(-engine gostcsp -keyform engine -key "$scratch/$key")
    [ -n "${KEY_ARGS:-}" ] && key_args=(-key "$KEY_ARGS")
    port="$(free_port)"
    G s_server -accept "127.0.0.1:$port" "${key_args[@]}" \
        -cert "$cert" -tls1_2 -cipher "$ciphers" -rev >"$name.out" 2>"$name.err" &
    server_pid=$!
    servers+=("$server_pid")
    for i in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        kill -0 "$server_pid" 2>/dev/null || { cat "$name.err" >&2; fail "server $name died at start"; }
        sleep 0.1
    done
    fail "server $name does not listen on $port"
}

# payload FILE LINES LEN: lines "X<random [a-z0-9]>Q"; the server answers each reversed.
payload() {
    "$PY" - "$1" "$2" "$3" <<'PYEOF'
import random, string, sys
rnd = random.Random()
with open(sys.argv[1], "w") as f:
    for _ in range(int(sys.argv[2])):
        n = int(sys.argv[3]) + rnd.randrange(64)
        f.write("X" + "".join(rnd.choice(string.ascii_lowercase + string.digits) for _ in range(n)) + "Q\n")
PYEOF
}

# gost_client SUITE IN OUT: gost-engine's s_client sends IN, then CLOSE; output in OUT.
gost_client() {
    local suite="$1" in="$2" out="$3" rc=0
    { cat "$in"; sleep 1; echo CLOSE; } |
        E s_client -engine gost -connect "127.0.0.1:$port" -tls1_2 -cipher "$suite" -ign_eof \
            >"$out" 2>"$out.err" || rc=$?
    return $rc
}

# check_session SUITE IN OUT: the negotiated suite and every line back, reversed, in order.
check_session() {
    local suite="$1" in="$2" out="$3"
    grep -q "Cipher is $suite\$" "$out" || { cat "$out.err" >&2; fail "$suite: not negotiated"; }
    grep -E '^Q[a-z0-9]+X$' "$out" > "$out.lines" || true
    rev "$in" > "$in.rev"
    same "$in.rev" "$out.lines" "$suite: echoed payload"
    ok "$suite: handshake with gost-engine's s_client, $(wc -l < "$in") lines ($(wc -c < "$in") bytes) each way"
}

# One server key: every suite, small and large records, more records than one TLSTREE window.
run_suites() {  # run_suites ALG PARAMSET
    G genpkey -algorithm "$1" -pkeyopt "paramset:$2" -out srv.key
    G req -x509 -new -key srv.key -subj "/CN=localhost" -days 2 -out srv.pem
    start_server srv srv.key srv.pem "$KZ:$MG:$CNT:$CNT_LEGACY"
    local suite
    for suite in "$KZ" "$MG" "$CNT" "$CNT_LEGACY"; do
        # 150 lines of ~1.5 KB: the server answers with one record per line (>64 records, a
        # TLSTREE level-3 change for Kuznyechik; the 28147 suites' stream MAC and cipher run on
        # across them); then lines of ~12 KB: records spanning several CTR-ACPKM sections
        # (4 KiB Kuznyechik, 1 KiB Magma) and 28147 key meshings (every 1 KiB).
        payload small.txt 150 1500
        payload large.txt 6 12000
        cat small.txt large.txt > in.txt
        gost_client "$suite" in.txt out.txt || { cat out.txt.err >&2; fail "$suite: s_client failed"; }
        check_session "$suite" in.txt out.txt
    done
    [ "$(grep -c "Ciphersuite: " srv.err)" -eq 4 ] || fail "server did not log four sessions"
    kill -0 "$server_pid" || fail "server died"
}

# Token keys (the soft token built here, through the provider): a pkcs11: URI with pin-source
# (the engine's pkcs11: store loader hands it out as a shell) and a key-URI file; VKO runs on
# the token (C_DeriveKey), the rest of the key transport in the engine.
# token_setup: a soft token "tok-tls" with keys tls256 / tls512, pin.txt, certificates tok256/512.pem
token_setup() {
    module="${GOSTCSP_P11_MODULE:-}" tool="${GOSTCSP_TOOL:-}"
    [ -n "$module" ] && [ -f "$module" ] && [ -n "$tool" ] && [ -x "$tool" ] || skip "PKCS#11 module or gostcsp-tool not built"
    export GOSTCSP_TOKEN_DIR="$scratch/tokens" GOSTCSP_CONF="$scratch/gostcsp.conf"
    printf 'test_token = true\nkdf_iterations = 64\nuser_max_retries = 5\nso_max_retries = 3\nallow_factory_pins = true\n' > "$GOSTCSP_CONF"
    export SO_PIN=12345678 FACTORY_PIN=87654321 USER_PIN='Teal-Otter-5531'
    t=tok-tls
    "$tool" init-token --label $t --so-pin-env SO_PIN >/dev/null 2>&1 || fail "init-token"
    "$tool" unblock --token $t --so-pin-env SO_PIN --new-pin-env FACTORY_PIN >/dev/null 2>&1 || fail "unblock"
    "$tool" change-pin --token $t --pin-env FACTORY_PIN --new-pin-env USER_PIN >/dev/null 2>&1 || fail "change-pin"
    "$tool" keygen --token $t --pin-env USER_PIN --bits 256 --param-set tc26-256-B --label tls256 --id 01 >/dev/null 2>&1 || fail "keygen 256"
    "$tool" keygen --token $t --pin-env USER_PIN --bits 512 --param-set tc26-512-B --label tls512 --id 02 >/dev/null 2>&1 || fail "keygen 512"
    printf '%s\n' "$USER_PIN" > pin.txt
    "$tool" key-uri --token $t --label tls512 --pin-source "$scratch/pin.txt" -o tls512-uri.pem >/dev/null 2>&1 || fail "key-uri"
    local bits
    for bits in 256 512; do
        G req -x509 -new -key "pkcs11:token=$t;object=tls$bits;type=private" -passin env:USER_PIN \
            -subj "/CN=localhost" -days 2 -out tok$bits.pem 2>req.err ||
            { cat req.err >&2; fail "certificate for the token key $bits"; }
    done
}
run_token() {
    token_setup
    local bits suite
    # 256: the URI; 512: the key-URI file. Both with every suite.
    for bits in 256 512; do
        if [ $bits = 256 ]; then
            KEY_ARGS="pkcs11:token=$t;object=tls256;type=private?pin-source=$(uri_path "$scratch/pin.txt")"
        else
            KEY_ARGS="$scratch/tls512-uri.pem"
        fi
        start_server tok$bits "" tok$bits.pem "$KZ:$MG:$CNT:$CNT_LEGACY"
        for suite in "$KZ" "$MG" "$CNT_LEGACY"; do
            payload in.txt 20 3000
            gost_client "$suite" in.txt out.txt || { cat out.txt.err tok$bits.err >&2; fail "$suite: s_client failed (token key $bits)"; }
            check_session "$suite" in.txt out.txt
        done
        ok "token key $bits ($([ $bits = 256 ] && echo "pkcs11: URI" || echo "key-URI file")): three suites"
    done
    unset KEY_ARGS
}

# The server half of the key transport outside TLS (`pkeyutl -decrypt` on the engine's shell key,
# what tls_process_cke_gost* call): gost-engine's GostR3410-KeyTransport decrypts to its secret;
# truncated, forged and wrong-curve transports fail with a reason, never a crash.
der_tools() {  # der_tools CMD ARGS: small DER edits for the forged inputs
    "$PY" - "$@" <<'PYEOF'
import sys
def tlv(tag, body):
    n = len(body)
    l = bytes([n]) if n < 128 else (bytes([0x81, n]) if n < 256 else bytes([0x82, n >> 8, n & 255]))
    return bytes([tag]) + l + body
cmd = sys.argv[1]
if cmd == "flip":                      # flip IN OFFSET OUT
    d = bytearray(open(sys.argv[2], "rb").read()); d[int(sys.argv[3])] ^= 1
    open(sys.argv[4], "wb").write(bytes(d))
elif cmd == "cut":                     # cut IN BYTES OUT
    d = open(sys.argv[2], "rb").read(); open(sys.argv[4], "wb").write(d[:-int(sys.argv[3])])
elif cmd == "pskt":                    # pskt PSEXP_LEN SPKI.der OUT: PSKeyTransport, random PSEXP
    import os
    psexp = os.urandom(int(sys.argv[2])); spki = open(sys.argv[3], "rb").read()
    open(sys.argv[4], "wb").write(tlv(0x30, tlv(0x04, psexp) + spki))
PYEOF
}
run_keyx_bad_input() {
    G genpkey -algorithm gost2012_256 -pkeyopt paramset:TCA -out srv.key
    G genpkey -algorithm gost2012_512 -pkeyopt paramset:A -out srv512.key
    G genpkey -algorithm gost2012_256 -pkeyopt paramset:TCB -out other.key
    G genpkey -algorithm gost2012_256 -pkeyopt paramset:TCA -out eph.key
    local k
    for k in srv srv512 other eph; do
        G pkey -in $k.key -pubout -out $k.pub
        G pkey -in $k.key -pubout -outform DER -out $k.spki
    done
    D() { G pkeyutl -decrypt -engine gostcsp -keyform engine -inkey "$scratch/$1" -in "$2" -out "$3" "${@:4}"; }
    # kGOST: gost-engine encrypts (VKO + CryptoPro key wrap), we decrypt.
    head -c 32 /dev/urandom > pms.bin
    for k in srv srv512; do
        E pkeyutl -engine gost -encrypt -pubin -inkey $k.pub -in pms.bin -out $k.ct 2>/dev/null || fail "gost-engine encrypt ($k)"
        D $k.key $k.ct got.bin 2>err.txt || { cat err.txt >&2; fail "decrypt of gost-engine's key transport ($k)"; }
        same pms.bin got.bin "kGOST key transport ($k)"
    done
    ok "kGOST: gost-engine's GostR3410-KeyTransport to 256/512-bit keys decrypts to its secret"
    E pkeyutl -engine gost -encrypt -pubin -inkey other.pub -in pms.bin -out other.ct 2>/dev/null || fail "gost-engine encrypt (other)"
    der_tools cut srv.ct 10 cut.ct
    der_tools flip srv.ct 10 enc.ct      # encryptedKey
    der_tools flip srv.ct 41 mac.ct      # macKey
    der_tools flip srv.ct 158 ukm.ct     # ukm
    : > empty.ct
    expect_error "invalid GOST key transport" D srv.key cut.ct o.bin
    expect_error "MAC does not match" D srv.key enc.ct o.bin
    expect_error "MAC does not match" D srv.key mac.ct o.bin
    expect_error "MAC does not match" D srv.key ukm.ct o.bin
    expect_error "invalid GOST key transport" D srv.key empty.ct o.bin
    expect_error "different parameter sets" D srv.key other.ct o.bin
    ok "kGOST: truncated, forged (key, MAC, UKM), empty and wrong-curve transports refused"
    # kGOST18 (the cipher and HASH(r_c | r_s) as libssl sets them): structurally valid transports
    # with a forged PSEXP, a wrong-length PSEXP, a wrong-curve ephemeral key, no UKM.
    local h18=(-pkeyopt tls-cipher:kuznyechik-ctr -pkeyopt ukmhex:"$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')")
    der_tools pskt 48 eph.spki forged.ct
    der_tools pskt 40 eph.spki short.ct
    der_tools pskt 48 other.spki curve.ct
    der_tools cut forged.ct 7 cut18.ct
    expect_error "MAC does not match" D srv.key forged.ct o.bin "${h18[@]}"
    expect_error "wrong length" D srv.key short.ct o.bin "${h18[@]}"
    expect_error "different parameter sets" D srv.key curve.ct o.bin "${h18[@]}"
    expect_error "invalid GOST key transport" D srv.key cut18.ct o.bin "${h18[@]}"
    expect_error "32-byte" D srv.key forged.ct o.bin -pkeyopt tls-cipher:kuznyechik-ctr
    expect_error "MAC does not match" D srv.key short.ct o.bin -pkeyopt tls-cipher:magma-ctr "${h18[@]:2}"
    ok "kGOST18: forged, wrong-length, wrong-curve, truncated and UKM-less transports refused"
}

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
    [ "$(pgrep -c -P "$server_pid")" -ge 4 ] || fail "nginx ($bits): fewer than 4 workers"
    if [ -n "${NGINX_USER:-}" ]; then
        [ "$(ps -o user= --ppid "$server_pid" | sort -u)" = "$NGINX_USER" ] || fail "nginx ($bits): workers not running as $NGINX_USER"
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
        ok "nginx ($bits, 4 workers) $suite: s_client GET 1 MB + POST 200 KB echoed; curl GET 1 MB"
    done
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
    ! grep -E '\[(alert|emerg|crit)\]|exited on signal' nginx-error.log || fail "nginx ($bits) logged a crash or alert"
    : > nginx-error.log
}

nginx_client_cnf() {  # curl's openssl.cnf: gost-engine
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
# so the key is a gostcsp key reference (PKCS#8 with the reference OID naming the key file), which
# the engine's ASN.1 method turns into a shell. The server echoes each line reversed.
KEYREF_OID=2.25.204242435340915082712179152027141201539
make_keyref() {  # make_keyref URI-OR-PATH OUT.pem
    printf 'asn1 = SEQUENCE:p8\n[p8]\nversion = INTEGER:0\nalg = SEQUENCE:alg\nkey = FORMAT:ASCII,OCTETSTRING:%s\n[alg]\noid = OID:%s\n' \
        "$1" "$KEYREF_OID" > keyref.cnf
    openssl asn1parse -genconf keyref.cnf -noout -out keyref.der >/dev/null
    { echo "-----BEGIN PRIVATE KEY-----"; base64 -w 64 keyref.der; echo "-----END PRIVATE KEY-----"; } > "$2"
}
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
t.unwrap()
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
}

# The engine's record ciphers outside TLS (openssl enc in a process with the engine registered as
# in the TLS configuration) against gost-engine's, over several ACPKM sections / key meshings.
run_ciphers() {
    head -c 10000 /dev/urandom > plain.bin
    local key c name iv
    key="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    for c in kuznyechik-ctr-acpkm:0011223344556677 magma-ctr-acpkm:01234567 gost89-cnt-12:0011223344556677; do
        name="${c%%:*}" iv="${c##*:}"
        G enc -"$name" -K "$key" -iv "$iv" -in plain.bin -out ours.bin 2>err.txt || { cat err.txt >&2; fail "enc $name"; }
        E enc -engine gost -"$name" -K "$key" -iv "$iv" -in plain.bin -out theirs.bin 2>/dev/null || fail "gost-engine enc $name"
        same theirs.bin ours.bin "$name (engine) vs gost-engine"
        G enc -d -"$name" -K "$key" -iv "$iv" -in ours.bin -out back.bin 2>/dev/null || fail "enc -d $name"
        same plain.bin back.bin "$name round trip"
    done
    ok "engine ciphers kuznyechik-ctr-acpkm, magma-ctr-acpkm, gost89-cnt-12 equal gost-engine's (10000 bytes)"
    # The MACs' EVP_MD forms with MAC keys (dgst -mac: EVP_PKEY_new_mac_key + DigestSign, as
    # libssl uses them) against gostprov's EVP_MACs (gost-engine's own dgst -mac output for
    # kuznyechik-mac carries uninitialised bytes, so gostprov is the oracle here).
    local gp=(-provider-path /usr/lib/x86_64-linux-gnu/ossl-modules -provider gostprov)
    E mac "${gp[@]}" -macopt hexkey:"$key" -in plain.bin kuznyechik-mac >/dev/null 2>&1 || skip "gostprov not available"
    local m n ours theirs
    for n in 1 17 1024 10000; do
        head -c "$n" /dev/urandom > msg.bin
        for m in kuznyechik-mac magma-mac gost-mac-12; do
            ours="$(G dgst -mac "$m" -macopt hexkey:"$key" msg.bin 2>err.txt | sed 's/.*= //')"
            [ -n "$ours" ] || { cat err.txt >&2; fail "dgst -mac $m"; }
            theirs="$(E mac "${gp[@]}" -macopt hexkey:"$key" -in msg.bin "$m" 2>/dev/null | tr 'A-F' 'a-f')"
            [ "$ours" = "$theirs" ] || fail "$m of $n bytes: engine $ours, gostprov $theirs"
        done
    done
    ok "engine MACs kuznyechik-mac, magma-mac, gost-mac-12 (dgst -mac) equal gostprov's (1..10000 bytes)"
}

# RFC 9189's handshake examples at the key transport (the server side libssl drives): the RFC's
# server private key as a PKCS#8 file (provider), the ClientKeyExchange built from the RFC's
# ephemeral key and exported PMS, decrypted through the engine's shell key with the RFC's
# h = HASH(r_c | r_s): A.1.3.1 (Magma, 256-bit CryptoPro-A key), A.1.3.2 (Kuznyechik, 512-bit
# tc26-512-C key), A.2.2 (28147 CNT_IMIT, 512-bit tc26-512-A key). Vectors: tests/vectors/.
run_rfc9189() {
    local vec
    vec="$(cd "$(dirname "${BASH_SOURCE[0]}")/../vectors" && pwd)"
    "$PY" - "$vec" <<'PYEOF' || fail "building the RFC 9189 inputs"
import sys
vec = sys.argv[1]
def records(name):
    out, cur = [], {}
    for line in open(f"{vec}/{name}") :
        line = line.strip()
        if not line:
            if cur: out.append(cur); cur = {}
            continue
        if line.startswith("#"): continue
        k, v = [x.strip() for x in line.split("=", 1)]; cur[k] = v
    if cur: out.append(cur)
    return {r["name"]: r for r in out}
def tlv(tag, body):
    n = len(body)
    l = bytes([n]) if n < 128 else (bytes([0x81, n]) if n < 256 else bytes([0x82, n >> 8, n & 255]))
    return bytes([tag]) + l + body
def oid(dotted):
    a = [int(x) for x in dotted.split(".")]; body = bytes([40 * a[0] + a[1]])
    for v in a[2:]:
        enc = [v & 0x7f]; v >>= 7
        while v: enc.append(0x80 | (v & 0x7f)); v >>= 7
        body += bytes(reversed(enc))
    return tlv(0x06, body)
def le(hexbe): return bytes.fromhex(hexbe)[::-1]
def alg(pset):
    bits512 = pset.startswith("1.2.643.7.1.2.1.2.")
    params = oid(pset) + (b"" if bits512 else oid("1.2.643.7.1.1.2.2"))
    return tlv(0x30, oid("1.2.643.7.1.1.1.2" if bits512 else "1.2.643.7.1.1.1.1") + tlv(0x30, params))
def spki(pset, x, y): return tlv(0x30, alg(pset) + tlv(0x03, b"\x00" + tlv(0x04, le(x) + le(y))))
def pkcs8(pset, d):
    pem = tlv(0x30, tlv(0x02, b"\x00") + alg(pset) + tlv(0x04, le(d)))
    import base64
    b = base64.encodebytes(pem).decode().replace("\n", "")
    return "-----BEGIN PRIVATE KEY-----\n" + "\n".join(b[i:i+64] for i in range(0, len(b), 64)) + "\n-----END PRIVATE KEY-----\n"
keg, kexp, wrap = records("keg.txt"), records("kexp15.txt"), records("keywrap.txt")
for tag, cipher in (("1.3.1", "magma"), ("1.3.2", "kuznyechik")):
    k = keg[f"rfc9189-A.{tag}-keg-{cipher}"]; e = kexp[f"rfc9189-A.{tag}-kexp15-{cipher}"]
    open(f"a{tag}.key", "w").write(pkcs8(k["param_set_oid"], k["d_s"]))
    open(f"a{tag}.cke", "wb").write(tlv(0x30, tlv(0x04, bytes.fromhex(e["exported"])) +
                                       spki(k["param_set_oid"], k["q_eph_x"], k["q_eph_y"])))
    open(f"a{tag}.h", "w").write(k["h"]); open(f"a{tag}.pms", "wb").write(bytes.fromhex(e["key"]))
w = wrap["rfc9189-A.2.2-kexp28147"]; x = bytes.fromhex(w["exported"])
open("a2.2.key", "w").write(pkcs8(w["param_set_oid"], w["d_s"]))
eph = spki(w["param_set_oid"], w["q_eph_x"], w["q_eph_y"])
tp = tlv(0xA0, oid("1.2.643.7.1.2.5.1.1") + b"\xa0" + eph[1:] + tlv(0x04, x[:8]))
open("a2.2.cke", "wb").write(tlv(0x30, tlv(0x30, tlv(0x04, x[8:40]) + tlv(0x04, x[40:44])) + tp))
open("a2.2.pms", "wb").write(bytes.fromhex(w["pms"]))
PYEOF
    local D=(pkeyutl -decrypt -engine gostcsp -keyform engine)
    G "${D[@]}" -inkey "$scratch/a1.3.1.key" -in a1.3.1.cke -out got.bin \
        -pkeyopt tls-cipher:magma-ctr -pkeyopt ukmhex:"$(cat a1.3.1.h)" 2>err.txt || { cat err.txt >&2; fail "A.1.3.1 decrypt"; }
    same a1.3.1.pms got.bin "RFC 9189 A.1.3.1 premaster secret"
    G "${D[@]}" -inkey "$scratch/a1.3.2.key" -in a1.3.2.cke -out got.bin \
        -pkeyopt tls-cipher:kuznyechik-ctr -pkeyopt ukmhex:"$(cat a1.3.2.h)" 2>err.txt || { cat err.txt >&2; fail "A.1.3.2 decrypt"; }
    same a1.3.2.pms got.bin "RFC 9189 A.1.3.2 premaster secret"
    G "${D[@]}" -inkey "$scratch/a2.2.key" -in a2.2.cke -out got.bin 2>err.txt || { cat err.txt >&2; fail "A.2.2 decrypt"; }
    same a2.2.pms got.bin "RFC 9189 A.2.2 premaster secret"
    ok "RFC 9189 A.1.3.1 (Magma, 256), A.1.3.2 (Kuznyechik, 512), A.2.2 (28147, 512): the server recovers the RFC's premaster secret"
}

# Forged ClientKeyExchange messages over real TLS (tests/tls/forged_cke.py: a minimal client that
# stops after ServerHelloDone and sends the given CKE body): the server answers with a fatal alert,
# keeps running and still serves a genuine client afterwards.
run_bad_cke() {
    G genpkey -algorithm gost2012_256 -pkeyopt paramset:TCA -out srv.key
    G req -x509 -new -key srv.key -subj "/CN=localhost" -days 2 -out srv.pem
    G pkey -in srv.key -pubout -out srv.pub
    G genpkey -algorithm gost2012_256 -pkeyopt paramset:TCA -out eph.key
    G genpkey -algorithm gost2012_256 -pkeyopt paramset:TCB -out other.key
    G pkey -in eph.key -pubout -outform DER -out eph.spki
    G pkey -in other.key -pubout -outform DER -out other.spki
    start_server srv srv.key srv.pem "$KZ:$MG:$CNT:$CNT_LEGACY"
    der_tools pskt 48 eph.spki forged.cke      # well-formed, forged PSEXP (KImp15 MAC mismatch)
    der_tools pskt 40 eph.spki short.cke       # PSEXP of Magma's length under Kuznyechik
    der_tools pskt 48 other.spki curve.cke     # ephemeral key on another curve
    der_tools cut forged.cke 30 cut.cke        # truncated
    printf '\x30\x03\x04\x01\x00' > junk.cke
    : > empty.cke
    # kGOST: gost-engine's transport to the server key, MAC flipped, in libssl's outer SEQUENCE
    head -c 32 /dev/urandom > pms.bin
    E pkeyutl -engine gost -encrypt -pubin -inkey srv.pub -in pms.bin -out kt.der 2>/dev/null || fail "gost-engine encrypt"
    der_tools flip kt.der 41 kt-bad.der
    "$PY" -c 'import sys; d = open("kt-bad.der", "rb").read(); n = len(d); open("gost89.cke", "wb").write(b"\x30" + (bytes([n]) if n < 128 else bytes([0x81, n])) + d)'
    local c rc desc
    for c in "c100 forged" "c100 short" "c100 curve" "c100 cut" "c100 junk" "c100 empty" "c101 forged" "ff85 gost89"; do
        set -- $c
        rc=0
        desc="$("$PY" "$support_tls/forged_cke.py" "$port" "$1" "$2.cke" 2>&1)" || rc=$?
        [ "$rc" = 0 ] || { cat srv.err >&2; fail "suite $1, CKE $2: no fatal alert ($desc)"; }
        kill -0 "$server_pid" 2>/dev/null || fail "server died after CKE $2"
        ok "suite 0x$1, ClientKeyExchange '$2': fatal alert $desc, server alive"
    done
    local why
    for why in "KImp15: the premaster secret's MAC does not match" "PSEXP of the wrong length" \
        "keys use different parameter sets" "malformed PSKeyTransport" "CryptoPro key unwrap"; do
        grep -qF "$why" srv.err || { cat srv.err >&2; fail "the server log lacks '$why'"; }
    done
    payload in.txt 3 100
    gost_client "$KZ" in.txt out.txt || { cat out.txt.err >&2; fail "good client after forged ones"; }
    check_session "$KZ" in.txt out.txt
}

case "$flow" in
    ciphers) run_ciphers ;;
    bad_cke) run_bad_cke ;;
    rfc9189) run_rfc9189 ;;
    suites_256) run_suites gost2012_256 TCA ;;
    suites_512) run_suites gost2012_512 A ;;
    token) run_token ;;
    keyx_bad_input) run_keyx_bad_input ;;
    nginx) run_nginx ;;
    python) run_python ;;
    nginx_token) run_nginx_token ;;
    bad_suite)
        G genpkey -algorithm gost2012_256 -pkeyopt paramset:TCB -out srv.key
        G req -x509 -new -key srv.key -subj "/CN=localhost" -days 2 -out srv.pem
        start_server srv srv.key srv.pem "$KZ:$MG"
        echo hello > in.txt
        # A client offering only suites the server does not take: handshake failure alert.
        for suite in "$CNT_LEGACY" AES128-SHA; do
            rc=0
            gost_client "$suite" in.txt out.txt || rc=$?
            [ "$rc" -ne 0 ] || fail "$suite: handshake succeeded"
            grep -q "handshake failure" out.txt.err || { cat out.txt.err >&2; fail "$suite: no handshake failure alert"; }
            kill -0 "$server_pid" 2>/dev/null || fail "server died after a $suite client"
            ok "$suite only: handshake failure, server alive"
        done
        # ... and the server still serves the suites it has.
        payload in.txt 3 100
        gost_client "$KZ" in.txt out.txt || { cat out.txt.err >&2; fail "good client after bad ones"; }
        check_session "$KZ" in.txt out.txt
        ;;
    *) fail "unknown flow $flow" ;;
esac
