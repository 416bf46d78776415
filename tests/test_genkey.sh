#!/bin/sh
# argoctl genkey: a new key in the form key and key-file accept, a file
# created mode 0600 that argod -n takes, never written over an existing
# file, and a clear error for a bad path or extra arguments.
: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
ARGOCTL="$top_builddir/argoctl"
ARGOD="$top_builddir/argod"
T=$(mktemp -d "${TMPDIR:-/tmp}/argod-genkey.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
n=0 failed=0
ok() {	# ok STATUS WHAT
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"
	else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}
conf() {	# conf FILE KEYLINE
	printf 'node a\nlisten 127.0.0.1\n%s\npeer b address 127.0.0.2\n' \
	    "$2" > "$1"
}

k1=$("$ARGOCTL" genkey)
ok $? "genkey to stdout exits 0"
k2=$("$ARGOCTL" genkey)
echo "$k1" | grep -Eqx '[0-9a-f]{64}'
ok $? "64 hex digits: $k1"
[ "$k1" != "$k2" ]
ok $? "two keys differ"
conf "$T/inline.conf" "key \"$k1\""
"$ARGOD" -n -c "$T/inline.conf" >/dev/null
ok $? "argod -n takes the key in a key statement"

(umask 0; "$ARGOCTL" genkey "$T/key")
ok $? "genkey FILE exits 0, even under umask 0"
[ "$(stat -c %a "$T/key")" = 600 ]
ok $? "the file is mode $(stat -c %a "$T/key")"
grep -Eqx '[0-9a-f]{64}' "$T/key" && [ "$(wc -l < "$T/key")" -eq 1 ]
ok $? "the file holds one line of 64 hex digits"
conf "$T/file.conf" "key-file \"$T/key\""
"$ARGOD" -n -c "$T/file.conf" > "$T/out" 2> "$T/err"
ok $? "argod -n takes it as a key-file"
[ ! -s "$T/err" ]
ok $? "without a warning about its mode"

cp "$T/key" "$T/key.before"
"$ARGOCTL" genkey "$T/key" 2> "$T/err"
rc=$?
[ $rc -eq 4 ] && grep -q "exists; not overwriting a key" "$T/err" &&
    cmp -s "$T/key" "$T/key.before"
ok $? "an existing file is kept, exit $rc: $(cat "$T/err")"

ln -s "$T/target" "$T/link"
"$ARGOCTL" genkey "$T/link" 2>/dev/null
[ $? -eq 4 ] && [ ! -e "$T/target" ]
ok $? "a symbolic link is not followed"

"$ARGOCTL" genkey "$T/no/such/dir/key" 2> "$T/err"
[ $? -eq 4 ] && grep -q "no/such/dir/key: No such file" "$T/err"
ok $? "a bad path, exit 4: $(cat "$T/err")"

"$ARGOCTL" genkey a b 2> "$T/err"
[ $? -eq 2 ] && grep -q "usage: argoctl genkey" "$T/err"
ok $? "extra arguments: usage, exit 2"

echo "1..$n"
[ $failed -eq 0 ]
