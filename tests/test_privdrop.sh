#!/bin/sh
#
# Dropping root (issue 13, item 7; man/argod.8 "Privileges"): with
# "user nobody" argod binds and opens everything as root, then runs as
# nobody with CAP_NET_ADMIN alone (effective, permitted and bounding sets)
# and no_new_privs; status and reload still work; in a network namespace
# in forwarding mode it still changes the kernel's policy rules after the
# drop. An unknown user fails before anything is bound; so does one that
# a seccomp filter would stop (the packaged systemd unit's), and started
# as the user already, argod says there is nothing to drop. Exit 0 pass,
# 77 skip, anything else fail.

set -u

: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
PY=$PYTHON3
ARGOD=$top_builddir/argod
ARGOCTL=$top_builddir/argoctl
PORT=47951
[ -x "$ARGOD" ] || skip "$ARGOD not built"
[ -x "$ARGOCTL" ] || skip "$ARGOCTL not built"
need_root "changing user needs root"
getent passwd nobody >/dev/null || skip "no user nobody"
"$PY" - "$PORT" <<'EOF' || skip "UDP port $PORT in use"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
EOF

T=$(mktemp -d "${TMPDIR:-/tmp}/argopriv.XXXXXX") || exit 1
chmod 0755 "$T"		# the config must stay readable to nobody (reload)
NS=argopriv-$$
NSMADE=
PID=
failed=0

stop() {
	[ -n "$PID" ] || return 0
	kill "$PID" 2>/dev/null
	i=0
	while kill -0 "$PID" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
	PID=
}

cleanup() {
	stop
	[ -n "$NSMADE" ] && ip netns del "$NS" 2>/dev/null
	if [ "$failed" -ne 0 ]; then
		for f in "$T"/*.log "$T"/*.err; do
			[ -s "$f" ] || continue
			echo "--- $f"
			tail -n 30 "$f"
		done
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

fail() {
	echo "not ok - $*"
	failed=1
}

pass() {
	echo "ok - $*"
}

# wait_for SECONDS CMD...: poll CMD until it succeeds
wait_for() {
	n=$(($1 * 10))
	shift
	i=0
	while [ $i -lt $n ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

KEY=$("$PY" -c 'import os; print(os.urandom(32).hex())')
conf() {
	# conf NAME USER DRYRUN
	cat >"$T/$1.conf" <<EOF
node a
listen 127.0.0.1 port $PORT
key "$KEY"
control "$T/$1.sock" mode 0666
pidfile "$T/$1.pid"
user $2
dry-run $3
peer b address 127.0.0.1 port $((PORT + 1))
origin web {
	prefix 192.0.2.0/24
	egress b
}
EOF
	chmod 0644 "$T/$1.conf"
}

# 1. An unknown user: exit 1 before binding anything.
conf bad no-such-user-argod yes
"$ARGOD" -d -c "$T/bad.conf" >"$T/bad.err" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q 'user no-such-user-argod: no such user' \
    "$T/bad.err" && [ ! -e "$T/bad.sock" ] &&
    pass "an unknown user is refused before binding: exit 1" ||
    fail "an unknown user is refused before binding: exit $rc"
printf 'node a\nkey "%s"\nuser "-x"\npeer b address 127.0.0.1\n' "$KEY" \
    >"$T/badname.conf"
"$ARGOD" -n -c "$T/badname.conf" >"$T/badname.err" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q 'badname.conf:3: user: bad name "-x"' \
    "$T/badname.err" && pass "a bad user name is a file:line error" ||
    fail "a bad user name is a file:line error (exit $rc)"

# 2. user nobody, dry run: ids, capabilities, and the daemon still works.
conf a nobody yes
"$ARGOD" -n -c "$T/a.conf" 2>/dev/null | grep -q '^user nobody$' &&
    pass "argod -n prints the user" || fail "argod -n prints the user"
"$ARGOD" -d -c "$T/a.conf" >"$T/a.log" 2>&1 &
PID=$!
if wait_for 10 grep -q 'running as nobody' "$T/a.log"; then
	pass "argod says it dropped to nobody"
else
	fail "argod says it dropped to nobody"
fi
NOBODY=$(id -u nobody)
st=/proc/$PID/status
grep -Eq "^Uid:[[:space:]]+$NOBODY[[:space:]]+$NOBODY[[:space:]]+$NOBODY[[:space:]]+$NOBODY$" "$st" &&
    pass "every uid is nobody's" || fail "every uid is nobody's: $(grep ^Uid "$st")"
grep -Eq "^Groups:[[:space:]]*$(id -g nobody)?[[:space:]]*$" "$st" &&
    pass "no supplementary groups but nobody's" ||
    fail "supplementary groups: $(grep ^Groups "$st")"
# CAP_NET_ADMIN is bit 12
for set in CapEff CapPrm CapBnd; do
	grep -q "^$set:[[:space:]]*0000000000001000$" "$st" &&
	    pass "$set is CAP_NET_ADMIN alone" ||
	    fail "$set is CAP_NET_ADMIN alone: $(grep "^$set" "$st")"
done
grep -q '^NoNewPrivs:[[:space:]]*1$' "$st" && pass "no_new_privs is set" ||
    fail "no_new_privs is set"
"$ARGOCTL" -s "$T/a.sock" status >/dev/null 2>&1 &&
    pass "status answers after the drop" || fail "status answers after the drop"
"$ARGOCTL" -s "$T/a.sock" reload >"$T/reload.err" 2>&1 &&
    pass "reload works as nobody" || fail "reload works as nobody"
stop

# 3. Forwarding in a namespace: after the drop, switching dry run off and
# on changes the policy rules, which takes CAP_NET_ADMIN.
if ip netns add "$NS" 2>/dev/null; then
	NSMADE=1
	ip -n "$NS" link set lo up
	conf f nobody no
	ip netns exec "$NS" "$ARGOD" -d -c "$T/f.conf" >"$T/f.log" 2>&1 &
	PID=$!
	wait_for 10 grep -q 'running as nobody' "$T/f.log" &&
	    pass "forwarding argod dropped to nobody" ||
	    fail "forwarding argod dropped to nobody"
	rules() { ip -n "$NS" rule show | grep -c '192.0.2.0/24'; }
	wait_for 10 sh -c "[ \$(ip -n $NS rule show | grep -c 192.0.2.0/24) -ge 1 ]" &&
	    pass "policy rule installed" || fail "policy rule installed"
	"$ARGOCTL" -s "$T/f.sock" dry-run on >/dev/null 2>&1
	wait_for 10 sh -c "[ \$(ip -n $NS rule show | grep -c 192.0.2.0/24) -eq 0 ]" &&
	    pass "as nobody, dry-run on removes the rule" ||
	    fail "as nobody, dry-run on removes the rule ($(rules) left)"
	"$ARGOCTL" -s "$T/f.sock" dry-run off >/dev/null 2>&1
	wait_for 10 sh -c "[ \$(ip -n $NS rule show | grep -c 192.0.2.0/24) -ge 1 ]" &&
	    pass "as nobody, dry-run off puts it back" ||
	    fail "as nobody, dry-run off puts it back"
	if grep -q 'Operation not permitted' "$T/f.log"; then
		fail "no permission errors after the drop"
	else
		pass "no permission errors after the drop"
	fi
	stop
else
	echo "# no network namespaces here: forwarding part not run"
fi

# 4. Root under a filter that refuses changing user (systemd's
# SystemCallFilter=~@privileged, as in the packaged unit, with a drop-in
# User=root): refused at start, before binding, with the way out.
conf sc nobody yes
"$PY" "$top_srcdir/tests/lib/seccomp_deny.py" "$ARGOD" -d -c "$T/sc.conf" \
    >"$T/sc.err" 2>&1
rc=$?
if [ $rc -eq 77 ]; then
	echo "# no seccomp filter here: the filtered start not run"
elif [ $rc -eq 1 ] && grep -q 'user nobody: setresuid is refused (EPERM) by a system call filter.*remove the user statement' \
    "$T/sc.err" && [ ! -e "$T/sc.sock" ]; then
	pass "under a seccomp filter, user is refused at start with the reason"
else
	fail "under a seccomp filter, user is refused at start (exit $rc)"
fi

# 5. Started unprivileged as the user itself (as systemd's User= does):
# argod says there is nothing to drop, and runs.
mkdir "$T/u" && chown nobody "$T/u"
conf u5 nobody yes
sed -i -e "s|\"$T/u5\.|\"$T/u/u5.|" "$T/u5.conf"
setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
    "$ARGOD" -d -c "$T/u5.conf" >"$T/u5.log" 2>&1 &
PID=$!
if wait_for 10 grep -q 'user nobody: already running as nobody' "$T/u5.log" &&
    wait_for 10 "$ARGOCTL" -s "$T/u/u5.sock" status; then
	pass "started as the user: nothing to drop, and it runs"
else
	fail "started as the user: nothing to drop, and it runs"
fi
stop

if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error' "$T"/*.log; then
	fail "sanitizer reports"
else
	pass "no sanitizer reports"
fi
exit $failed
