#!/bin/sh
#
# Start-up (issue 13, item 7; man/argod.8): argod takes its pidfile, UDP
# ports and control sockets before it detaches, so that a start that
# cannot work exits non-zero with the reason; a second argod on a port or
# control socket in use fails instead of sharing it; a stale control
# socket left by a dead daemon is replaced. Exit 0 pass, 77 skip, anything
# else fail.

set -u

: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
PY=$PYTHON3
ARGOD=$top_builddir/argod
ARGOCTL=$top_builddir/argoctl
PORT=47931
[ -x "$ARGOD" ] || skip "$ARGOD not built"
[ -x "$ARGOCTL" ] || skip "$ARGOCTL not built"
"$PY" -c 'import socket' 2>/dev/null || skip "no usable $PY"
"$PY" - "$PORT" $((PORT + 2)) $((PORT + 3)) <<'EOF' || skip "UDP ports in use"
import socket, sys
for p in sys.argv[1:]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", int(p)))
    s.close()
EOF

T=$(mktemp -d "${TMPDIR:-/tmp}/argostart.XXXXXX") || exit 1
failed=0

cleanup() {
	# the daemons we started, by the pids their pidfiles name (also
	# those that should have failed to start), if they run our configs
	for f in "$T"/*.pid; do
		[ -s "$f" ] || continue
		p=$(cat "$f")
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q "$T/" ||
		    continue
		kill "$p" 2>/dev/null
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$p" 2>/dev/null
	done
	if [ "$failed" -ne 0 ]; then
		for f in "$T"/*.err "$T"/*.log; do
			[ -s "$f" ] || continue
			echo "--- $f"
			tail -n 20 "$f"
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

KEY=$("$PY" -c 'import os; print(os.urandom(32).hex())')
conf() {
	# conf NAME PORT SOCKET PIDFILE
	cat >"$T/$1.conf" <<EOF
node a
listen 127.0.0.1 port $2
key "$KEY"
control "$3"
pidfile "$4"
dry-run yes
peer b address 127.0.0.1 port $((PORT + 1))
EOF
}

# start NAME [ARGS]: argod -c NAME.conf ARGS, bounded to 20 s; rc in $rc
start() {
	n=$1
	shift
	timeout 20 "$ARGOD" -c "$T/$n.conf" "$@" >"$T/$n.out" 2>"$T/$n.err"
	rc=$?
}

# 1. A start that works: the parent returns 0, and by then the daemon is
# already reachable (its socket was bound before it detached).
conf one "$PORT" "$T/one.sock" "$T/one.pid"
start one
[ $rc -eq 0 ] && pass "argod detaches and exits 0" ||
    fail "argod detaches and exits 0 (exit $rc)"
P1=$(cat "$T/one.pid" 2>/dev/null)
[ -n "$P1" ] && kill -0 "$P1" 2>/dev/null &&
    pass "the pidfile names the running daemon ($P1)" ||
    fail "the pidfile names the running daemon (${P1:-empty})"
"$ARGOCTL" -s "$T/one.sock" -j status >"$T/st.out" 2>&1 &&
    grep -q '"ok": *true' "$T/st.out" &&
    pass "the control socket answers as soon as argod has returned" ||
    fail "the control socket answers as soon as argod has returned"

# 2. The same port: refused, in the foreground and when detaching, with
# the reason; the first daemon keeps its port.
conf two "$PORT" "$T/two.sock" "$T/two.pid"
for mode in detach foreground; do
	if [ $mode = detach ]; then start two; else start two -d; fi
	[ $rc -eq 1 ] && grep -q "bind 127.0.0.1 port $PORT: address in use" \
	    "$T/two.err" &&
	    pass "second argod on port $PORT ($mode): exit 1, says why" ||
	    fail "second argod on port $PORT ($mode): exit $rc"
	[ ! -e "$T/two.sock" ] && [ ! -e "$T/two.pid" ] &&
	    pass "it leaves no socket or pidfile ($mode)" ||
	    fail "it leaves no socket or pidfile ($mode)"
done
"$PY" - "$PORT" <<'EOF' && pass "nobody can share the port, even with SO_REUSEADDR" ||
import errno, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError as e:
    sys.exit(0 if e.errno == errno.EADDRINUSE else 1)
sys.exit(1)
EOF
    fail "nobody can share the port, even with SO_REUSEADDR"

# 3. The same control socket, another port: refused; the first daemon
# keeps its socket.
conf three $((PORT + 2)) "$T/one.sock" "$T/three.pid"
start three
[ $rc -eq 1 ] && grep -q "one.sock is in use by a running daemon" \
    "$T/three.err" &&
    pass "second argod on a live control socket: exit 1, says why" ||
    fail "second argod on a live control socket: exit $rc"
"$ARGOCTL" -s "$T/one.sock" status >/dev/null 2>&1 &&
    pass "the first daemon's socket still answers" ||
    fail "the first daemon's socket still answers"
"$PY" - "$PORT" $((PORT + 2)) <<'EOF' && pass "the failed start released its port" ||
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[2])))
EOF
    fail "the failed start released its port"

# 4. The same pidfile: refused before anything is bound.
conf four $((PORT + 2)) "$T/four.sock" "$T/one.pid"
start four
[ $rc -eq 1 ] && grep -q "is locked: is argod already running" "$T/four.err" &&
    [ "$(cat "$T/one.pid")" = "$P1" ] &&
    pass "second argod on a locked pidfile: exit 1, pidfile intact" ||
    fail "second argod on a locked pidfile: exit $rc"

# 5. A socket file nobody listens on (a daemon killed with -9) is replaced;
# a file that is not a socket is not.
"$PY" - "$T/stale.sock" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.close()
EOF
conf five $((PORT + 3)) "$T/stale.sock" "$T/five.pid"
start five
[ $rc -eq 0 ] && "$ARGOCTL" -s "$T/stale.sock" status >/dev/null 2>&1 &&
    pass "a stale control socket is replaced" ||
    fail "a stale control socket is replaced (exit $rc)"
: >"$T/plain.sock"
conf six $((PORT + 2)) "$T/plain.sock" "$T/six.pid"
start six
[ $rc -eq 1 ] && grep -q "plain.sock exists and is not a socket" "$T/six.err" &&
    [ -f "$T/plain.sock" ] &&
    pass "a file that is not a socket is left alone: exit 1" ||
    fail "a file that is not a socket is left alone: exit $rc"

if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error' "$T"/*.err; then
	fail "sanitizer reports"
else
	pass "no sanitizer reports"
fi
exit $failed
