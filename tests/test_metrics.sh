#!/bin/sh
#
# The Prometheus endpoint end to end (argod(8) METRICS, argod.conf(5)
# "metrics listen"): three argod on loopback in dry-run, peered in a full
# mesh, each serving /metrics. c is the egress of an origin whose HTTP
# check targets b's metrics endpoint, so the last-mile metrics have a
# real check behind them. Pages are fetched with curl and must pass
# "promtool check metrics" (exposition format and naming lint); then the
# values must be plausible: RTT and baseline above 0 once peers are up,
# one state per peer, a reachable route with a cost, SPF runs and their
# histogram, traffic by message type, database size, the kernel layer in
# dry run with no errors, the origin healthy with HTTP 200. Unknown paths
# get 404, other methods 405; a stalled client does not stall the loop,
# a 17th connection waits while 16 are open, an idle one is closed after
# 10 s, the server accepts again once they are gone; a bad
# "metrics listen" line is reported as file:line by argod -n.
#
# curl and promtool (Debian: curl, prometheus) are required: the test
# fails, rather than skips, without them; bootstrap.sh installs both.
# Needs no root: loopback only, no namespaces, dry-run forwarding.
# Exit 0 pass, 77 skip, anything else fail.

set -u

: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
PY=$PYTHON3
ARGOD=$top_builddir/argod
[ -x "$ARGOD" ] || skip "$ARGOD not built"
"$PY" -c 'import json, socket, subprocess' 2>/dev/null ||
    skip "no usable $PY"
for c in curl promtool; do
	if ! command -v "$c" >/dev/null 2>&1; then
		echo "FAIL: $c not installed (Debian packages curl and" \
		    "prometheus; bootstrap.sh installs them)"
		exit 1
	fi
done

UDP="48061 48062 48063"
TCP="48071 48072 48073"
"$PY" - $UDP $TCP <<'EOF' || skip "ports $UDP / $TCP in use"
import socket, sys
for i, p in enumerate(sys.argv[1:]):
    s = socket.socket(socket.AF_INET,
                      socket.SOCK_DGRAM if i < 3 else socket.SOCK_STREAM)
    if i >= 3:	# as libmicrohttpd does: TIME_WAIT of a last run is no user
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(p)))
    s.close()
EOF

T=$(mktemp -d "${TMPDIR:-/tmp}/argod-metrics.XXXXXX") || exit 1
PIDS=
failed=0

stop() {
	# stop one process we started, by pid: TERM, then KILL after 5 s
	kill "$1" 2>/dev/null || return 0
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

cleanup() {
	for p in $PIDS; do
		stop "$p"
	done
	if [ "$failed" -ne 0 ]; then
		for f in "$T"/*.log "$T"/*.err; do
			[ -f "$f" ] || continue
			echo "--- $f"
			tail -n 30 "$f"
		done
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

KEY=$("$PY" -c 'import os; print(os.urandom(32).hex())')

conf() {
	# conf NAME UDP TCP PEER1 PORT1 PEER2 PORT2
	cat >"$T/$1.conf" <<EOF
node $1
listen 127.0.0.1 port $2
key "$KEY"
control "$T/$1.sock"
pidfile "$T/$1.pid"
metrics listen 127.0.0.1:$3
dry-run yes
peer $4 address 127.0.0.1 port $5
peer $6 address 127.0.0.1 port $7
origin web {
	prefix 192.0.2.0/24
	egress c
	check http://127.0.0.1:48072/metrics status 200
	check-interval 300ms
	check-timeout 250ms
}
EOF
}
conf a 48061 48071 b 48062 c 48063
conf b 48062 48072 a 48061 c 48063
conf c 48063 48073 a 48061 b 48062

# A bad metrics line is a file:line error at argod -n.
sed 's/^metrics listen .*/metrics listen 127.0.0.1/' "$T/a.conf" \
    >"$T/bad.conf"
if "$ARGOD" -n -c "$T/bad.conf" >/dev/null 2>"$T/bad.err"; then
	echo "not ok - argod -n accepts metrics listen without a port"
	failed=1
elif grep -q "^$T/bad.conf:6: metrics listen: \"127.0.0.1\": expected ADDRESS:PORT\$" \
    "$T/bad.err"; then
	echo "ok - argod -n: bad metrics listen reported as file:line"
else
	echo "not ok - argod -n: no file:line for a bad metrics listen"
	cat "$T/bad.err"
	failed=1
fi

for n in a b c; do
	if ! "$ARGOD" -n -c "$T/$n.conf" >"$T/$n-n.out" 2>&1; then
		failed=1
		echo "FAIL: argod -n rejects the test config"
		exit 1
	fi
	"$ARGOD" -d -c "$T/$n.conf" >"$T/$n.log" 2>&1 &
	PIDS="$PIDS $!"
done

cat >"$T/check.py" <<'EOF'
import re, socket, subprocess, sys, time

T = sys.argv[1]
PORTS = {"a": 48071, "b": 48072, "c": 48073}
failed = 0


def ok(cond, what):
    global failed
    print("%s - %s" % ("ok" if cond else "not ok", what), flush=True)
    if not cond:
        failed = 1
    return cond


def curl(node, path="/metrics", *args):
    """(http status, body) of one request, by curl."""
    r = subprocess.run(["curl", "-sS", "-m", "5", "-o", "-", "-w",
                        "\n%{http_code}", *args,
                        "http://127.0.0.1:%d%s" % (PORTS[node], path)],
                       capture_output=True, text=True)
    body, _, code = r.stdout.rpartition("\n")
    return int(code or 0), body


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """{(name, frozenset(labels)): value}"""
    m = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        s = SAMPLE.match(line)
        if not s:
            raise ValueError("unparsed line: %r" % line)
        labels = frozenset(LABEL.findall(s.group(3) or ""))
        m[(s.group(1), labels)] = float(s.group(4))
    return m


def get(m, name, **labels):
    return m.get((name, frozenset(labels.items())))


def until(fn, timeout, what):
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            last = fn()
            if last:
                return last
        except (OSError, ValueError) as e:
            last = e
        time.sleep(0.2)
    ok(False, "%s within %gs (last: %r)" % (what, timeout, last))
    sys.exit(1)


def page(node):
    code, body = curl(node)
    return parse(body) if code == 200 else None


def converged():
    pages = {n: page(n) for n in PORTS}
    for n, m in pages.items():
        if m is None:
            return None
        for p in PORTS:
            if p != n and get(m, "argod_peer_state", peer=p,
                              state="up") != 1:
                return None
            if p != n and get(m, "argod_peer_rtt_seconds", peer=p) is None:
                return None
        if get(m, "argod_route_reachable", origin="web",
               prefix="192.0.2.0/24") != 1:
            return None
        if get(m, "argod_lsdb_rows") != 3:
            return None
        # a and b hear of the c link at their own pace: a route through
        # the other PoP until then is right, but not the settled state
        if n != "c" and get(m, "argod_route_next_hop", next_hop="c",
                            egress="c", origin="web",
                            prefix="192.0.2.0/24") != 1:
            return None
    if get(pages["c"], "argod_origin_health", origin="web",
           health="healthy") != 1:
        return None
    return pages


pages = until(converged, 30, "all links up, routes and the origin healthy")
ok(True, "three PoPs converged: links up, route reachable, origin healthy")

# The exposition format and the naming conventions, by Prometheus' tool.
for n in PORTS:
    code, body = curl(n)
    r = subprocess.run(["promtool", "check", "metrics"], input=body,
                       capture_output=True, text=True)
    ok(r.returncode == 0 and r.stdout.strip() == "" and
       r.stderr.strip() == "",
       "%s: promtool check metrics is clean (%d bytes)%s" %
       (n, len(body), "" if r.returncode == 0 else
        ": " + (r.stdout + r.stderr).strip()[:500]))
    ok("# TYPE argod_peer_rtt_seconds gauge" in body and
       "# HELP argod_peer_rtt_seconds " in body, "%s: HELP and TYPE" % n)

a = pages["a"]
for p in ("b", "c"):
    rtt = get(a, "argod_peer_rtt_seconds", peer=p)
    base = get(a, "argod_peer_rtt_baseline_seconds", peer=p)
    ok(rtt is not None and 0 < rtt < 0.5,
       "a: peer %s RTT %r s is above 0 and plausible on loopback" % (p, rtt))
    ok(base is not None and 0 < base <= rtt * 1.5 + 1e-3,
       "a: peer %s baseline %r s" % (p, base))
    j = get(a, "argod_peer_jitter_seconds", peer=p)
    ok(j is not None and 0 <= j < 0.5, "a: peer %s jitter %r s" % (p, j))
    loss = get(a, "argod_peer_loss_ratio", peer=p)
    ok(loss is not None and 0 <= loss <= 1,
       "a: peer %s loss ratio %r in 0..1" % (p, loss))
    states = [get(a, "argod_peer_state", peer=p, state=s)
              for s in ("up", "congested", "down")]
    ok(states == [1, 0, 0], "a: peer %s state one-hot %r" % (p, states))
    ok((get(a, "argod_peer_probes_sent_total", peer=p) or 0) > 0,
       "a: probes sent to %s" % p)

route = dict(origin="web", prefix="192.0.2.0/24")
cost = get(a, "argod_route_cost_seconds", **route)
direct = get(a, "argod_route_direct_cost_seconds", **route)
gain = get(a, "argod_route_gain_seconds", **route)
ok(cost is not None and cost > 0, "a: route cost %r s" % cost)
ok(direct is not None and gain is not None and
   abs(gain - (direct - cost)) < 1e-6,
   "a: route gain %r = direct %r - cost %r" % (gain, direct, cost))
ok(get(a, "argod_route_next_hop", next_hop="c", egress="c", **route) == 1,
   "a: route to web via c, egress c")
ok((get(a, "argod_route_changes_total", **route) or 0) >= 1,
   "a: route changes counted per prefix")

runs = get(a, "argod_spf_runs_total") or 0
count = get(a, "argod_spf_duration_seconds_count") or 0
inf = get(a, "argod_spf_duration_seconds_bucket", le="+Inf")
ok(runs >= 1 and 1 <= count <= runs and inf == count,
   "a: SPF runs %r, histogram count %r, +Inf bucket %r" % (runs, count, inf))
ok((get(a, "argod_spf_duration_seconds_sum") or -1) >= 0, "a: SPF time sum")

for d in ("tx", "rx"):
    for t in ("probe", "lsa"):
        v = get(a, "argod_%s_packets_total" % d, type=t)
        ok(v is not None and v > 0, "a: %s %s packets %r" % (d, t, v))
    ok((get(a, "argod_%s_bytes_total" % d, type="probe") or 0) > 0,
       "a: %s probe bytes" % d)
ok(get(a, "argod_rx_rejected_packets_total", reason="bad_mac") == 0,
   "a: rejects by reason, none with a bad MAC")
ok(get(a, "argod_lsdb_rows") == 3 and get(a, "argod_peers") == 2,
   "a: database of 3 rows, 2 peers")
ok(get(a, "argod_kernel_dry_run") == 1 and
   get(a, "argod_kernel_errors_total") == 0,
   "a: kernel layer in dry run, no install errors")
ok(any(k[0] == "argod_info" and ("node", "a") in k[1] and v == 1
       for k, v in a.items()), "a: argod_info names the node")

# The origin check c runs against b's endpoint.
c = until(lambda: (lambda m: m if m and
                   get(m, "argod_origin_http_status", origin="web") == 200
                   else None)(page("c")), 10, "c: origin check HTTP 200")
ok(get(c, "argod_origin_check_success", origin="web") == 1,
   "c: last origin check passed")
tot = get(c, "argod_origin_check_phase_seconds", origin="web", phase="total")
con = get(c, "argod_origin_check_phase_seconds", origin="web",
          phase="connect")
ok(tot is not None and con is not None and 0 < con <= tot < 0.25,
   "c: origin check phases connect %r <= total %r s" % (con, tot))
ok((get(c, "argod_origin_checks_total", origin="web") or 0) >= 1,
   "c: origin checks counted")
ok(get(c, "argod_origin_check_info", origin="web", kind="http") == 1,
   "c: origin check kind")
ok(not any(k[0].startswith("argod_origin_check_phase") for k in a),
   "a: no origin samples where no check runs")

# HTTP: other paths, other methods, HEAD.
code, body = curl("a", "/")
ok(code == 404, "GET / is 404 (got %d)" % code)
code, body = curl("a", "/metrics/extra")
ok(code == 404, "GET /metrics/extra is 404 (got %d)" % code)
code, body = curl("a", "/metrics", "-X", "POST", "-d", "x=1")
ok(code == 405, "POST /metrics is 405 (got %d)" % code)
code, body = curl("a", "/metrics", "-I")
ok(code == 200 and "text/plain; version=0.0.4" in body,
   "HEAD /metrics: 200 with the exposition content type")

# An idle connection (a stalled scraper) holds no one up: the loop
# serves the next scrape, and the engine keeps probing meanwhile.
idle = socket.create_connection(("127.0.0.1", PORTS["a"]))
idle.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")	# never finished
before = get(page("a"), "argod_peer_probes_sent_total", peer="b")
time.sleep(0.5)
after = get(page("a"), "argod_peer_probes_sent_total", peer="b")
ok(before is not None and after is not None and after > before,
   "with a stalled client: scrapes answered, probes go on (%r -> %r)" %
   (before, after))
idle.close()

# Bounds (metrics-http.h): 16 connections at once, the next one waits
# unanswered in the listen queue; once they go, scrapes are answered
# again (libmicrohttpd takes its listen socket out of its epoll set at
# the limit: metrics-http.c must run it again to put it back).
conns = [socket.create_connection(("127.0.0.1", PORTS["a"]))
         for _ in range(16)]
code, _ = curl("a", "/metrics", "-m", "2")
ok(code != 200, "a 17th connection is not served while 16 are open (%d)" %
   code)
for s in conns:
    s.close()
until(lambda: page("a"), 10, "scrapes answered once the 16 have gone")
ok(True, "scrapes answered again once the 16 have gone")

# A connection that sends nothing is closed after the 10 s timeout.
idle = socket.create_connection(("127.0.0.1", PORTS["a"]))
idle.settimeout(30)
t0 = time.monotonic()
try:
    eof = idle.recv(1) == b""
except OSError:
    eof = True
held = time.monotonic() - t0
ok(eof and 8 <= held <= 25,
   "an idle connection is closed by the server after %.1f s" % held)
idle.close()

sys.exit(failed)
EOF
"$PY" "$T/check.py" "$T" || failed=1

# A metrics address in use: argod exits 1 before detaching, and says why.
sed -e 's/^listen .*/listen 127.0.0.1 port 48064/' \
    -e "s|$T/a\.sock|$T/x.sock|" -e "s|$T/a\.pid|$T/x.pid|" "$T/a.conf" \
    >"$T/x.conf"
"$ARGOD" -c "$T/x.conf" >"$T/x.err" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q 'metrics listen 127.0.0.1:48071: cannot start' \
    "$T/x.err"; then
	echo "ok - a metrics address in use: exit 1 at start, with the reason"
else
	echo "not ok - a metrics address in use: exit $rc"
	cat "$T/x.err"
	failed=1
fi

# A reload keeps the endpoint; a changed address waits for a restart.
PID_A=${PIDS# }
PID_A=${PID_A%% *}
sed -i 's/^metrics listen .*/metrics listen 127.0.0.1:48074/' "$T/a.conf"
kill -HUP "$PID_A"
i=0
while ! grep -q 'metrics listen changes only on restart' "$T/a.log" &&
    [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if grep -q 'metrics listen changes only on restart' "$T/a.log" &&
    grep -q 'reloaded' "$T/a.log" &&
    curl -sf -m 5 -o /dev/null http://127.0.0.1:48071/metrics; then
	echo "ok - reload: a new metrics address is logged as for restart," \
	    "the old one still serves"
else
	echo "not ok - reload with a changed metrics address"
	failed=1
fi

# Every daemon still running.
for p in $PIDS; do
	kill -0 "$p" 2>/dev/null || {
		echo "not ok - argod $p died"
		failed=1
	}
done
# Stopped, each exits 0; leaks are reported at exit, so look after.
for p in $PIDS; do
	kill "$p" 2>/dev/null
	wait "$p"
	rc=$?
	[ $rc -eq 0 ] || {
		echo "not ok - argod $p exited $rc on SIGTERM"
		failed=1
	}
done
PIDS=
if grep -l -e 'Sanitizer' -e 'runtime error:' "$T"/*.log 2>/dev/null; then
	echo "not ok - sanitizer reports in the daemons' logs"
	failed=1
fi
[ "$failed" -eq 0 ] && echo "PASS" || echo "FAIL"
exit "$failed"
