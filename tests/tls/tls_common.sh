# SPDX-License-Identifier: Apache-2.0
# Shared harness of tests/tls/*_test.sh (sourced, after the caller set nothing): the flow from $1,
# the scratch directory, the documented openssl.cnf, G (gostcsp) / E (gost-engine, no config)
# runners, s_server and s_client helpers, the soft token, DER edits and key references.

flow="${1:?flow name}"
prov_dir="${GOSTCSP_PROVIDER_DIR:?}"
eng_dir="${GOSTCSP_ENGINE_DIR:?}"
scratch="${GOSTCSP_SCRATCH:-$PWD/scratch}/$flow"
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch"
support_tls="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$support_tls/../support/cli_common.sh"

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
# Background servers are started with `env … openssl` directly (env execs it, so $! is the server
# and the EXIT trap's kill reaches it), never through G / E.
E_CMD=(env -u OPENSSL_MODULES -u OPENSSL_ENGINES OPENSSL_CONF=/dev/null openssl)

PEER="gost-engine's s_client"  # who is on the other end, for the ok lines
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
    # Not through G: a backgrounded shell function is a subshell, and killing it would leave
    # openssl running; env execs openssl, so $! is the server itself.
    env OPENSSL_CONF="$scratch/gostcsp.cnf" OPENSSL_MODULES="$prov_dir" OPENSSL_ENGINES="$eng_dir" \
        openssl s_server -accept "127.0.0.1:$port" "${key_args[@]}" \
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
    ok "$suite: handshake with $PEER, $(wc -l < "$in") lines ($(wc -c < "$in") bytes) each way"
}

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
elif cmd == "order2":                  # order2 SPKI_IN OUT: the SPKI's point := (x0, 0) on tc26-256-A
    # x0: the one root of x^3 + ax + b (tc26-256-A's Weierstrass form; its 2-torsion is cyclic),
    # so (x0, 0) is on the curve and of order 2, outside the order-q subgroup.
    p = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97
    a = 0xC2173F1513981673AF4892C23035A27CE25E2013BF95AA33B22C656F277E7335
    b = 0x295F9BAE7428ED9CCC20E7C359A9D41A22FCCD9108E17BF7BA9337A6F8AE9513
    x0 = 0x100fe73f595ff158e974b44d478d9588744fe5c192ac47ea63075dce7a14aaa
    assert (x0 ** 3 + a * x0 + b) % p == 0
    d = open(sys.argv[2], "rb").read()
    open(sys.argv[3], "wb").write(d[:-64] + x0.to_bytes(32, "little") + bytes(32))
elif cmd == "pskt":                    # pskt PSEXP_LEN SPKI.der OUT: PSKeyTransport, random PSEXP
    import os
    psexp = os.urandom(int(sys.argv[2])); spki = open(sys.argv[3], "rb").read()
    open(sys.argv[4], "wb").write(tlv(0x30, tlv(0x04, psexp) + spki))
PYEOF
}

# A gostcsp key reference (docs/openssl.md, "Timestamps"): PKCS#8 with the reference OID whose
# privateKey names a key file or a pkcs11: URI; the engine's ASN.1 method turns it into a shell.
KEYREF_OID=2.25.204242435340915082712179152027141201539
make_keyref() {  # make_keyref URI-OR-PATH OUT.pem
    printf 'asn1 = SEQUENCE:p8\n[p8]\nversion = INTEGER:0\nalg = SEQUENCE:alg\nkey = FORMAT:ASCII,OCTETSTRING:%s\n[alg]\noid = OID:%s\n' \
        "$1" "$KEYREF_OID" > keyref.cnf
    openssl asn1parse -genconf keyref.cnf -noout -out keyref.der >/dev/null
    { echo "-----BEGIN PRIVATE KEY-----"; base64 -w 64 keyref.der; echo "-----END PRIVATE KEY-----"; } > "$2"
}
