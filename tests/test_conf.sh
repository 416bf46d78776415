#!/bin/sh
#
# Golden tests for argod.conf(5), run through "argod -n -c FILE".
#
#  tests/conf/NAME.conf      must parse; stdout must equal NAME.out, and
#                            parsing that output again must print the same
#                            (the printed form is a fixed point; the elided
#                            key is put back from the original first);
#  tests/conf/warn-NAME.conf is a NAME.conf as above whose first line on
#                            stderr must also equal warn-NAME.err;
#  tests/conf/bad-NAME.conf  must fail with exit status 1, and the first
#                            line on stderr must equal bad-NAME.err.
#
# Runs from $top_srcdir so that the file names in messages and relative
# key-file paths are the ones written in the golden files. Prints TAP.
# TESTS_UPDATE=1 rewrites the golden files from the current output (check
# the diff before committing it).

: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"

argod=$(cd "$top_builddir" && pwd)/argod
cd "$top_srcdir" || exit 1

if [ ! -x "$argod" ]; then
	echo "Bail out! $argod not built"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/argod-conf.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

n=0
failed=0

pass() {
	n=$((n + 1))
	echo "ok $n - $1"
}

fail() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	printf '%s\n' "$@" | sed 's/^/#   /'
}

# Sanitizer reports go to stderr; a test passes only without them.
sanitizer_clean() {
	! grep -q -e 'Sanitizer' -e 'runtime error:' "$1"
}

for conf in tests/conf/*.conf; do
	case $conf in
	tests/conf/bad-*) continue ;;
	esac
	name=${conf%.conf}
	"$argod" -n -c "$conf" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ -n "$TESTS_UPDATE" ] && [ $rc -eq 0 ]; then
		cp "$tmp/out" "$name.out"
	fi
	if [ $rc -ne 0 ] || ! sanitizer_clean "$tmp/err"; then
		fail "$conf parses" "exit status $rc" "$(head -n 5 "$tmp/err")"
		continue
	fi
	if ! diff -u "$name.out" "$tmp/out" >"$tmp/diff" 2>&1; then
		fail "$conf prints $name.out" "$(cat "$tmp/diff")"
		continue
	fi
	pass "$conf prints $name.out"

	# Idempotence: the printed config parses to the same config. Only the
	# key cannot round-trip, by design: put the original key line back.
	keyline=$(grep -m 1 -E '^[[:space:]]*key[[:space:]]' "$conf" |
	    tr -d '\r')
	nextline=$(grep -m 1 -E '^[[:space:]]*key-next[[:space:]]' "$conf" |
	    tr -d '\r')
	KEYLINE=$keyline NEXTLINE=$nextline awk \
	    '$0 == "key <elided>" { print ENVIRON["KEYLINE"]; next }
	    $0 == "key-next <elided>" { print ENVIRON["NEXTLINE"]; next }
	    { print }' \
	    "$tmp/out" >"$tmp/again.conf"
	"$argod" -n -c "$tmp/again.conf" >"$tmp/again" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 0 ] || ! sanitizer_clean "$tmp/err"; then
		fail "$conf: printed config parses again" "exit status $rc" \
		    "$(head -n 5 "$tmp/err")"
	elif ! diff -u "$tmp/out" "$tmp/again" >"$tmp/diff" 2>&1; then
		fail "$conf: printed config is a fixed point" "$(cat "$tmp/diff")"
	else
		pass "$conf: printed config is a fixed point"
	fi
done

# A warning is the whole point of these files: check that it is printed.
for conf in tests/conf/warn-*.conf; do
	name=${conf%.conf}
	"$argod" -n -c "$conf" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	got=$(head -n 1 "$tmp/err")
	want=$(cat "$name.err" 2>/dev/null)
	if [ $rc -ne 0 ]; then
		fail "$conf is accepted with a warning" "exit status $rc" "$got"
	elif [ "$got" != "$want" ]; then
		fail "$conf warns $name.err" "got:  $got" "want: $want"
	else
		pass "$conf warns $name.err"
	fi
done

for conf in tests/conf/bad-*.conf; do
	name=${conf%.conf}
	"$argod" -n -c "$conf" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ -n "$TESTS_UPDATE" ] && [ $rc -eq 1 ]; then
		head -n 1 "$tmp/err" >"$name.err"
	fi
	got=$(head -n 1 "$tmp/err")
	want=$(cat "$name.err" 2>/dev/null)
	if [ $rc -ne 1 ]; then
		fail "$conf is rejected" "exit status $rc, want 1" "$got"
	elif ! sanitizer_clean "$tmp/err"; then
		fail "$conf is rejected cleanly" "$(head -n 5 "$tmp/err")"
	elif [ -s "$tmp/out" ]; then
		fail "$conf is rejected without output" "$(head -n 3 "$tmp/out")"
	elif [ "$got" != "$want" ]; then
		fail "$conf reports $name.err" "got:  $got" "want: $want"
	else
		pass "$conf reports $name.err"
	fi
done

# A config that does not exist is reported without a line number.
"$argod" -n -c tests/conf/no-such-file.conf >"$tmp/out" 2>"$tmp/err"
rc=$?
got=$(head -n 1 "$tmp/err")
if [ $rc -eq 1 ] && [ "$got" = \
    "tests/conf/no-such-file.conf: No such file or directory" ]; then
	pass "missing config file is reported"
else
	fail "missing config file is reported" "exit status $rc" "got: $got"
fi

echo "1..$n"
[ $failed -eq 0 ] || echo "# $failed of $n failed"
[ $failed -eq 0 ]
