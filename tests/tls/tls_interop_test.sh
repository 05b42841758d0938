#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# GOST TLS 1.2 (RFC 9189) between `openssl s_server` with the gostcsp provider + engine (no
# gost-engine in that process) and `openssl s_client -engine gost` (gost-engine 3.0.1, a separate
# process). The server runs `-rev`: every line the client sends comes back reversed, so the
# payload is checked in both directions, by the peer's independent implementation.
#   tls_interop_test.sh <flow>     flows: ciphers, rfc9189, suites_256, suites_512, token,
#                                  bad_suite, keyx_bad_input, bad_cke, client (our s_client in
#                                  the engine's client mode against gost-engine's s_server)
# Exit 0 = pass, 77 = skipped (explained on stderr).
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tls_common.sh" "$@"

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
    vec="$(cd "$support_tls/../vectors" && pwd)"
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
    der_tools order2 eph.spki order2.spki
    der_tools pskt 48 order2.spki order2.cke   # ephemeral point of order 2 (tc26-256-A, cofactor 4)
    der_tools cut forged.cke 30 cut.cke        # truncated
    printf '\x30\x03\x04\x01\x00' > junk.cke
    : > empty.cke
    # kGOST: gost-engine's transport to the server key, MAC flipped, in libssl's outer SEQUENCE
    head -c 32 /dev/urandom > pms.bin
    E pkeyutl -engine gost -encrypt -pubin -inkey srv.pub -in pms.bin -out kt.der 2>/dev/null || fail "gost-engine encrypt"
    der_tools flip kt.der 41 kt-bad.der
    "$PY" -c 'import sys; d = open("kt-bad.der", "rb").read(); n = len(d); open("gost89.cke", "wb").write(b"\x30" + (bytes([n]) if n < 128 else bytes([0x81, n])) + d)'
    local c rc desc
    for c in "c100 forged" "c100 short" "c100 curve" "c100 order2" "c100 cut" "c100 junk" "c100 empty" \
        "c101 forged" "ff85 gost89"; do
        set -- $c
        rc=0
        desc="$("$PY" "$support_tls/forged_cke.py" "$port" "$1" "$2.cke" 2>&1)" || rc=$?
        [ "$rc" = 0 ] || { cat srv.err >&2; fail "suite $1, CKE $2: no fatal alert ($desc)"; }
        kill -0 "$server_pid" 2>/dev/null || fail "server died after CKE $2"
        ok "suite 0x$1, ClientKeyExchange '$2': fatal alert $desc, server alive"
    done
    local why
    for why in "KImp15: the premaster secret's MAC does not match" "PSEXP of the wrong length" \
        "keys use different parameter sets" "malformed PSKeyTransport" "CryptoPro key unwrap" \
        "invalid GOST public key"; do
        grep -qF "$why" srv.err || { cat srv.err >&2; fail "the server log lacks '$why'"; }
    done
    payload in.txt 3 100
    gost_client "$KZ" in.txt out.txt || { cat out.txt.err >&2; fail "good client after forged ones"; }
    check_session "$KZ" in.txt out.txt
}

# gostcsp as the TLS client: `openssl s_client` with the engine's client mode (CLIENT_KEYS = 1)
# against `openssl s_server -engine gost` with gost-engine file keys (256-bit CryptoPro-A, 512-bit
# tc26-512-C) certified by a gostcsp-free CA, every suite, -rev payload both ways; the chain is
# verified (-verify_return_error: the certificate's signature is checked on core), and a
# certificate with a flipped signature byte is refused.
run_client() {
    sed 's/^default_algorithms = ALL$/CLIENT_KEYS = 1\ndefault_algorithms = ALL/' gostcsp.cnf > client.cnf
    grep -q '^CLIENT_KEYS = 1' client.cnf || fail "client.cnf"
    PEER="gost-engine's s_server (our s_client)"
    C() { env OPENSSL_CONF="$scratch/client.cnf" OPENSSL_MODULES="$prov_dir" OPENSSL_ENGINES="$eng_dir" openssl "$@"; }
    local bits alg ps suite rc
    # A gost-engine CA (tc26-256-B by its CryptoPro-A name) certifies the servers' keys.
    E genpkey -engine gost -algorithm gost2012_256 -pkeyopt paramset:A -out ca.key 2>/dev/null || fail "gost-engine genpkey"
    E req -engine gost -x509 -new -key ca.key -subj "/CN=gost-engine CA" -days 2 \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign -out ca.pem 2>/dev/null ||
        fail "gost-engine CA"
    for bits in 256 512; do
        if [ $bits = 256 ]; then alg=gost2012_256 ps=A; else alg=gost2012_512 ps=C; fi
        E genpkey -engine gost -algorithm $alg -pkeyopt paramset:$ps -out ge$bits.key 2>/dev/null || fail "gost-engine genpkey"
        E req -engine gost -new -key ge$bits.key -subj "/CN=localhost" -out ge$bits.csr 2>/dev/null || fail "gost-engine req"
        E x509 -engine gost -req -in ge$bits.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
            -out ge$bits.pem 2>/dev/null || fail "gost-engine x509 -req"
        port="$(free_port)"
        "${E_CMD[@]}" s_server -engine gost -accept "127.0.0.1:$port" -key ge$bits.key -cert ge$bits.pem -tls1_2 \
            -cipher "$KZ:$MG:$CNT:$CNT_LEGACY" -rev > ge$bits.out 2> ge$bits.err &
        server_pid=$!
        servers+=("$server_pid")
        local i
        for i in $(seq 1 100); do
            (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
            kill -0 "$server_pid" 2>/dev/null || { cat ge$bits.err >&2; fail "gost-engine s_server died"; }
            sleep 0.1
        done
        for suite in "$KZ" "$MG" "$CNT" "$CNT_LEGACY"; do
            payload in.txt 40 2000
            { cat in.txt; sleep 1; echo CLOSE; } |
                C s_client -connect "127.0.0.1:$port" -tls1_2 -cipher "$suite" -ign_eof \
                    -CAfile ca.pem -verify_return_error > out.txt 2> out.txt.err ||
                { cat out.txt.err >&2; fail "$suite: our s_client against gost-engine ($bits)"; }
            grep -q 'Verify return code: 0 (ok)' out.txt || fail "$suite: certificate not verified ($bits)"
            check_session "$suite" in.txt out.txt
        done
        # The server presents its certificate with one signature byte flipped; the client trusts
        # the genuine one: the core signature check must fail.
        openssl x509 -in ge$bits.pem -outform DER -out ge$bits.der
        der_tools flip ge$bits.der "$(( $(stat -c %s ge$bits.der) - 5 ))" bad$bits.der
        openssl x509 -inform DER -in bad$bits.der -out bad$bits.pem
        kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
        port="$(free_port)"
        "${E_CMD[@]}" s_server -engine gost -accept "127.0.0.1:$port" -key ge$bits.key -cert bad$bits.pem -tls1_2 \
            -cipher "$KZ" -rev > bad$bits.out 2> bad$bits.err &
        server_pid=$!
        servers+=("$server_pid")
        for i in $(seq 1 100); do
            (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
            sleep 0.1
        done
        rc=0
        echo | C s_client -connect "127.0.0.1:$port" -tls1_2 -cipher "$KZ" -CAfile ca.pem \
            -verify_return_error > out.txt 2> out.txt.err || rc=$?
        [ "$rc" -ne 0 ] || fail "a certificate with a forged signature verified ($bits)"
        grep -q "certificate signature failure" out.txt.err || { cat out.txt.err >&2; fail "no signature failure ($bits)"; }
        kill -0 "$server_pid" 2>/dev/null || fail "gost-engine s_server died"
        ok "our client, $bits-bit gost-engine server key: four suites, chain verified; forged certificate signature refused"
    done
}

case "$flow" in
    ciphers) run_ciphers ;;
    client) run_client ;;
    bad_cke) run_bad_cke ;;
    rfc9189) run_rfc9189 ;;
    suites_256) run_suites gost2012_256 TCA ;;
    suites_512) run_suites gost2012_512 A ;;
    token) run_token ;;
    keyx_bad_input) run_keyx_bad_input ;;
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
