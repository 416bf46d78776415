#!/bin/sh
# The systemd notification protocol (Type=notify): argod runs in the
# foreground with NOTIFY_SOCKET pointing at a datagram socket this test
# reads, as systemd would. Checks READY=1 only once the control socket is
# bound, STATUS= lines that follow the peers and routes, RELOADING=1 with
# MONOTONIC_USEC= then READY=1 around SIGHUP and the reload command,
# WATCHDOG=1 at half of WATCHDOG_USEC and only for the WATCHDOG_PID named,
# abstract '@' addresses, STOPPING=1, and a clear error for a bad address.
# Two daemons on loopback; needs no root.
: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
exec "$PYTHON3" - <<'PY'
import os, signal, socket, subprocess, sys, tempfile, time, shutil
sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests", "lib"))
from argolab import Ctl

B = os.environ["top_builddir"]
ARGOD = os.path.join(B, "argod")
T = tempfile.mkdtemp(prefix="argod-notify-")
KEY = "22" * 32
PORTS = {"a": 47921, "b": 47922}
procs = []
n = failed = 0

def ok(c, what):
    global n, failed
    n += 1
    failed += 0 if c else 1
    print("%sok %d - %s" % ("" if c else "not ", n, what), flush=True)

def conf(name, extra=""):
    other = "b" if name == "a" else "a"
    s = ['node %s' % name, 'listen 127.0.0.1 port %d' % PORTS[name],
         'key "%s"' % KEY, 'control "%s/%s.sock"' % (T, name),
         'pidfile "%s/%s.pid"' % (T, name),
         'peer %s address 127.0.0.1 port %d' % (other, PORTS[other]),
         'origin web-a {', '\tprefix 192.0.2.0/24', '\tegress a', '}',
         'origin web-b {', '\tprefix 198.51.100.0/24', '\tegress b', '}']
    with open("%s/%s.conf" % (T, name), "w") as f:
        f.write("\n".join(s) + "\n" + extra)

class Listener:
    """A datagram socket standing in for systemd's notify socket."""
    def __init__(self, addr):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.s.bind(addr if addr[0] != "@" else "\0" + addr[1:])
        self.msgs = []            # (monotonic time, {var: value}, raw)

    def read(self, timeout):
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            self.s.settimeout(left)
            try:
                raw = self.s.recv(4096).decode()
            except socket.timeout:
                return
            kv = dict(l.split("=", 1) for l in raw.split("\n") if l)
            self.msgs.append((time.monotonic(), kv, raw))
            return kv

    def wait(self, pred, timeout, what):
        """The first new message that satisfies pred, or None."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            kv = self.read(end - time.monotonic())
            if kv is not None and pred(kv):
                return kv
        print("# timed out waiting for %s; got: %r" %
              (what, [m[2] for m in self.msgs if "WATCHDOG" not in m[1]][-5:]))
        return None

def start(name, env, shell_pid=False):
    e = dict(os.environ)
    e.update(env)
    argv = [ARGOD, "-d", "-c", "%s/%s.conf" % (T, name)]
    if shell_pid:
        # exec keeps the shell's pid: WATCHDOG_PID=$$ names argod itself.
        argv = ["/bin/sh", "-c", 'WATCHDOG_PID=$$ exec "$@"', "sh"] + argv
    p = subprocess.Popen(argv, env=e,
                         stderr=open("%s/%s.log" % (T, name), "a"))
    procs.append(p)
    return p

def stop(p):
    p.send_signal(signal.SIGTERM)
    return p.wait(10)

try:
    conf("a")
    conf("b")
    # 1. Readiness, status, watchdog for our own pid.
    la = Listener(T + "/notify-a")
    env = {"NOTIFY_SOCKET": T + "/notify-a", "WATCHDOG_USEC": "400000"}
    pa = start("a", env, shell_pid=True)
    r = la.wait(lambda kv: "READY" in kv, 15, "READY=1")
    ok(r is not None and r["READY"] == "1", "READY=1 sent")
    bound = False
    try:
        c = Ctl(T + "/a.sock")
        c.close()
        bound = True
    except OSError as ex:
        print("# control socket: %s" % ex)
    ok(bound, "the control socket accepts connections once READY=1 is sent")
    st = (r or {}).get("STATUS", "")
    ok(st.startswith("node a: 0/1 peers up (0 congested), ") and
       st.endswith("/2 routes reachable"),
       "READY=1 carries a STATUS line: %r" % st)

    pb = start("b", {})
    s = la.wait(lambda kv: "1/1 peers up" in kv.get("STATUS", "") and
                "2/2 routes reachable" in kv.get("STATUS", ""), 20,
                "STATUS with the peer up")
    ok(s is not None, "STATUS follows the peer coming up: %r" %
       (s or {}).get("STATUS"))

    t0 = time.monotonic()
    while time.monotonic() < t0 + 2.0:
        la.read(t0 + 2.0 - time.monotonic())
    wd = [m[0] for m in la.msgs if m[0] >= t0 and "WATCHDOG" in m[1]]
    # 0.2 s apart over 2 s: 10 pings. A loaded machine runs timers late,
    # never early: fewer, never many more.
    ok(len(wd) >= 3 and len(wd) <= 12,
       "WATCHDOG=1 at half of WATCHDOG_USEC: %d pings in 2 s" % len(wd))
    # A link may flap on a loaded machine; a STATUS line is sent only when
    # it differs from the previous one, and at most once a second.
    st = [m[1]["STATUS"] for m in la.msgs if "STATUS" in m[1]]
    dup = [x for (i, x) in enumerate(st) if i > 0 and st[i - 1] == x]
    late = [m for m in la.msgs if m[0] >= t0 and "STATUS" in m[1]]
    ok(not dup and len(late) <= 3, "STATUS only on change: %d lines, %d "
       "repeated, %d in the last 2 s" % (len(st), len(dup), len(late)))

    # 2. SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1.
    before = time.clock_gettime(time.CLOCK_MONOTONIC) * 1e6
    pa.send_signal(signal.SIGHUP)
    r = la.wait(lambda kv: "RELOADING" in kv, 10, "RELOADING=1")
    after = time.clock_gettime(time.CLOCK_MONOTONIC) * 1e6
    ok(r is not None and r["RELOADING"] == "1", "SIGHUP: RELOADING=1")
    mono = int((r or {}).get("MONOTONIC_USEC", "0"))
    ok(before <= mono <= after, "MONOTONIC_USEC is CLOCK_MONOTONIC now "
       "(%d in [%d, %d])" % (mono, before, after))
    r = la.wait(lambda kv: "READY" in kv, 10, "READY=1 after reload")
    ok(r is not None, "READY=1 after the reload")

    # 3. The reload command, with a broken config: still RELOADING/READY.
    with open(T + "/a.conf", "a") as f:
        f.write("bogus-keyword 1\n")
    rep = Ctl(T + "/a.sock").cmd("reload")
    ok(rep.get("ok") is False, "a broken config is refused")
    r1 = la.wait(lambda kv: "RELOADING" in kv, 5, "RELOADING=1 (command)")
    r2 = la.wait(lambda kv: "READY" in kv, 5, "READY=1 (command)")
    ok(r1 is not None and r2 is not None,
       "the reload command: RELOADING=1, then READY=1 though it failed")
    conf("a")

    # 4. SIGTERM: STOPPING=1.
    r = None
    pa.send_signal(signal.SIGTERM)
    r = la.wait(lambda kv: "STOPPING" in kv, 10, "STOPPING=1")
    ok(r is not None and pa.wait(10) == 0, "SIGTERM: STOPPING=1, exit 0")

    # 5. An abstract address; WATCHDOG_PID of another process: no pings.
    name = "@argod-notify-test-%d" % os.getpid()
    lab = Listener(name)
    pa = start("a", {"NOTIFY_SOCKET": name, "WATCHDOG_USEC": "200000",
                     "WATCHDOG_PID": "1"})
    r = lab.wait(lambda kv: "READY" in kv, 15, "READY=1 (abstract)")
    ok(r is not None, "READY=1 to an abstract '@' address")
    t0 = time.monotonic()
    while time.monotonic() < t0 + 1.0:
        lab.read(t0 + 1.0 - time.monotonic())
    wd = [m for m in lab.msgs if "WATCHDOG" in m[1]]
    ok(len(wd) == 0, "no WATCHDOG=1 when WATCHDOG_PID names another "
       "process (%d sent)" % len(wd))
    stop(pa)

    # 6. A relative NOTIFY_SOCKET: a clear error, and argod still runs.
    open(T + "/a.log", "w").close()
    pa = start("a", {"NOTIFY_SOCKET": "relative/path",
                     "WATCHDOG_USEC": "bogus"})
    end = time.monotonic() + 15
    log = ""
    while time.monotonic() < end and "NOTIFY_SOCKET=" not in log:
        time.sleep(0.1)
        log = open(T + "/a.log").read()
    ok(pa.poll() is None and "NOTIFY_SOCKET=relative/path is neither" in
       log, "a relative NOTIFY_SOCKET is refused with a clear message")
    ok(stop(pa) == 0, "and argod runs on without notifying")
    stop(pb)
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    shutil.rmtree(T, ignore_errors=True)
print("1..%d" % n)
print("# %d passed, %d failed" % (n - failed, failed))
sys.exit(1 if failed else 0)
PY
