#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# docs/first-hour.md, executed: every ```sh block of the page, verbatim and in order, in one shell
# with a fresh $HOME and the build tree on PATH (the page's one ```bash block, the build itself, is
# the only one not run). Then gost-engine (its own process, no gostcsp) verifies the signatures the
# walk-through made with the token key, against the certificate it stored.
# Usage: first_hour_test.sh docs/first-hour.md gostcsp-tool libgostcsp-pkcs11.so PROVIDER_DIR
set -euo pipefail
doc="$(realpath "$1")"
tool_dir="$(dirname "$(realpath "$2")")"
module="$(realpath "$3")"
prov_dir="$(realpath "$4")"
work="$(mktemp -d "${TMPDIR:-/tmp}/gostcsp-first-hour.XXXXXX")"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The blocks: ```sh ... ``` are run; any other fenced block must be the one ```bash build block.
/usr/bin/python3 - "$doc" "$work/steps.sh" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
blocks = re.findall(r"^```(\w*)\n(.*?)^```$", text, re.M | re.S)
run = [body for lang, body in blocks if lang == "sh"]
other = [lang for lang, body in blocks if lang != "sh"]
if other != ["bash"] or len(run) < 8:
    sys.exit(f"unexpected blocks: {len(run)} sh, others {other}")
with open(sys.argv[2], "w") as f:
    for i, body in enumerate(run, 1):
        f.write(f"echo '### step {i}'\n{body}\n")
EOF
mkdir -p "$work/home"
rc=0
env -i PATH="$tool_dir:/usr/local/bin:/usr/bin:/bin" HOME="$work/home" \
    OPENSSL_MODULES="$prov_dir" GOSTCSP_MODULE="$module" \
    bash "$work/steps.sh" > "$work/out.txt" 2>&1 || rc=$?
sed 's/^/    /' "$work/out.txt"
[ "$rc" -eq 0 ] || fail "a step of docs/first-hour.md failed (status $rc)"
W="$work/home/gostcsp"
[ "$(grep -c '^Verified OK' "$work/out.txt")" -eq 2 ] || fail "the two signatures did not verify"
grep -qF "subject: CN=First Hour Signer" "$work/out.txt" || fail "list-keys does not show the certificate"
grep -qF "uri:       pkcs11:token=signing;id=%01;object=signer;type=private" "$work/out.txt" ||
    fail "list-keys does not show the URI the page quotes"
grep -qF "for key 'signer' (id 01)" "$work/out.txt" || fail "import-cert did not bind to the key pair"
grep -qF "USER_PIN_TO_BE_CHANGED" "$work/out.txt" || fail "the SO-set PIN was not flagged to be changed"
# No PIN from the page's PIN files appears in any output.
for f in so initial user; do
    ! grep -qF -- "$(cat "$W/$f.pin")" "$work/out.txt" || fail "the $f PIN was printed"
done
# gost-engine, without gostcsp, verifies both signatures with the stored certificate's key.
if openssl engine gost >/dev/null 2>&1; then
    for s in doc.sig doc2.sig; do
        env -u OPENSSL_MODULES OPENSSL_CONF=/dev/null openssl dgst -engine gost -md_gost12_256 \
            -verify "$W/signer-pub.pem" -signature "$W/$s" "$W/doc.txt" 2>/dev/null |
            grep -q '^Verified OK' || fail "gost-engine does not verify $s"
    done
    env -u OPENSSL_MODULES OPENSSL_CONF=/dev/null openssl verify -engine gost -CAfile "$W/signer.pem" \
        "$W/signer.pem" 2>/dev/null | grep -q ': OK' || fail "gost-engine does not verify the certificate"
else
    echo "note: gost-engine not installed; independent verification skipped" >&2
fi
echo "first_hour_test: every step of docs/first-hour.md ran; gost-engine verified the results"
