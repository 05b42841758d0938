#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Debian package as an integrator gets it: cpack builds gostcsp_<version>_<arch>.deb from
# this build tree (as scripts/package.sh does), dpkg-deb -x extracts it into a scratch root
# (nothing is installed on the machine), and
#  1. its metadata and file list are checked against the layout that the consumers' pkg-config
#     variables name (read here, independently of the CMake rules), stripped ELF files, Depends
#     from dpkg-shlibdeps, the conffile, the sample configuration against docs/keystore.md;
#  2. the main flows run from the extracted paths only: the provider through OPENSSL_MODULES
#     (digests, genpkey, signing), the module by its path with OpenSC pkcs11-tool (init token,
#     PINs, keygen, sign), a token key signing through openssl + the module and through the
#     bridge engine (openssl cms), gostcsp-tool; gost-engine (ENGINE "gost", its own process,
#     no gostcsp) verifies every signature, RFC 6986 M1 pins the digest.
set -euo pipefail
flow=package
build="${GOSTCSP_BUILD_DIR:?}"
src="${GOSTCSP_SOURCE_DIR:?}"
scratch="${GOSTCSP_SCRATCH:?}"
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch"
source "$src/tests/support/cli_common.sh"
for prog in cpack dpkg-deb dpkg-shlibdeps file pkcs11-tool; do
    command -v "$prog" >/dev/null || fail "$prog not installed (scripts/deps.sh installs it)"
done

# --- build and extract ---------------------------------------------------------------------
version="$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")"
deb="$scratch/pkg/gostcsp_${version}_$(dpkg --print-architecture).deb"
(cd "$build" && cpack -G DEB -B "$scratch/pkg") >cpack.log 2>&1 || { tail -n 20 cpack.log >&2; fail "cpack"; }
[ -f "$deb" ] || fail "cpack wrote no $(basename "$deb"): $(ls "$scratch/pkg")"
R="$scratch/root"
dpkg-deb -x "$deb" "$R"

# --- 1. metadata and layout ------------------------------------------------------------------
pc() { pkg-config --variable="$2" "$1"; }
modulesdir="$(pc libcrypto modulesdir)" enginesdir="$(pc libcrypto enginesdir)"
p11dir="$(pc p11-kit-1 p11_module_path)" p11configs="$(pc p11-kit-1 p11_module_configs)"
[ -n "$modulesdir" ] && [ -n "$enginesdir" ] && [ -n "$p11dir" ] && [ -n "$p11configs" ] ||
    fail "pkg-config variables of libcrypto / p11-kit-1 missing"
{
    printf '%s\n' "$modulesdir/gostcsp.so" "$enginesdir/gostcsp.so" "$p11dir/libgostcsp-pkcs11.so" \
        "$p11configs/gostcsp.module" /usr/bin/gostcsp-tool /etc/gostcsp/gostcsp.conf \
        /usr/include/gostcsp/p11/gost_pkcs11.h /usr/share/man/man1/gostcsp-tool.1.gz \
        /usr/share/doc/gostcsp/copyright /usr/share/doc/gostcsp/changelog.gz \
        /usr/share/doc/gostcsp/README.md
    for md in "$src"/docs/*.md; do echo "/usr/share/doc/gostcsp/$(basename "$md")"; done
} | sort > expected.txt
(cd "$R" && find . ! -type d | sed 's|^\.||' | sort) > files.txt
diff -u expected.txt files.txt >&2 || fail "the package's file list differs from the expected layout"
dpkg-deb -c "$deb" | awk '$2 != "root/root" { bad = 1 } END { exit bad }' || fail "files not owned by root/root"

depends="$(dpkg-deb --field "$deb" Depends)"
for lib in libc6 libssl3 libp11-kit0 libsqlite3-0 libstdc++6; do
    tr ',' '\n' <<<"$depends" | awk '{ print $1 }' | grep -qxF "$lib" || fail "Depends lacks $lib: $depends"
done
grep -q '(>= ' <<<"$depends" || fail "Depends carries no versions (not from dpkg-shlibdeps?): $depends"
[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles)" = /etc/gostcsp/gostcsp.conf ] ||
    fail "conffiles does not list /etc/gostcsp/gostcsp.conf"
for elf in "$R$modulesdir/gostcsp.so" "$R$enginesdir/gostcsp.so" "$R$p11dir/libgostcsp-pkcs11.so" \
    "$R/usr/bin/gostcsp-tool"; do
    info="$(file -b "$elf")"
    [[ "$info" == *ELF*", stripped"* ]] || fail "not stripped: $elf: $info"
    ! ldd "$elf" | grep -q "not found" || fail "unresolved libraries: $(ldd "$elf" | grep 'not found')"
done
grep -qx "module: $p11dir/libgostcsp-pkcs11.so" "$R$p11configs/gostcsp.module" || fail "gostcsp.module: module path"
grep -qE '^enable-in: ' "$R$p11configs/gostcsp.module" || fail "gostcsp.module: not restricted by enable-in"
# The sample configuration carries exactly the defaults that docs/keystore.md documents.
"$PY" - "$src/docs/keystore.md" "$R/etc/gostcsp/gostcsp.conf" <<'PY' || fail "gostcsp.conf differs from docs/keystore.md"
import re, sys
doc, in_table = {}, False
for line in open(sys.argv[1]):  # the table under "| key | default | meaning |"
    if line.startswith("| key | default |"):
        in_table = True
    elif in_table and not line.startswith("|"):
        break
    m = re.match(r"\| `(\w+)`[^|]*\| (.+?) \|", line)
    if in_table and m:
        doc[m.group(1)] = m.group(2).strip("`")
conf = {}
for line in open(sys.argv[2]):
    line = line.strip()
    if line and not line.startswith("#"):
        k, v = (x.strip() for x in line.split("=", 1))
        conf[k] = v
want = {k: v for k, v in doc.items() if v != "none"}
if conf != want:
    sys.exit(f"documented defaults {want}\nsample config      {conf}")
PY
ok "package: $(basename "$deb"): file list, root ownership, stripped ELF, Depends ($depends), conffile, documented defaults"

# --- 2. flows from the extracted paths -----------------------------------------------------
prov_dir="$R$modulesdir" eng_dir="$R$enginesdir" module="$R$p11dir/libgostcsp-pkcs11.so"
tool="$R/usr/bin/gostcsp-tool"
export GOSTCSP_CONF="$scratch/gostcsp.conf" GOSTCSP_TOKEN_DIR="$scratch/tokens"
printf 'test_token = true\nkdf_iterations = 64\n' > "$GOSTCSP_CONF"  # a cheap KDF keeps the test fast
printf 'openssl_conf = openssl_init\n[openssl_init]\nproviders = provider_sect\n[provider_sect]\ndefault = default_sect\ngostcsp = gostcsp_sect\n[default_sect]\nactivate = 1\n[gostcsp_sect]\nactivate = 1\npkcs11-module = %s\n' \
    "$module" > openssl.cnf
G() { env OPENSSL_CONF="$scratch/openssl.cnf" OPENSSL_MODULES="$prov_dir" openssl "$@"; }
E() { local cmd="$1"; shift; env -u OPENSSL_MODULES OPENSSL_CONF=/dev/null openssl "$cmd" -engine gost "$@" 2>engine.err; }

# Provider through OPENSSL_MODULES: digests (RFC 6986 M1, gost-engine), genpkey and signing.
printf '012345678901234567890123456789012345678901234567890123456789012' > m1.txt
want="$(awk '/^name = M1-256$/{f=1} f&&/^digest = /{print $3; exit}' "$GOSTCSP_VECTORS_DIR/streebog.txt")"
[ -n "$want" ] || fail "no M1-256 record in $GOSTCSP_VECTORS_DIR/streebog.txt"
[ "$(OPENSSL_MODULES="$prov_dir" openssl dgst -provider gostcsp -streebog256 -r m1.txt | cut -d' ' -f1)" = "$want" ] ||
    fail "openssl dgst -provider gostcsp -streebog256: not RFC 6986 M1-256"
make_doc 4096 doc.bin
for bits in 256 512; do
    E dgst "-md_gost12_$bits" -r doc.bin | cut -d' ' -f1 > e.txt
    G dgst "-streebog$bits" -r doc.bin | cut -d' ' -f1 > g.txt
    "$tool" digest --algorithm "streebog$bits" doc.bin | grep -oE '^[0-9a-f]+' > t.txt
    same e.txt g.txt "Streebog-$bits: provider vs gost-engine"
    same e.txt t.txt "Streebog-$bits: gostcsp-tool vs gost-engine"
done
G genpkey -algorithm gost2012_256 -pkeyopt paramset:B -out file.key || fail "genpkey through the provider"
G pkey -in file.key -pubout -out file.pub || fail "pkey -pubout"
G dgst -md_gost12_256 -sign file.key -out file.sig doc.bin || fail "dgst -sign with a file key"
E dgst -md_gost12_256 -verify file.pub -signature file.sig doc.bin | grep -q "Verified OK" ||
    fail "gost-engine rejects the provider's signature"
ok "provider from the package (OPENSSL_MODULES): Streebog = RFC 6986 M1 = gost-engine, genpkey + dgst -sign verified by gost-engine"

# The module by its path with pkcs11-tool; PINs through environment variables (never argv).
export SO_PIN='Slate-Heron-4417' USER_PIN='Copper-Lynx-9052' NEW_PIN='Cedar-Moth-6630'
p11() { pkcs11-tool --module "$module" "$@"; }
p11 --init-token --slot 0 --so-pin env:SO_PIN --label pkg >p11.log 2>&1 || { cat p11.log >&2; fail "pkcs11-tool --init-token"; }
p11 --slot 0 --login --login-type so --so-pin env:SO_PIN --init-pin --pin env:USER_PIN >p11.log 2>&1 ||
    { cat p11.log >&2; fail "pkcs11-tool --init-pin"; }
p11 --slot 0 --login --pin env:USER_PIN --change-pin --new-pin env:NEW_PIN >p11.log 2>&1 ||
    { cat p11.log >&2; fail "pkcs11-tool --change-pin"; }
export USER_PIN="$NEW_PIN"
p11 --slot 0 --login --pin env:USER_PIN --keypairgen --key-type GOSTR3410-2012-256:B --id 01 \
    --label pkg-key --usage-sign >p11.log 2>&1 || { cat p11.log >&2; fail "pkcs11-tool --keypairgen"; }
p11 --slot 0 --login --pin env:USER_PIN --sign -m GOSTR3410-WITH-GOSTR3411-12-256 --id 01 \
    -i doc.bin -o p11.sig >p11.log 2>&1 || { cat p11.log >&2; fail "pkcs11-tool --sign"; }
[ "$(wc -c < p11.sig)" -eq 64 ] || fail "pkcs11-tool signature length"
"$tool" list-tokens | grep -q "pkg" || fail "gostcsp-tool list-tokens does not show the token"

# The token key through openssl + the module (pkcs11: URI), and through the bridge engine.
URI="pkcs11:token=pkg;object=pkg-key;type=private"
G pkey -pubin -in "pkcs11:token=pkg;object=pkg-key;type=public" -pubout -out token.pub ||
    fail "public key through the pkcs11: URI"
E dgst -md_gost12_256 -verify token.pub -signature p11.sig doc.bin | grep -q "Verified OK" ||
    fail "gost-engine rejects the signature made by pkcs11-tool through the module"
G dgst -md_gost12_256 -sign "$URI" -passin env:USER_PIN -out token.sig doc.bin || fail "dgst -sign with the token key"
E dgst -md_gost12_256 -verify token.pub -signature token.sig doc.bin | grep -q "Verified OK" ||
    fail "gost-engine rejects the token key's signature made through openssl"
G req -x509 -new -key "$URI" -passin env:USER_PIN -subj "/CN=gostcsp package test" -days 2 -out token.crt ||
    fail "req -x509 with the token key"
env OPENSSL_CONF="$scratch/openssl.cnf" OPENSSL_MODULES="$prov_dir" OPENSSL_ENGINES="$eng_dir" \
    openssl cms -sign -engine gostcsp -keyform engine -binary -in doc.bin -signer token.crt \
    -inkey "$URI" -passin env:USER_PIN -outform DER -out doc.p7s 2>cms.err ||
    { cat cms.err >&2; fail "openssl cms -sign through the packaged bridge engine"; }
E cms -verify -binary -inform DER -in doc.p7s -content doc.bin -CAfile token.crt -out /dev/null ||
    { cat engine.err >&2; fail "gost-engine rejects the CMS signature"; }
ok "module from the package by path (pkcs11-tool init/PINs/keygen/sign), token key through openssl, req and cms (packaged engine), all verified by gost-engine"

# The registration decision (docs/packaging.md): with the packaged gostcsp.module, p11-kit loads
# the module into the programs its enable-in line names and into no other (here: pkcs11-tool
# under a name that is not listed). p11-kit reads a user's registry only for non-root users;
# as root this part runs as nobody on copies outside the checkout (support/other_user.sh).
source "$src/tests/support/other_user.sh"
reg="$scratch/registry" run_as=(env) reg_module="$module"
if [ "$(id -u)" -eq 0 ]; then
    reg="$(other_user_dir)"
    trap 'rm -rf "$reg"' EXIT
    reg_module="$(other_user_copy "$reg/bin" "$module")"
    run_as=("${OTHER_USER[@]}" env)
fi
mkdir -p "$reg/home/.config/pkcs11/modules" "$reg/tokens" "$reg/bin"
sed "s|^module: .*|module: $reg_module|" "$R$p11configs/gostcsp.module" > "$reg/home/.config/pkcs11/modules/gostcsp.module"
install -m 755 "$(command -v pkcs11-tool)" "$reg/bin/not-listed"
printf 'token_dir = %s/tokens\n' "$reg" > "$reg/gostcsp.conf"
[ "$(id -u)" -ne 0 ] || chown -R nobody "$reg"
proxy="$(pkg-config --variable=proxy_module p11-kit-1)"
# (GOSTCSP_TOKEN_DIR, set above, names the scratch tokens, which nobody may not reach.)
RUN() { "${run_as[@]}" -u GOSTCSP_TOKEN_DIR HOME="$reg/home" GOSTCSP_CONF="$reg/gostcsp.conf" "$@" 2>&1; }
RUN p11-kit list-modules | grep -q "^gostcsp: " || fail "p11-kit list-modules does not load the registered module"
RUN pkcs11-tool --module "$proxy" -L | grep -q "gostcsp soft slot" || fail "pkcs11-tool through the proxy: no gostcsp slot"
! RUN "$reg/bin/not-listed" --module "$proxy" -L | grep -q "gostcsp soft slot" ||
    fail "a program that enable-in does not name still loads the module"
ok "gostcsp.module: loaded by p11-kit and pkcs11-tool (through the proxy), not by an unlisted program"
