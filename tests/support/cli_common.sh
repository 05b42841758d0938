# SPDX-License-Identifier: Apache-2.0
# Shared helpers of the openssl CLI test scripts (sourced; each script sets $flow per test).
PY=/usr/bin/python3
support_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fail() { echo "FAIL [$flow]: $*" >&2; exit 1; }
ok() { echo "ok   [$flow]: $*"; }
skip() { echo "SKIP [$flow]: $*" >&2; exit 77; }
expect_error() {  # expect_error TEXT command... : fails cleanly (1..127) with TEXT in the output
    local want="$1"; shift
    local rc=0
    "$@" >out.txt 2>err.txt || rc=$?
    [ "$rc" -ne 0 ] || fail "succeeded but should fail: $*"
    [ "$rc" -lt 128 ] || fail "crashed (status $rc): $*"
    cat out.txt err.txt | grep -qF -- "$want" || { cat err.txt >&2; fail "expected '$want' from: $*"; }
}
same() { cmp -s "$1" "$2" || fail "$3: $1 and $2 differ"; }
make_doc() { head -c "$1" /dev/urandom > "$2"; }
# uri_path PATH: PATH percent-encoded for a pkcs11: URI attribute such as pin-source (RFC 7512;
# p11-kit drops raw spaces, so a checkout under a path with spaces needs this).
uri_path() { "$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe="/:"))' "$1"; }
