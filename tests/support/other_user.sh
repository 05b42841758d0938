# SPDX-License-Identifier: Apache-2.0
# Sourced by the test scripts that must run a program as another user. p11-kit reads a user's
# module registry (~/.config/pkcs11/modules) only for non-root users, so as root those flows run
# as "nobody". nobody cannot read a checkout under a 0700 home (or any private path), so the
# flow works in a fresh world-readable directory outside the checkout, with copies of the built
# programs it needs; nothing is ever made readable in the checkout itself.
OTHER_USER=(setpriv --reuid=nobody --regid=nogroup --clear-groups)

# other_user_dir: prints a new directory that nobody can enter (TMPDIR, else /tmp, else /var/tmp).
other_user_dir() {
    local base d
    for base in "${TMPDIR:-/tmp}" /tmp /var/tmp; do
        d="$(mktemp -d "$base/gostcsp-as-nobody.XXXXXX" 2>/dev/null)" || continue
        chmod 755 "$d"
        if "${OTHER_USER[@]}" test -x "$d" 2>/dev/null; then
            echo "$d"
            return 0
        fi
        rm -rf "$d"
    done
    echo "other_user_dir: no temporary directory that nobody can enter" >&2
    return 1
}

# other_user_copy DIR FILE: copies FILE into DIR (created), world-readable; prints the copy's path.
other_user_copy() {
    mkdir -p "$1"
    chmod 755 "$1"
    install -m 755 "$2" "$1/"
    echo "$1/$(basename "$2")"
}
