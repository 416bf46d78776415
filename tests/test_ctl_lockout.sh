#!/bin/sh
#
# The status socket against lockout (issue 13, man/argod.8 "STATUS
# SOCKET"): connections from users other than root are limited per uid
# and can never take the slots kept for root; a client that sends nothing
# is closed after control-idle-timeout, a monitor that waits for events is
# not, and a client that never reads its replies is closed after the same
# time. Unprivileged clients are Python children that setuid() to uids
# that own nothing. Exit 0 pass, 77 skip, anything else fail.

set -u

: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
PY=$PYTHON3
ARGOD=$top_builddir/argod
ARGOCTL=$top_builddir/argoctl
PORT=47921
[ -x "$ARGOD" ] || skip "$ARGOD not built"
[ -x "$ARGOCTL" ] || skip "$ARGOCTL not built"
need_root "clients of other uids need root to setuid()"
"$PY" -c 'import json, socket' 2>/dev/null || skip "no usable $PY"
"$PY" - "$PORT" <<'EOF' || skip "UDP port $PORT in use"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
EOF

T=$(mktemp -d "${TMPDIR:-/tmp}/argolock.XXXXXX") || exit 1
# the unprivileged clients must reach the socket
chmod 0755 "$T"
PID=
failed=0

cleanup() {
	if [ -n "$PID" ]; then
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
		tail -n 40 "$T/a.log"
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
control "$T/a.sock" mode 0666
control-idle-timeout 2s
control-max-per-user 3
control-max-output 16M
pidfile "$T/a.pid"
dry-run yes
peer b address 127.0.0.1 port $((PORT + 1))
EOF
if ! "$ARGOD" -n -c "$T/a.conf" >"$T/n.out" 2>&1; then
	cat "$T/n.out"
	echo "FAIL: argod -n rejects the test config"
	exit 1
fi
grep -q '^control-idle-timeout 2s$' "$T/n.out" &&
    grep -q '^control-max-per-user 3$' "$T/n.out" &&
    pass "argod -n prints the limits" || fail "argod -n prints the limits"

"$ARGOD" -d -c "$T/a.conf" >"$T/a.log" 2>&1 &
PID=$!

cat >"$T/check.py" <<'EOF'
import json, os, select, socket, subprocess, sys, time

SOCK, ARGOCTL, LOG, PID = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
TIMEOUT = 2.0           # control-idle-timeout in a.conf
PER_USER = 3            # control-max-per-user in a.conf
MAX, RESERVED = 64, 4   # CTL_MAX_CLIENTS, CTL_RESERVED_CLIENTS
failed = 0


def ok(cond, what):
    global failed
    print("%s - %s" % ("ok" if cond else "not ok", what), flush=True)
    if not cond:
        failed = 1
    return cond


def rss_ok(cond, what):
    """A memory bound: under AddressSanitizer (ARGOD_SANITIZED=1) RSS
    counts the quarantine of freed memory (256 MB by default) and the
    shadow, so the bound is reported, not judged; the plain build
    judges it."""
    if os.environ.get("ARGOD_SANITIZED") == "1":
        print("ok - %s # SKIP under AddressSanitizer" % what, flush=True)
        return True
    return ok(cond, what)


def until(fn, timeout, what):
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            last = fn()
            if last:
                return last
        except (OSError, EOFError, ValueError) as e:
            last = e
        time.sleep(0.05)
    ok(False, "%s within %gs (last: %r)" % (what, timeout, last))
    return None


def connect():
    """A connection and its first line (banner or refusal)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(SOCK)
    f = s.makefile("rb")
    return s, f, json.loads(f.readline())


def busy_user(uid, n, keep, rd, wr):
    """
    Child: become uid, open n connections, report the first line of each
    through keep, then keep the accepted ones busy (a request every
    TIMEOUT/4, so the idle timeout does not free them) until rd ends.
    """
    pid = os.fork()
    if pid:
        return pid
    try:
        os.close(wr)
        os.setgid(uid)
        os.setuid(uid)
        held = []
        for _ in range(n):
            try:
                s, f, m = connect()
            except OSError as e:
                m = {"oserror": str(e)}
                s = f = None
            if m.get("ok") is False:
                m["eof"] = f.readline() == b""
                s.close()
            elif s is not None:
                held.append((s, f))
            os.write(keep, (json.dumps(m) + "\n").encode())
        os.write(keep, b"done\n")
        os.set_blocking(rd, False)
        while True:
            try:
                if os.read(rd, 1) == b"":
                    break
            except BlockingIOError:
                pass
            for s, f in held:
                s.sendall(b'{"cmd":"status"}\n')
                f.readline()
            time.sleep(TIMEOUT / 4)
    finally:
        os._exit(0)


def lines_of(r):
    f = os.fdopen(r, "rb")
    out = []
    for line in f:
        if line == b"done\n":
            break
        out.append(json.loads(line))
    return out


def lockout():
    # one user asks for far more than its share
    r, w = os.pipe()
    hold_r, hold_w = os.pipe()
    kids = [busy_user(20000, 20, w, hold_r, hold_w)]
    os.close(w)
    got = lines_of(r)
    acc = [m for m in got if m.get("argod")]
    ref = [m for m in got if m.get("ok") is False]
    ok(len(acc) == PER_USER and len(ref) == 20 - PER_USER,
       "one user: %d accepted, %d refused of 20" % (len(acc), len(ref)))
    ok(all(m.get("error") == "too many clients of this user" and m["eof"]
           for m in ref), "refusals say why, then close: %r" % ref[:1])

    # many users together take every slot but the reserved ones
    nusers = (MAX - RESERVED) // PER_USER + 2
    total_acc, total_ref = len(acc), []
    for k in range(1, nusers):
        r, w = os.pipe()
        kids.append(busy_user(20000 + k, PER_USER, w, hold_r, hold_w))
        os.close(w)
        got = lines_of(r)
        total_acc += len([m for m in got if m.get("argod")])
        total_ref += [m for m in got if m.get("ok") is False]
    ok(total_acc == MAX - RESERVED,
       "%d users hold %d connections (limit %d)" %
       (nusers, total_acc, MAX - RESERVED))
    ok(len(total_ref) > 0 and
       all(m.get("error") == "too many clients" for m in total_ref),
       "past that every user is refused: %r" % total_ref[:1])

    # the attackers stay busy past the idle timeout, and root gets in:
    # into the last reserved slot, the others held by root already
    time.sleep(TIMEOUT * 1.5)
    mine = []
    for _ in range(RESERVED - 1):
        s, f, m = connect()
        mine.append(s)
        ok(m.get("argod") is not None, "root takes reserved slot %d" %
           len(mine))
    t0 = time.monotonic()
    p = subprocess.run([ARGOCTL, "-s", SOCK, "-j", "status"],
                       capture_output=True, timeout=20)
    dt = time.monotonic() - t0
    ok(p.returncode == 0 and json.loads(p.stdout)["ok"] is True,
       "root's argoctl answers while other users hold every slot "
       "(%.0f ms, exit %d %r)" % (dt * 1000, p.returncode, p.stderr))

    def last_slot():
        s, f, m = connect()
        if m.get("argod") is None:
            s.close()
            return None
        return s
    s = until(last_slot, 10, "the last slot back after argoctl left")
    if s is not None:
        mine.append(s)
    s, f, m = connect()
    ok(m.get("ok") is False and m.get("error") == "too many clients",
       "past the total, root is refused too: %r" % m)
    s.close()
    for s in mine:
        s.close()

    os.close(hold_w)
    for k in kids:
        os.waitpid(k, 0)
    # every slot comes back
    until(lambda: len([1 for _ in range(PER_USER)
                       if connect()[2].get("argod")]) == PER_USER, 10,
          "slots back once the users left")


def idle():
    s, f, m = connect()
    ok(m.get("argod") is not None, "idle client accepted")
    mon, mf, _ = connect()
    mon.sendall(b'{"cmd":"monitor"}\n')
    ok(json.loads(mf.readline()).get("ok") is True, "monitor accepted")
    busy, bf, _ = connect()
    # a client that keeps asking is served past the timeout
    for i in range(4):
        time.sleep(TIMEOUT / 2)
        if i == 0:
            r, _, _ = select.select([s], [], [], 0)
            ok(not r, "nothing for the idle client before the timeout")
        busy.sendall(b'{"cmd":"status"}\n')
        ok(json.loads(bf.readline()).get("ok") is True,
           "a busy client is served after %gs" % ((i + 1) * TIMEOUT / 2))
    busy.close()
    line = f.readline()
    m = json.loads(line) if line else {}
    ok(m.get("ok") is False and m.get("error") == "idle timeout",
       "an idle client is told why: %r" % m)
    ok(f.readline() == b"", "then closed")
    s.close()
    # the monitor, quiet since it subscribed, still works
    mon.sendall(b'{"cmd":"status"}\n')
    ok(json.loads(mf.readline()).get("ok") is True,
       "a quiet monitor stays past the idle timeout")
    mon.close()


def stalled():
    """Asks and never reads: cut after the timeout, below max-output."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(SOCK)
    s.setblocking(False)
    n = 0
    end = time.monotonic() + 5
    # ~1 MB of replies: far below control-max-output 16M
    while n < 1000 and time.monotonic() < end:
        try:
            s.send(b'{"cmd":"status"}\n' * 50)
            n += 50
        except BlockingIOError:
            time.sleep(0.01)
    ok(until(lambda: "output not read, timed out" in open(LOG).read(),
             TIMEOUT * 5, "the stalled client is cut"),
       "the stalled client is logged")
    s.setblocking(True)
    s.settimeout(10)
    got = 0
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            got += d.count(b"\n")
    except ConnectionResetError:
        pass
    ok(got < n + 1, "its stream ends short: %d of %d lines" % (got, n + 1))
    s.close()


def rss_kb():
    for line in open("/proc/%s/status" % PID):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def nfds():
    return len(os.listdir("/proc/%s/fd" % PID))


def crowd_user(uid, n, keep, rd, wr):
    """Child: become uid, open n connections, send nothing, hold them."""
    pid = os.fork()
    if pid:
        return pid
    try:
        os.close(wr)
        os.setgid(uid)
        os.setuid(uid)
        held = []
        for _ in range(n):
            try:
                s, f, m = connect()
                held.append(s)
            except (OSError, ValueError) as e:
                m = {"oserror": str(e)}
            os.write(keep, (json.dumps(m) + "\n").encode())
        os.write(keep, b"done\n")
        os.read(rd, 1)
    finally:
        os._exit(0)


def crowd():
    """
    500 idle clients of 50 users: the daemon keeps at most 60 of them
    (CTL_MAX_CLIENTS less the slots kept for root), refuses the rest with
    an error line, holds no more descriptors than that, and root's
    argoctl answers at once.
    """
    rss0, fds0 = rss_kb(), nfds()
    hold_r, hold_w = os.pipe()
    kids, pipes, got = [], [], []
    t0 = time.monotonic()
    # all at once: 50 users connecting together
    for k in range(50):
        r, w = os.pipe()
        kids.append(crowd_user(21000 + k, 10, w, hold_r, hold_w))
        os.close(w)
        pipes.append(r)
    for r in pipes:
        got += lines_of(r)
    dt_open = time.monotonic() - t0
    acc = [m for m in got if m.get("argod")]
    ref = [m for m in got if m.get("ok") is False and
           m.get("error") in ("too many clients",
                              "too many clients of this user")]
    ok(len(got) == 500 and len(acc) + len(ref) == 500,
       "500 connections in %.1f s: %d accepted, %d refused with a "
       "reason, %d otherwise" % (dt_open, len(acc), len(ref),
                                 500 - len(acc) - len(ref)))
    # an idle one is cut after 2 s, so more than 60 may have come in
    ok(len(acc) >= MAX - RESERVED, "every slot but root's taken (%d)" %
       len(acc))
    fds = nfds()
    ok(fds <= fds0 + MAX, "argod holds %d descriptors (%d before, at most "
       "%d more)" % (fds, fds0, MAX))
    times = []
    for _ in range(5):
        t = time.monotonic()
        p = subprocess.run([ARGOCTL, "-s", SOCK, "-j", "status"],
                           capture_output=True, timeout=20)
        times.append((time.monotonic() - t) * 1000)
        if p.returncode != 0 or json.loads(p.stdout)["ok"] is not True:
            ok(False, "root's argoctl among 500 clients: exit %d %r" %
               (p.returncode, p.stderr))
            break
    # 100 ms is the aim (argod.8); a loaded test machine gets 2 s
    print("# argoctl status among 500 idle clients: %s ms" %
          " ".join("%.0f" % t for t in times), flush=True)
    ok(len(times) == 5 and max(times) < 2000,
       "root's argoctl answers among 500 idle clients (max %.0f ms)" %
       max(times))
    os.close(hold_w)
    for k in kids:
        os.waitpid(k, 0)
    os.close(hold_r)
    until(lambda: nfds() <= fds0 + 1, 10, "descriptors back once they left")
    rss = rss_kb()
    rss_ok(rss - rss0 < 8192, "RSS %d kB after the crowd (%d before)" %
           (rss, rss0))


def deaf_monitor():
    """
    A monitor that pipelines requests and never reads: cut when its queue
    passes control-max-output or makes no progress for the idle timeout,
    whichever comes first; the daemon's memory grows by no more than
    the limit, and the daemon keeps answering.
    """
    rss0 = rss_kb()
    pos = len(open(LOG).read())
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(SOCK)
    s.sendall(b'{"cmd":"monitor"}\n')
    s.setblocking(False)
    n, peak = 0, rss0
    t0 = time.monotonic()
    end = t0 + TIMEOUT * 5
    cut = False
    while time.monotonic() < end and not cut:
        try:
            s.send(b'{"cmd":"lsdb"}\n' * 64)
            n += 64
        except BlockingIOError:
            time.sleep(0.005)
        except (BrokenPipeError, ConnectionResetError):
            cut = True
        peak = max(peak, rss_kb())
    dt = time.monotonic() - t0
    ok(cut, "the deaf monitor is disconnected (after %.1f s, %d requests)" %
       (dt, n))
    def cut_line():
        for line in open(LOG).read()[pos:].splitlines():
            if "output not read, timed out" in line or \
                    "is not reading" in line:
                return line
        return None
    # the log line may fall to the rate limit after the crowd's refusals
    print("# log: %s" % cut_line(), flush=True)
    s.close()
    peak = max(peak, rss_kb())
    rss_ok(peak - rss0 < 16 * 1024 + 8192,
           "RSS peak %d kB, %d kB before (limit control-max-output 16M)" %
           (peak, rss0))
    p = subprocess.run([ARGOCTL, "-s", SOCK, "-j", "status"],
                       capture_output=True, timeout=20)
    ok(p.returncode == 0, "argoctl answers after the deaf monitor")


until(lambda: connect()[2].get("argod"), 10, "argod accepts")
lockout()
idle()
stalled()
crowd()
deaf_monitor()
sys.exit(failed)
EOF

if "$PY" "$T/check.py" "$T/a.sock" "$ARGOCTL" "$T/a.log" "$PID"; then
	:
else
	failed=1
fi
grep -q 'refused pid [0-9]* uid 20000: too many clients of this user' \
    "$T/a.log" && pass "refusals are logged with the uid" ||
    fail "refusals are logged with the uid"
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
