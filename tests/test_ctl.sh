#!/bin/sh
#
# The status socket end to end (man/argoctl.8): two argod on loopback peer
# each other; a Python client (standard library only) checks the banner,
# every command, error handling, read-only sockets, the per-client output
# limit, the client limit and the monitor stream; argoctl is checked for
# its tables, -j and exit statuses. State is polled with deadlines, never
# slept for. Exit 0 pass, 77 skip, anything else fail.

set -u

: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
PY=$PYTHON3
ARGOD=$top_builddir/argod
ARGOCTL=$top_builddir/argoctl
PORT_A=47901
PORT_B=47902
[ -x "$ARGOD" ] || skip "$ARGOD not built"
[ -x "$ARGOCTL" ] || skip "$ARGOCTL not built"
"$PY" -c 'import json, socket' 2>/dev/null || skip "no usable $PY"
"$PY" - "$PORT_A" "$PORT_B" <<'EOF' || skip "UDP ports $PORT_A/$PORT_B in use"
import socket, sys
for p in sys.argv[1:]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", int(p)))
    s.close()
EOF

PROTO=$(sed -n 's/^#define[	 ]*CTL_PROTOCOL[	 ]*\([0-9]*\).*/\1/p' \
    "$top_srcdir/src/ctl-proto.h")
[ -n "$PROTO" ] || { echo "FAIL: no CTL_PROTOCOL in src/ctl-proto.h"; exit 1; }

# Socket paths must fit sun_path (108 bytes): keep the directory short.
T=$(mktemp -d "${TMPDIR:-/tmp}/argoctl.XXXXXX") || exit 1
PID_A=
PID_B=
MONPID=
MUTEPID=
failed=0

stop() {
	# stop one process we started, by pid: TERM, then KILL after 5 s
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null || return 0
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

reap() {
	# reap PID: its exit status, or 99 if it had to be killed after 10 s
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -9 "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		return 99
	fi
	wait "$1"
}

cleanup() {
	stop "$MUTEPID"
	stop "$MONPID"
	stop "$PID_A"
	stop "$PID_B"
	if [ "$failed" -ne 0 ]; then
		for f in "$T"/*.log "$T"/*.out "$T"/*.err; do
			[ -f "$f" ] || continue
			echo "--- $f"
			tail -n 40 "$f"
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
	# conf NAME PORT PEER PEERPORT
	cat >"$T/$1.conf" <<EOF
node $1
listen 127.0.0.1 port $2
key "$KEY"
control "$T/$1.sock"
control-readonly "$T/$1-ro.sock"
control-max-output 64k
pidfile "$T/$1.pid"
cache-include "$T/$1-tiers.conf"
cache-reload "touch '$T/$1.reloaded'"
peer $3 address 127.0.0.1 port $4 cache 127.0.0.1:8080
origin web {
	prefix 192.0.2.0/24
	egress b
}
EOF
}
conf a $PORT_A b $PORT_B
conf b $PORT_B a $PORT_A

for n in a b; do
	if ! "$ARGOD" -n -c "$T/$n.conf" >"$T/$n-n.out" 2>&1; then
		failed=1
		echo "FAIL: argod -n rejects the test config"
		exit 1
	fi
done

"$ARGOD" -d -c "$T/a.conf" >"$T/a.log" 2>&1 &
PID_A=$!
"$ARGOD" -d -c "$T/b.conf" >"$T/b.log" 2>&1 &
PID_B=$!

# The protocol checks. Phase "steady" runs with both daemons up; phase
# "kill" watches a's monitor stream while it stops b.
cat >"$T/check.py" <<'EOF'
import json, os, signal, socket, sys, time

T, PHASE, PROTO, PID_B = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    int(sys.argv[4])
A = os.path.join(T, "a.sock")
A_RO = os.path.join(T, "a-ro.sock")
failed = 0


def ok(cond, what):
    global failed
    print("%s - %s" % ("ok" if cond else "not ok", what), flush=True)
    if not cond:
        failed = 1
    return cond


def until(fn, timeout, what):
    """Poll fn() until it returns something true, or fail at the deadline."""
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            last = fn()
            if last:
                return last
        except (OSError, EOFError, ValueError) as e:
            last = e
        time.sleep(0.1)
    ok(False, "%s within %gs (last: %r)" % (what, timeout, last))
    sys.exit(1)


class Client:
    def __init__(self, path, timeout=5.0):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""
        self.events = []
        self.banner = self.read()

    def readline(self):
        while b"\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError("connection closed")
            self.buf += d
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def read(self):
        return json.loads(self.readline())

    def send(self, data):
        self.s.sendall(data)

    def reply(self):
        while True:
            m = self.read()
            if "ok" in m:
                return m
            self.events.append(m)

    def req(self, cmd, **kw):
        kw["cmd"] = cmd
        self.send(json.dumps(kw).encode() + b"\n")
        return self.reply()

    def event(self, pred, timeout):
        end = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if pred(e):
                    del self.events[i]
                    return e
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                self.events.append(self.read())
            except socket.timeout:
                return None

    def close(self):
        self.s.close()


def keys(obj, names, what):
    missing = [k for k in names if k not in obj]
    ok(not missing, "%s has %s%s" % (what, ",".join(names),
       " (missing %s)" % missing if missing else ""))


def num_or_null(v):
    return v is None or isinstance(v, (int, float))


def steady():
    c = until(lambda: Client(A), 10, "a's control socket accepts")
    b = c.banner
    ok(isinstance(b.get("argod"), str) and b.get("protocol") == PROTO and
       b.get("node") == "a" and b.get("readonly") is False,
       "banner %r" % b)
    ro = Client(A_RO)
    ok(ro.banner.get("readonly") is True and ro.banner.get("node") == "a",
       "read-only banner %r" % ro.banner)

    def peer_up():
        r = c.req("peers")
        return r["ok"] and [p for p in r["peers"]
                            if p["name"] == "b" and p["state"] == "up"]
    until(peer_up, 20, "peer b up on a")

    def route_ok():
        r = c.req("routes")
        return [x for x in r["routes"] if x["prefix"] == "192.0.2.0/24" and
                x["reachable"] and x["egress"] == "b" and
                x["path"] == ["a", "b"]]
    rt = until(route_ok, 20, "route 192.0.2.0/24 via a>b")[0]
    ok(rt["origin"] == "web" and rt["next_hop"] == "b" and
       isinstance(rt["cost_ms"], (int, float)) and
       num_or_null(rt["direct_cost_ms"]) and
       isinstance(rt["since_s"], (int, float)) and
       (rt["runner_up"] is None or "path" in rt["runner_up"]),
       "route fields %r" % rt)
    keys(rt, ["origin", "prefix", "reachable", "egress", "path", "next_hop",
              "cost_ms", "congested_hops", "direct_cost_ms", "runner_up",
              "since_s"], "route")

    # every command on the read-write socket
    r = c.req("status")
    ok(r.get("ok") is True and r.get("cmd") == "status", "status ok")
    keys(r, ["node", "id", "version", "protocol", "uptime_s", "peers",
             "peers_up", "lsdb_rows", "digest", "counters"], "status")
    ok(r["node"] == "a" and r["peers"] == 1 and r["peers_up"] == 1 and
       r["lsdb_rows"] == 2 and len(r["id"]) == 8 and
       len(r["digest"]) == 16, "status values")
    keys(r["counters"], ["rx_packets", "rx_bytes", "tx_packets", "tx_bytes",
                         "lsa_originated", "lsa_received", "lsa_installed",
                         "lsa_relayed", "lsa_deltas_sent",
                         "lsa_deltas_applied", "lsa_deltas_unusable",
                         "summaries_sent", "requests_sent",
                         "spf_runs", "route_changes", "rejected"],
         "status counters")
    rej = r["counters"]["rejected"]
    ok(isinstance(rej, dict) and len(rej) > 0 and
       all(isinstance(v, int) and v >= 0 for v in rej.values()) and
       r["counters"]["rx_packets"] > 0, "status counters values")

    r = c.req("peers")
    ok(r.get("ok") is True and r.get("cmd") == "peers" and
       len(r["peers"]) == 1, "peers ok")
    p = r["peers"][0]
    keys(p, ["name", "id", "state", "rtt_ms", "rtt_min_ms", "jitter_ms",
             "loss_pct", "last_seen_s", "state_since_s", "adv_rtt_ms",
             "probes_sent", "replies_received", "probe_interval_ms"], "peer")
    ok(p["name"] == "b" and isinstance(p["rtt_ms"], (int, float)) and
       p["probes_sent"] > 0 and p["replies_received"] > 0,
       "peer values %r" % p)

    r = c.req("matrix")
    ok(r.get("ok") is True and r.get("cmd") == "matrix", "matrix ok")
    keys(r, ["nodes", "rtt_ms", "loss_pct", "state"], "matrix")
    ok(r["nodes"] == ["a", "b"], "matrix nodes sorted %r" % r["nodes"])
    ok(all(len(r[k]) == 2 and all(len(row) == 2 for row in r[k])
           for k in ("rtt_ms", "loss_pct", "state")), "matrix is 2x2")
    ok(all(r[k][i][i] is None for k in ("rtt_ms", "loss_pct", "state")
           for i in range(2)), "matrix diagonal null")
    ok(r["state"][0][1] == "up" and r["state"][1][0] == "up" and
       num_or_null(r["rtt_ms"][0][1]), "matrix a<->b up %r" % r["state"])

    r = c.req("lsdb")
    ok(r.get("ok") is True and r.get("cmd") == "lsdb" and
       [x["origin"] for x in r["lsdb"]] == ["a", "b"],
       "lsdb rows a, b")
    for x in r["lsdb"]:
        keys(x, ["origin", "id", "boot", "seq", "age_s", "links"],
             "lsdb row")
        ok(x["links"] == 1, "lsdb row %s has one link" % x["origin"])

    r = c.req("help")
    ok(r.get("ok") is True and
       {x["cmd"] for x in r["commands"]} >=
       {"status", "peers", "matrix", "routes", "lsdb", "monitor", "reload",
        "help"}, "help lists the commands")

    # errors leave the connection usable
    c.send(b"{not json\n")
    r = c.reply()
    ok(r.get("ok") is False and isinstance(r.get("error"), str),
       "malformed JSON: %r" % r)
    ok(c.req("status").get("ok") is True, "usable after malformed JSON")
    c.send(b"[1, 2]\n")
    r = c.reply()
    ok(r.get("ok") is False and r.get("error"), "non-object: %r" % r)
    c.send(b"{\"nocmd\": 1}\n")
    r = c.reply()
    ok(r.get("ok") is False and r.get("error"), "missing cmd: %r" % r)
    r = c.req("frobnicate")
    ok(r.get("ok") is False and r.get("cmd") == "frobnicate" and
       "unknown" in r.get("error", ""), "unknown cmd: %r" % r)
    c.send(b"\n  \n\r\n")
    r = c.req("status")
    ok(r.get("ok") is True and r.get("cmd") == "status",
       "empty lines are ignored")
    r = c.req("status", tag={"n": 7})
    ok(r.get("tag") == {"n": 7}, "tag echoed")

    # an oversize line, sent in pieces, then more requests
    big = b'{"cmd":"status","pad":"' + b"x" * (70 * 1024) + b'"}\n'
    for i in range(0, len(big), 8192):
        c.send(big[i:i + 8192])
    c.send(b'{"cmd":"peers"}\n')
    r = c.reply()
    ok(r.get("ok") is False and r.get("error") == "request too long",
       "oversize request: %r" % r)
    r = c.reply()
    ok(r.get("ok") is True and r.get("cmd") == "peers",
       "usable after oversize request")
    # just under the limit is a request like any other
    pad = 64 * 1024 - len(b'{"cmd":"status","pad":""}') - 1
    c.send(b'{"cmd":"status","pad":"' + b"y" * pad + b'"}\n')
    r = c.reply()
    ok(r.get("ok") is True, "request of 64 KiB - 1 accepted")

    # pipelined requests: one reply each, in order
    c.send(b'{"cmd":"peers"}\n{"cmd":"lsdb"}\n{"cmd":"status"}\n')
    got = [c.reply().get("cmd") for _ in range(3)]
    ok(got == ["peers", "lsdb", "status"], "pipelined replies %r" % got)

    # read-only socket: reads work, writes do not
    r = ro.req("status")
    ok(r.get("ok") is True, "status on the read-only socket")
    r = ro.req("reload")
    ok(r.get("ok") is False and r.get("error") == "read-only socket",
       "reload on the read-only socket: %r" % r)
    r = c.req("reload", timeout=10)
    ok(r.get("ok") is True and r.get("cmd") == "reload",
       "reload on the read-write socket: %r" % r)

    # clients that vanish mid-request or before their reply
    for data in (b'{"cmd":"sta', b'{"cmd":"matrix"}\n' * 50):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(A)
        s.sendall(data)
        s.close()
    ok(c.req("status").get("ok") is True, "alive after vanishing clients")

    stuck_client(c)
    client_limit(c)
    c.close()
    ro.close()


def stuck_client(c):
    """A client that asks and never reads is cut off; others are served."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(A)
    s.sendall(b'{"cmd":"monitor"}\n')
    s.setblocking(False)
    burst = b'{"cmd":"matrix"}\n{"cmd":"status"}\n' * 32
    closed = False
    worst = 0.0
    end = time.monotonic() + 20
    n = 0
    while time.monotonic() < end and not closed:
        try:
            s.send(burst)
        except BlockingIOError:
            time.sleep(0.01)
        except (BrokenPipeError, ConnectionResetError):
            closed = True
        n += 1
        if n % 20 == 0:
            t0 = time.monotonic()
            r = c.req("status")
            worst = max(worst, time.monotonic() - t0)
            if r.get("ok") is not True:
                break
    ok(closed, "a client that does not read is disconnected")
    ok(worst < 2.0, "other clients served meanwhile (worst %.3fs)" % worst)
    # what was queued drains, then the stream ends
    s.setblocking(True)
    s.settimeout(10)
    eof = False
    try:
        while s.recv(65536):
            pass
        eof = True
    except ConnectionResetError:
        eof = True
    except socket.timeout:
        pass
    ok(eof, "the stuck client's stream ends")
    s.close()
    ok(c.req("status").get("ok") is True, "alive after the stuck client")


def client_limit(c):
    """Past the client limit a connection gets an error line and is closed."""
    socks, refused = [], 0
    for i in range(70):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(A)
        f = s.makefile("rb")
        m = json.loads(f.readline())
        if m.get("ok") is False and "too many" in m.get("error", ""):
            refused += 1
            ok(f.readline() == b"", "refused client is closed")
            s.close()
        else:
            socks.append((s, f))
    ok(refused > 0 and len(socks) + 1 <= 64,
       "client limit: %d accepted, %d refused" % (len(socks), refused))
    for s, f in socks:
        f.close()
        s.close()
    # the slots come back once the daemon has seen the closes
    until(lambda: Client(A).banner.get("argod"), 5,
          "new clients accepted after the others left")


def kill():
    m = Client(A)
    r = m.req("monitor")
    ok(r == {"ok": True, "cmd": "monitor"}, "monitor reply %r" % r)
    os.kill(PID_B, signal.SIGTERM)
    e = m.event(lambda e: e.get("event") == "link" and
                e.get("peer") == "b" and e.get("to") == "down", 20)
    ok(e is not None and e.get("from") in ("up", "congested") and
       isinstance(e.get("time"), (int, float)) and
       num_or_null(e.get("rtt_ms")) and num_or_null(e.get("loss_pct")),
       "link event b -> down: %r" % e)
    # requests on a monitoring connection still get their replies
    r = m.req("peers")
    ok(r.get("ok") is True and r["peers"][0]["state"] == "down",
       "peers on the monitor connection: b down")
    e = m.event(lambda e: e.get("event") == "route" and
                e.get("prefix") == "192.0.2.0/24", 20)
    ok(e is not None and e.get("origin") == "web" and
       isinstance(e.get("old"), dict) and
       e["old"].get("path") == ["a", "b"] and
       (e.get("new") is None or e["new"].get("reachable") is False),
       "route event 192.0.2.0/24 lost: %r" % e)
    if e is not None and isinstance(e.get("old"), dict):
        keys(e["old"], ["egress", "path", "next_hop", "cost_ms"],
             "route event old")
    m.close()


{"steady": steady, "kill": kill}[PHASE]()
sys.exit(failed)
EOF

if ! "$PY" "$T/check.py" "$T" steady "$PROTO" "$PID_B"; then
	failed=1
	exit 1
fi

# argoctl: tables, -j, exit statuses and messages
if "$ARGOCTL" -s "$T/a.sock" -j status >"$T/status.out" 2>"$T/status.err" &&
    "$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is True and d["node"] == "a", d' "$T/status.out"; then
	pass "argoctl -j status is JSON"
else
	fail "argoctl -j status is JSON"
fi
[ "$(wc -l <"$T/status.out")" -eq 1 ] && pass "argoctl -j prints one line" ||
    fail "argoctl -j prints one line"

if "$ARGOCTL" -s "$T/a.sock" peers >"$T/peers.out" 2>&1 &&
    grep -q '^NAME  *STATE' "$T/peers.out" &&
    grep -Eq '^b +up ' "$T/peers.out"; then
	pass "argoctl peers shows b up"
else
	fail "argoctl peers shows b up"
fi
if "$ARGOCTL" -s "$T/a.sock" routes >"$T/routes.out" 2>&1 &&
    grep -Eq '^web +192\.0\.2\.0/24 +b +- +b .* a>b' "$T/routes.out"; then
	pass "argoctl routes shows a>b"
else
	fail "argoctl routes shows a>b"
fi
if "$ARGOCTL" -s "$T/a.sock" tiers >"$T/tiers.out" 2>&1 &&
    grep -Eq '^web +smart +b +lower +b ' "$T/tiers.out"; then
	pass "argoctl tiers: a's cache asks b, the upper tier"
else
	fail "argoctl tiers: a's cache asks b, the upper tier"
fi
# the include file is written on the tier change, then the reload runs
i=0
while [ ! -e "$T/a.reloaded" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
if grep -q '^upstream argo_web {' "$T/a-tiers.conf" 2>/dev/null &&
    grep -q 'server 127\.0\.0\.1:8080;.*# parent b' "$T/a-tiers.conf" &&
    [ -e "$T/a.reloaded" ] && grep -q '^# origin web: upper tier' \
    "$T/b-tiers.conf" && ! ls "$T"/a-tiers.conf.tmp.* >/dev/null 2>&1; then
	pass "cache-include written (parent b's cache), cache-reload run"
else
	fail "cache-include written (parent b's cache), cache-reload run"
	cat "$T/a-tiers.conf" "$T/b-tiers.conf" 2>&1 | sed 's/^/#   /'
fi
for cmd in status matrix lsdb help; do
	if "$ARGOCTL" -s "$T/a-ro.sock" $cmd >"$T/$cmd.out" 2>&1 &&
	    [ -s "$T/$cmd.out" ]; then
		pass "argoctl $cmd"
	else
		fail "argoctl $cmd"
	fi
done
"$ARGOCTL" -s "$T/a-ro.sock" reload >"$T/reload.out" 2>"$T/reload.err"
rc=$?
[ $rc -eq 1 ] && grep -q '^argoctl: read-only socket$' "$T/reload.err" &&
    pass "argoctl reload on the read-only socket: exit 1" ||
    fail "argoctl reload on the read-only socket: exit $rc"
"$ARGOCTL" -s "$T/nonexistent.sock" status >"$T/noconn.out" \
    2>"$T/noconn.err"
rc=$?
[ $rc -eq 3 ] && grep -q 'is argod running?' "$T/noconn.err" &&
    pass "argoctl without a daemon: exit 3" ||
    fail "argoctl without a daemon: exit $rc"
"$ARGOCTL" -s "$T/a.sock" frobnicate >/dev/null 2>"$T/usage.err"
rc=$?
[ $rc -eq 2 ] && grep -q '^usage:' "$T/usage.err" &&
    pass "argoctl usage error: exit 2" || fail "argoctl usage: exit $rc"
"$ARGOCTL" -s "$T/a.sock" status extra >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] && pass "argoctl status with an argument: exit 2" ||
    fail "argoctl status with an argument: exit $rc"
"$ARGOCTL" -t soon -s "$T/a.sock" status >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] && pass "argoctl -t soon: exit 2" || fail "argoctl -t soon: exit $rc"
# a socket that accepts and never greets: no answer within -t, exit 3
"$PY" -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(4)
open(sys.argv[2], "w").close()
time.sleep(60)' "$T/mute.sock" "$T/mute.ready" &
MUTEPID=$!
i=0
while [ ! -e "$T/mute.ready" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
"$ARGOCTL" -t 0.3 -s "$T/mute.sock" status >/dev/null 2>"$T/mute.err"
rc=$?
stop "$MUTEPID"
MUTEPID=
[ $rc -eq 3 ] && grep -q 'no answer from argod within 300 ms' "$T/mute.err" &&
    pass "argoctl on a mute socket: exit 3" ||
    fail "argoctl on a mute socket: exit $rc: $(cat "$T/mute.err")"
if [ -w /dev/full ]; then
	"$ARGOCTL" -s "$T/a.sock" status >/dev/full 2>"$T/full.err"
	rc=$?
	[ $rc -eq 4 ] && grep -q 'stdout: No space left' "$T/full.err" &&
	    pass "argoctl with stdout on /dev/full: exit 4" ||
	    fail "argoctl with stdout on /dev/full: exit $rc"
fi
# names: peers and routes keep the items named, changes asks the daemon
if "$ARGOCTL" -s "$T/a.sock" -j peers b >"$T/peer-b.out" 2>&1 &&
    "$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert [p["name"] for p in d["peers"]] == ["b"], d' "$T/peer-b.out"; then
	pass "argoctl -j peers b lists b alone"
else
	fail "argoctl -j peers b lists b alone"
fi
"$ARGOCTL" -s "$T/a.sock" peers nosuch >"$T/nosuch.out" 2>"$T/nosuch.err"
rc=$?
[ $rc -eq 1 ] && grep -q '^argoctl: no peer "nosuch"$' "$T/nosuch.err" &&
    [ ! -s "$T/nosuch.out" ] &&
    pass "argoctl peers nosuch: exit 1, no peer" ||
    fail "argoctl peers nosuch: exit $rc: $(cat "$T/nosuch.err")"
if "$ARGOCTL" -s "$T/a.sock" routes web >"$T/routes-web.out" 2>&1 &&
    grep -Eq '^web +192\.0\.2\.0/24 ' "$T/routes-web.out" &&
    [ "$(wc -l <"$T/routes-web.out")" -eq 2 ]; then
	pass "argoctl routes web"
else
	fail "argoctl routes web"
fi
if "$ARGOCTL" -s "$T/a-ro.sock" changes >"$T/changes.out" 2>&1 &&
    grep -q '^ *AGO  *ORIGIN  *PREFIX  *CHANGE  *BEFORE  *AFTER$' \
    "$T/changes.out" &&
    grep -Eq ' web +192\.0\.2\.0/24 +reachable +none +a>b \(' \
    "$T/changes.out" &&
    "$ARGOCTL" -s "$T/a-ro.sock" changes nosuch >"$T/changes-none.out" &&
    grep -q '^no route changes recorded$' "$T/changes-none.out"; then
	pass "argoctl changes: web became reachable via a>b"
else
	fail "argoctl changes: web became reachable via a>b"
	sed 's/^/#   /' "$T/changes.out"
fi
# argoctl -j prints lines the installed schema describes
for cmd in status peers matrix routes changes lsdb origins tiers fib help; do
	"$ARGOCTL" -s "$T/a.sock" -j $cmd >>"$T/j-all.out" 2>&1 ||
	    fail "argoctl -j $cmd"
done
"$ARGOCTL" -s "$T/a-ro.sock" -j reload >>"$T/j-all.out" 2>/dev/null
if "$PY" - "$top_srcdir/src/ctl-schema.json" "$T/j-all.out" <<'EOF'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
v = jsonschema.Draft202012Validator(schema)
lines = [json.loads(x) for x in open(sys.argv[2])]
assert len(lines) == 11, len(lines)
cmds = [x["cmd"] for x in lines]
assert cmds == ["status", "peers", "matrix", "routes", "changes", "lsdb",
                "origins", "tiers", "fib", "help", "reload"], cmds
assert lines[-1]["ok"] is False, lines[-1]
for x in lines:
    e = jsonschema.exceptions.best_match(v.iter_errors(x))
    assert e is None, "%s: %s at %s" % (x["cmd"], e.message,
                                        list(e.absolute_path))
EOF
then
	pass "argoctl -j of every command validates against ctl-schema.json"
else
	fail "argoctl -j of every command validates against ctl-schema.json"
fi

# argoctl -j monitor records the events of the kill phase
"$ARGOCTL" -s "$T/a-ro.sock" -j monitor >"$T/monitor.out" \
    2>"$T/monitor.err" &
MONPID=$!

if ! "$PY" "$T/check.py" "$T" kill "$PROTO" "$PID_B"; then
	failed=1
	exit 1
fi
reap "$PID_B"
rc=$?
PID_B=
[ $rc -eq 0 ] && pass "argod b exits 0 on SIGTERM" ||
    fail "argod b exits $rc on SIGTERM"

if "$PY" - "$T/monitor.out" <<'EOF'
import json, sys, time
end = time.monotonic() + 10
while time.monotonic() < end:
    evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
    assert all("event" in e for e in evs), evs
    if any(e["event"] == "link" and e["peer"] == "b" and e["to"] == "down"
           for e in evs):
        sys.exit(0)
    time.sleep(0.1)
sys.exit(1)
EOF
then
	pass "argoctl -j monitor printed the link event"
else
	fail "argoctl -j monitor printed the link event"
fi
stop "$MONPID"
MONPID=

# a clean stop removes the sockets and leaves no sanitizer reports
kill "$PID_A"
reap "$PID_A"
rc=$?
PID_A=
[ $rc -eq 0 ] && pass "argod a exits 0 on SIGTERM" ||
    fail "argod a exits $rc on SIGTERM"
[ ! -e "$T/a.sock" ] && [ ! -e "$T/a-ro.sock" ] &&
    pass "control sockets removed on exit" ||
    fail "control sockets removed on exit"
grep -q 'not reading' "$T/a.log" &&
    pass "the stuck client was logged" || fail "the stuck client was logged"
if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error' \
    "$T/a.log" "$T/b.log"; then
	fail "sanitizer reports in the daemon logs"
else
	pass "no sanitizer reports"
fi

# The protocol against its JSON Schema (src/ctl-schema.json): a fresh
# pair in dry run, so that nothing touches the kernel; every reply, error
# replies, and the events of b coming and going, as argod sends them.
# jsonschema is a test dependency (bootstrap.sh installs
# python3-jsonschema): without it this fails, it does not skip.
for n in a b; do
	echo "dry-run yes" >>"$T/$n.conf"
done
"$ARGOD" -d -c "$T/a.conf" >"$T/a-schema.log" 2>&1 &
PID_A=$!
# MONPID, so that the cleanup trap stops the checker too
"$PY" "$top_srcdir/tests/ctl-schema-check.py" \
    "$top_srcdir/src/ctl-schema.json" "$top_srcdir/src/ctl-proto.h" \
    "$T/a.sock" "$T/a-ro.sock" "$T/b.pid" "$T/schema.ready" \
    >"$T/schema.out" 2>&1 &
MONPID=$!
i=0
while [ ! -e "$T/schema.ready" ] && kill -0 "$MONPID" 2>/dev/null &&
    [ $i -lt 150 ]; do
	sleep 0.1
	i=$((i + 1))
done
"$ARGOD" -d -c "$T/b.conf" >"$T/b-schema.log" 2>&1 &
PID_B=$!
# the checker has its own deadlines (at most about a minute)
wait "$MONPID"
rc=$?
MONPID=
cat "$T/schema.out"
[ $rc -eq 0 ] && pass "argod's lines validate against ctl-schema.json" ||
    fail "argod's lines validate against ctl-schema.json (exit $rc)"
reap "$PID_B"
PID_B=
stop "$PID_A"
PID_A=
if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error' \
    "$T/a-schema.log" "$T/b-schema.log"; then
	fail "sanitizer reports in the daemon logs of the schema check"
else
	pass "no sanitizer reports in the schema check"
fi

exit $failed
