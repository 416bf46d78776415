#!/bin/sh
# SIGHUP and the reload command: a changed config is applied without
# dropping link state; a broken one is refused and the running config kept.
# Two daemons on loopback.
: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
exec "$PYTHON3" - <<'PY'
import datetime, json, os, re, signal, subprocess, sys, tempfile, time, shutil
sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests", "lib"))
from argolab import Ctl
from netlab import wait_for, WaitTimeout

B = os.environ["top_builddir"]
T = tempfile.mkdtemp(prefix="argod-reload-")
KEY = "11" * 32
PORTS = {"a": 47911, "b": 47912}
procs = {}
n = failed = 0

def ok(c, what):
    global n, failed
    n += 1
    failed += 0 if c else 1
    print("%sok %d - %s" % ("" if c else "not ", n, what), flush=True)

def conf(name, origins):
    other = "b" if name == "a" else "a"
    s = ['node %s' % name, 'listen 127.0.0.1 port %d' % PORTS[name],
         'key "%s"' % KEY, 'control "%s/%s.sock"' % (T, name),
         'pidfile "%s/%s.pid"' % (T, name),
         'peer %s address 127.0.0.1 port %d' % (other, PORTS[other])]
    for (o, p) in origins:
        s += ['origin %s {' % o, '\tprefix %s' % p, '\tegress b', '}']
    with open("%s/%s.conf" % (T, name), "w") as f:
        f.write("\n".join(s) + "\n")

def ctl(name, cmd):
    c = Ctl("%s/%s.sock" % (T, name))
    try:
        return c.cmd(cmd)
    finally:
        c.close()

try:
    conf("a", [("web", "192.0.2.0/24")])
    conf("b", [])
    for x in "ab":
        procs[x] = subprocess.Popen([os.path.join(B, "argod"), "-d", "-c",
                                     "%s/%s.conf" % (T, x)],
                                    stderr=open("%s/%s.log" % (T, x), "w"))
    wait_for(lambda: os.path.exists(T + "/a.sock") and
             ctl("a", "peers")["peers"][0]["state"] == "up", 15,
             what="a sees b up")
    wait_for(lambda: ctl("a", "routes")["routes"][0]["reachable"], 10,
             what="route")
    before = ctl("a", "peers")["peers"][0]
    time.sleep(1.5)

    # 1. SIGHUP with a new origin: applied, link state kept.
    conf("a", [("web", "192.0.2.0/24"), ("api", "198.51.100.0/24")])
    procs["a"].send_signal(signal.SIGHUP)
    try:
        wait_for(lambda: len(ctl("a", "routes")["routes"]) == 2 and
                 all(r["reachable"] for r in ctl("a", "routes")["routes"]),
                 10, what="new origin routed")
        ok(True, "SIGHUP applied the new origin")
    except WaitTimeout:
        ok(False, "SIGHUP applied the new origin")
    after = ctl("a", "peers")["peers"][0]
    ok(after["state"] == "up" and
       after["state_since_s"] >= before["state_since_s"] + 1.0,
       "link state kept across reload (up for %.1f s, was %.1f s)" %
       (after["state_since_s"], before["state_since_s"]))
    ok(after["probes_sent"] > before["probes_sent"] and
       after["rtt_min_ms"] is not None, "estimators kept")
    web = [r for r in ctl("a", "routes")["routes"] if r["origin"] == "web"][0]
    ok(web["since_s"] > 1.0, "unchanged route kept its age (%.1f s)"
       % web["since_s"])

    # 2. A broken config: refused, running config kept, daemon alive.
    with open(T + "/a.conf") as f:
        nlines = len(f.readlines())
    with open(T + "/a.conf", "a") as f:
        f.write("bogus-keyword 1\nprobe-interval 1 parsec\n")
    r = Ctl(T + "/a.sock").cmd("reload")
    ok(r.get("ok") is False and "error" in r,
       "reload of a broken config fails: %s" % r.get("error"))
    # the reply carries what argod -n prints, every file:line of it
    chk = subprocess.run([os.path.join(B, "argod"), "-n", "-c",
                          T + "/a.conf"], capture_output=True, text=True)
    want = [l for l in chk.stderr.splitlines() if l]
    err = r.get("error", "")
    ok(len(want) >= 2 and all(l in err.splitlines() for l in want) and
       ("a.conf:%d: unknown keyword" % (nlines + 1)) in err and
       ("a.conf:%d:" % (nlines + 2)) in err and "running config kept" in err,
       "reload error lists the file:line messages of argod -n: %r (want %r)"
       % (err, want))
    p = subprocess.run([os.path.join(B, "argoctl"), "-s", T + "/a.sock",
                        "reload"], capture_output=True, text=True)
    ok(p.returncode == 1 and ("a.conf:%d: unknown keyword" % (nlines + 1))
       in p.stderr, "argoctl reload prints them: %r" % p.stderr)
    procs["a"].send_signal(signal.SIGHUP)
    time.sleep(0.5)
    ok(procs["a"].poll() is None, "daemon still running after a bad SIGHUP")
    ok(len(ctl("a", "routes")["routes"]) == 2, "running config kept")
    log = open(T + "/a.log").read()
    ok("a.conf:" in log and "unknown keyword" in log,
       "the error names file:line")
    # foreground log lines start with an RFC 3339 UTC time to the ms
    lines = [l for l in log.splitlines() if "argod: " in l]
    stamped = [l for l in lines if re.match(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z argod: ", l)]
    ok(lines and len(stamped) == len(lines),
       "log lines are timestamped (%d of %d): %r" %
       (len(stamped), len(lines), lines[:2]))
    if stamped:
        t = datetime.datetime.strptime(stamped[-1][:23],
                                       "%Y-%m-%dT%H:%M:%S.%f")
        t = t.replace(tzinfo=datetime.timezone.utc)
        age = datetime.datetime.now(datetime.timezone.utc) - t
        ok(abs(age.total_seconds()) < 120, "the stamp is now, in UTC (%s)"
           % stamped[-1][:24])

    # 3. SIGTERM exits cleanly and removes the pidfile and socket.
    procs["a"].send_signal(signal.SIGTERM)
    rc = procs["a"].wait(10)
    ok(rc == 0, "SIGTERM: exit status %d" % rc)
    ok(not os.path.exists(T + "/a.pid") and not os.path.exists(T + "/a.sock"),
       "pidfile and socket removed")
finally:
    for p in procs.values():
        if p.poll() is None:
            p.kill()
            p.wait()
    shutil.rmtree(T, ignore_errors=True)
print("1..%d" % n)
print("# %d passed, %d failed" % (n - failed, failed))
sys.exit(1 if failed else 0)
PY
