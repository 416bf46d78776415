#!/bin/sh
#
# A PoP's own drops are counted (issue 13, item 1; man/argod.8): argod is
# stopped with SIGSTOP while junk from a source that is no peer fills its
# small receive queue (receive-buffer 64K), then continued. Every datagram
# sent is accounted for: read and rejected as from an unknown peer before
# any MAC work, or counted in rx_host_drops (SO_RXQ_OVFL), which status
# reports and the log names. No timing: the queue overflows because
# nobody reads it. Exit 0 pass, 77 skip, anything else fail.

set -u

: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
PY=$PYTHON3
ARGOD=$top_builddir/argod
PORT=47941
[ -x "$ARGOD" ] || skip "$ARGOD not built"
"$PY" -c 'import json, socket' 2>/dev/null || skip "no usable $PY"
"$PY" - "$PORT" <<'EOF' || skip "UDP port $PORT in use"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
EOF

T=$(mktemp -d "${TMPDIR:-/tmp}/argoflood.XXXXXX") || exit 1
PID=
failed=0

cleanup() {
	if [ -n "$PID" ]; then
		kill -CONT "$PID" 2>/dev/null
		kill "$PID" 2>/dev/null
		i=0
		while kill -0 "$PID" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	if [ "$failed" -ne 0 ]; then
		echo "--- $T/a.log"
		tail -n 30 "$T/a.log"
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
cat >"$T/a.conf" <<EOF
node a
listen 127.0.0.1 port $PORT
key "$KEY"
control "$T/a.sock"
pidfile "$T/a.pid"
receive-buffer 64K
dry-run yes
peer b address 127.0.0.1 port $((PORT + 1))
EOF
"$ARGOD" -n -c "$T/a.conf" 2>&1 | grep -q '^receive-buffer 64K$' &&
    pass "argod -n prints receive-buffer" || fail "argod -n prints receive-buffer"
cat >"$T/bad.conf" <<EOF
node a
key "$KEY"
receive-buffer 1K
peer b address 127.0.0.1
EOF
"$ARGOD" -n -c "$T/bad.conf" >"$T/bad.out" 2>&1
rc=$?
[ $rc -eq 1 ] &&
    grep -q 'bad.conf:3: receive-buffer: 1K out of range 64K..1024M' \
    "$T/bad.out" && pass "receive-buffer 1K is refused with file:line" ||
    fail "receive-buffer 1K is refused (exit $rc)"

"$ARGOD" -d -v -c "$T/a.conf" >"$T/a.log" 2>&1 &
PID=$!

"$PY" - "$T/a.sock" "$PORT" "$PID" <<'EOF'
import json, os, signal, socket, sys, time

SOCK, PORT, PID = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
N = 5000
failed = 0


def ok(cond, what):
    global failed
    print("%s - %s" % ("ok" if cond else "not ok", what), flush=True)
    if not cond:
        failed = 1


def status():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(SOCK)
    f = s.makefile("rb")
    f.readline()
    s.sendall(b'{"cmd":"status"}\n')
    r = json.loads(f.readline())
    s.close()
    return r["counters"]


def until(fn, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            v = fn()
            if v:
                return v
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    return None


c0 = until(status, 10)
ok(c0 is not None and c0.get("rx_host_drops") == 0,
   "status reports rx_host_drops, 0 at start: %r" % c0)
if c0 is None:
    sys.exit(1)

junk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
junk.bind(("127.0.0.1", 0))
os.kill(PID, signal.SIGSTOP)
try:
    for i in range(N):
        junk.sendto(os.urandom(100), ("127.0.0.1", PORT))
finally:
    os.kill(PID, signal.SIGCONT)

# the count arrives with the next datagram read after the drops
sent = N


def drops_seen():
    global sent
    c = status()
    if c["rx_host_drops"] > 0:
        return c
    junk.sendto(os.urandom(100), ("127.0.0.1", PORT))
    sent += 1
    return None


c = until(drops_seen, 20)
ok(c is not None, "the kernel's drops are counted: %r" %
   (c and c["rx_host_drops"]))
if c is not None:
    # nothing else sends to a: b does not exist
    got = c["rx_packets"] - c0["rx_packets"]
    ok(got + c["rx_host_drops"] == sent,
       "every datagram accounted for: %d read + %d dropped = %d sent" %
       (got, c["rx_host_drops"], sent))
    ok(c["rejected"].get("unknown_peer", 0) - c0["rejected"].get(
       "unknown_peer", 0) == got,
       "every datagram read was rejected as from no peer")
    ok(c["route_changes"] == c0["route_changes"], "no route changes")
sys.exit(failed)
EOF
[ $? -eq 0 ] || failed=1
grep -q 'receive queue full: the kernel dropped [0-9]* datagrams' "$T/a.log" &&
    pass "the drops are logged" || fail "the drops are logged"
if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error' "$T/a.log"; then
	fail "sanitizer reports in the daemon log"
else
	pass "no sanitizer reports"
fi
kill "$PID"
wait "$PID"
rc=$?
PID=
[ $rc -eq 0 ] && pass "argod exits 0 on SIGTERM" ||
    fail "argod exits $rc on SIGTERM"
exit $failed
