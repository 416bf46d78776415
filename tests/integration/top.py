#!/usr/bin/python3
"""argo-top against five real argod PoPs in network namespaces (the aws32
regions of overlay5.py), driven headless under tmux at 80x24 and 200x50.

  1. peers and routes appear, and agree with the daemon;
  2. a congested link is shown as congested (Peers, Matrix, Routes);
  3. the route change it causes is shown (Events, Routes);
  4. resizing keeps a sane screen, down to "too small" and back;
  5. the watched daemon is killed and restarted: argo-top shows
     "disconnected", then data again, and never exits;
  6. q, Ctrl-C and SIGTERM end it with the terminal restored;
  7. batch mode prints the same data as text, exits 2 without a daemon.

Every check polls the captured screen with a deadline; nothing is asserted
after a blind sleep. The lab removes its namespaces and daemons on any
exit, and the tmux server (a private socket) is killed in a finally.
"""

import atexit
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import argolab  # noqa: E402
import tap  # noqa: E402
from argolab import wait_for, WaitTimeout  # noqa: E402
from argolab import AWS5_REGIONS as REGIONS, AWS5_NAMES as NAMES  # noqa: E402

ARGOTOP = os.path.join(argolab.BUILD, "argo-top")
UTF8 = {"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}


def check(cond, what, screen=None):
    """A result; a failed one shows the screen it saw."""
    return tap.check(cond, what, None if screen is None else "\n".join(
        "|" + ln for ln in screen.splitlines()))


class Tmux:
    """A private tmux server; one session per argo-top."""

    def __init__(self, tmp):
        # a socket of our own, removed with tmp: tmux leaves it behind
        self.sock = os.path.join(tmp, "tmux")
        self.tmp = tmp
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("TMUX")}
        self.env.update(UTF8)
        self.env["TERM"] = "xterm-256color"
        self.pids = {}

    def tmux(self, *args, check=True):
        r = subprocess.run(["tmux", "-u", "-S", self.sock] + list(args),
                           env=self.env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=20)
        if check and r.returncode != 0:
            raise RuntimeError("tmux %s: %s" % (" ".join(args),
                                                r.stderr.strip()))
        return r.stdout

    def start(self, name, argv, w, h):
        """argo-top in a new session; the pane stays after it exits and
        then says how it ended."""
        pidfile = os.path.join(self.tmp, name + ".pid")
        # stderr apart: a sanitizer report on the screen would be lost
        inner = "echo $$ > %s; exec env LC_ALL=C.UTF-8 %s 2>%s" % (
            shlex.quote(pidfile), " ".join(shlex.quote(a) for a in argv),
            shlex.quote(os.path.join(self.tmp, name + ".err")))
        # the pane's shell shares argo-top's process group: it must
        # survive the Ctrl-C sent to argo-top (a trapped signal is reset
        # to the default in the child)
        cmd = ("trap : INT; sh -c %s; echo \"argo-top exited $?\"; "
               "exec sleep 3600" % shlex.quote(inner))
        self.tmux("new-session", "-d", "-s", name, "-x", str(w), "-y",
                  str(h), cmd)
        self.pids[name] = int(wait_for(lambda: open(pidfile).read().strip(),
                                       10, what="argo-top's pid"))
        return self.pids[name]

    def screen(self, name):
        return self.tmux("capture-pane", "-p", "-t", name)

    def keys(self, name, *keys):
        self.tmux("send-keys", "-t", name, *keys)

    def resize(self, name, w, h):
        self.tmux("resize-window", "-t", name, "-x", str(w), "-y", str(h))

    def pane(self, name, fmt):
        return self.tmux("display-message", "-p", "-t", name, fmt).strip()

    def alive(self, name):
        try:
            os.kill(self.pids[name], 0)
            return True
        except ProcessLookupError:
            return False

    def stderr(self):
        """What the argo-tops wrote on stderr: {session: text}."""
        out = {}
        for name in self.pids:
            try:
                with open(os.path.join(self.tmp, name + ".err")) as f:
                    out[name] = f.read()
            except OSError:
                out[name] = ""
        return out

    def stop(self):
        self.tmux("kill-server", check=False)
        # the panes get SIGHUP; make sure every argo-top is gone
        deadline = time.monotonic() + 5
        for pid in self.pids.values():
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
            else:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def expect(tm, name, pred, timeout, what):
    """Polls the screen of a session until pred(screen) is true."""
    last = [""]

    def poll():
        last[0] = tm.screen(name)
        return pred(last[0])
    try:
        wait_for(poll, timeout, interval=0.1, what=what)
        return check(True, what)
    except WaitTimeout:
        return check(False, what, last[0])


def lines(screen):
    return screen.split("\n")


def row(screen, pattern):
    """The first line matching pattern (a regex), or None."""
    for ln in lines(screen):
        if re.search(pattern, ln):
            return ln
    return None


def peers_up(screen, names):
    return all(row(screen, r"^%s\s+up\s+\d" % re.escape(n))
               for n in names)


def sane(screen, w, h, body):
    """A screen of at most w x h with the title, tab and status bars where
    they belong and body (a regex) somewhere in between."""
    ls = lines(screen.rstrip("\n"))
    return (len(ls) <= h and all(len(x) <= w for x in ls) and
            ls[0].startswith(" argo-top") and "1 Peers" in ls[1] and
            len(ls) == h and re.search(r"connected ·", ls[-1]) and
            any(re.search(body, x) for x in ls[2:-1]))


def path_str(path):
    return ">".join(path)


def batch(ov, i, *args, env=None):
    e = dict(os.environ)
    e.update(env or UTF8)
    return subprocess.run([ARGOTOP, "-b", "-s", ov.sock(i)] + list(args),
                          env=e, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=60)


def main():
    names, rtt = argolab.aws32(REGIONS)
    ov = argolab.Overlay(NAMES, rtt)
    tmp = tempfile.mkdtemp(prefix="argotop.")
    tm = Tmux(tmp)
    # atexit runs these last first: tmux goes, then its directory
    atexit.register(shutil.rmtree, tmp, True)
    atexit.register(tm.stop)
    try:
        with ov:
            run(ov, tm)
    finally:
        tm.stop()
    return tap.done()


def run(ov, tm):
    w = 0   # the watched PoP
    others = [n for n in NAMES if n != NAMES[w]]
    # What argo-top shows is compared with what the daemon says at the
    # time, not with an offline computation: that is overlay5.py's job,
    # and a loaded machine can make measured RTTs wander.
    wait_for(lambda: all(p for i in range(ov.n)
                         for p in ov.routes(i).values()), 40, interval=0.2,
             what="every PoP to reach every origin")
    # The link to congest: a direct route of the watched PoP, the one
    # carrying the most of its routes, so that congesting it moves routes.
    routes = ov.routes(w)
    direct = [p[1] for p in routes.values() if p and len(p) == 2]
    b = max(direct, key=lambda n: (sum(1 for p in routes.values()
                                       if p and len(p) > 1 and p[1] == n),
                                   n))
    ib = NAMES.index(b)
    prefix_b = next(pfx for pfx, p in routes.items() if p == [NAMES[w], b])
    origin_b = "o-%s" % b
    print("# watching %s; will congest %s-%s (route %s %s)" % (
        NAMES[w], NAMES[w], b, origin_b, prefix_b))

    small = tm.start("small", [ARGOTOP, "-s", ov.sock(w)], 80, 24)
    big = tm.start("big", [ARGOTOP, "-s", ov.sock(w), "-d", "0.5"], 200, 50)
    print("# argo-top pids: 80x24 %d, 200x50 %d" % (small, big))

    # 1. Peers and routes appear.
    for s in ("small", "big"):
        expect(tm, s, lambda x: peers_up(x, others), 15,
               "%s: every peer listed as up" % s)
    expect(tm, "small", lambda x: sane(x, 80, 24, r"^NAME"), 5,
           "small: a sane 80x24 screen")
    expect(tm, "big", lambda x: sane(x, 200, 50, r"^NAME"), 5,
           "big: a sane 200x50 screen")
    expect(tm, "big", lambda x: len(re.findall(
        r"[\u2581-\u2588]", row(x, r"^%s\s" % b) or "")) >= 3, 15,
        "big: RTT sparklines fill in (UTF-8)")
    tm.keys("small", "3")
    tm.keys("big", "r")
    for s in ("small", "big"):
        expect(tm, s, lambda x: routes_shown(x, ov, w), 10,
               "%s: every route shown with the daemon's path" % s)
    expect(tm, "big", lambda x: row(x, r"^ORIGIN.*PREFIX.*RUNNER-UP.*"
                                    r"LOST BY") is not None, 5,
           "big: Routes shows prefix, runner-up and why it lost")

    # 2. Congest the link: +30 ms each way.
    ov.lab.set_link(w, ib, delay_ms=ov.rtt[w][ib] / 2 + 30, direction="i2j")
    ov.lab.set_link(w, ib, delay_ms=ov.rtt[ib][w] / 2 + 30, direction="j2i")
    tm.keys("small", "1")
    expect(tm, "small", lambda x: row(x, r"^%s\s+congested\s+\d" % b), 30,
           "small: Peers shows %s congested" % b)
    tm.keys("big", "2")
    expect(tm, "big", lambda x: re.search(
        r"^%s\s.*\d\*" % NAMES[w], x, re.M) is not None, 15,
        "big: Matrix marks the congested link with *")

    # 3. The route change is shown.
    wait_for(lambda: ov.routes(w)[prefix_b] != [NAMES[w], b], 20,
             interval=0.2, what="the route off the congested link")
    print("# %s now takes %s" % (origin_b,
                                 path_str(ov.routes(w)[prefix_b])))
    tm.keys("small", "4")
    moved = r"route\s+%s\s+%s [\d.]+ms\*? \u2192 (\S+) [\d.]+ms" % (
        re.escape(origin_b), re.escape(NAMES[w] + ">" + b))
    expect(tm, "small", lambda x: any(
        not uses_link(p.split(">"), NAMES[w], b)
        for p in re.findall(moved, x)), 15,
        "small: Events shows %s moving off %s-%s" % (origin_b, NAMES[w], b))
    expect(tm, "small", lambda x: re.search(
        r"link\s+%s\s+up \u2192 congested" % b, x) is not None, 5,
        "small: Events shows the link going congested")
    tm.keys("big", "3")
    expect(tm, "big", lambda x: re.search(
        r"^%s\s+\S+\s+%s\s.*\*" % (
            re.escape(origin_b), re.escape(path_str(
                ov.routes(w)[prefix_b]))), x, re.M) is not None, 15,
        "big: Routes shows the new path and the congested direct link")

    # 4. Resize.
    tm.keys("small", "1")
    tm.resize("small", 200, 50)
    expect(tm, "small", lambda x: sane(x, 200, 50, r"^%s\s+congested" % b)
           and len(lines(x)[0].rstrip()) > 150, 10,
           "small: resized to 200x50, a sane screen")
    tm.resize("small", 30, 8)
    expect(tm, "small", lambda x: "terminal too small" in x, 10,
           "small: at 30x8 it says the terminal is too small")
    tm.resize("small", 80, 24)
    expect(tm, "small", lambda x: sane(x, 80, 24, r"^%s\s+congested" % b),
           10, "small: back to 80x24, a sane screen")
    for view, pat in (("2", r"^rtt\s+\S"), ("3", r"^ORIGIN"),
                      ("4", r"^TIME\s+EVENT"), ("?", r"Any key closes"),
                      ("x", r"^TIME\s+EVENT")):
        tm.keys("small", view)
        expect(tm, "small", lambda x, p=pat: sane(x, 80, 24, p), 10,
               "small: key %s at 80x24 shows %s" % (view, pat))

    # Restore the link so that the reconnection sees a calm overlay.
    ov.lab.set_link(w, ib, delay_ms=ov.rtt[w][ib] / 2, direction="i2j")
    ov.lab.set_link(w, ib, delay_ms=ov.rtt[ib][w] / 2, direction="j2i")
    tm.keys("small", "1")
    expect(tm, "small", lambda x: peers_up(x, others), 40,
           "small: %s back up after the restore" % b)

    # 5. Reconnect: the watched daemon dies and comes back.
    tm.keys("big", "1")
    ov.kill_pop(w)
    for s in ("small", "big"):
        expect(tm, s, lambda x: re.search(
            r"disconnected \u2014 retrying in [\d.]+s", lines(x.rstrip(
                "\n"))[-1]) is not None and "DISCONNECTED" in lines(x)[0],
            10, "%s: shows disconnected, retrying" % s)
    ov.start_pop(w)
    for s in ("small", "big"):
        expect(tm, s, lambda x: re.search(r"^ connected ·", lines(
            x.rstrip("\n"))[-1]) is not None and peers_up(x, others) and
            "DISCONNECTED" not in x, 30,
            "%s: reconnected, peers up again" % s)
        check(tm.alive(s) and "argo-top exited" not in tm.screen(s),
              "%s: the same argo-top process throughout" % s)
    tm.keys("small", "4")
    expect(tm, "small", lambda x: re.search(
        r"argo-top\s+disconnected: .*\n(.*\n)*.*argo-top\s+connected to %s"
        % NAMES[w], x) is not None, 5,
        "small: Events logs the disconnection and the reconnection")

    # 6. Every exit restores the terminal.
    for s, how, status in (("small", "q", 0), ("big", "C-c", 130)):
        check(tm.pane(s, "#{alternate_on}") == "1",
              "%s: drawing on the alternate screen" % s)
        tm.keys(s, how)
        expect(tm, s, lambda x, st=status: "argo-top exited %d" % st in x,
               10, "%s: %s exits with status %d" % (s, how, status))
        check(tm.pane(s, "#{alternate_on} #{cursor_flag}") == "0 1",
              "%s: terminal restored (normal screen, cursor shown)" % s)
    pid = tm.start("term", [ARGOTOP, "-s", ov.sock(w)], 80, 24)
    expect(tm, "term", lambda x: peers_up(x, others), 15,
           "term: peers up")
    os.kill(pid, signal.SIGTERM)
    expect(tm, "term", lambda x: "argo-top exited 143" in x, 10,
           "term: SIGTERM ends it (dies of the signal)")
    check(tm.pane("term", "#{alternate_on} #{cursor_flag}") == "0 1",
          "term: terminal restored after SIGTERM")

    # 7. Batch mode.
    r = batch(ov, w, "-w", "120")
    out = r.stdout
    check(r.returncode == 0 and all(
        re.search(r"^%s$" % v, out, re.M)
        for v in ("Peers", "Matrix", "Routes", "Events", "Tiers")),
        "batch: exit 0, every view printed (rc %d)" % r.returncode)
    # every origin has one egress: this PoP asks it, or is it (once the
    # daemon, restarted above, has its routes again)
    def tiers_shown():
        r = batch(ov, w, "-v", "tiers", "-w", "120")
        lower = [ln for ln in r.stdout.splitlines()
                 if re.match(r"^o-(\S+) +smart +\1 +lower +\1 ", ln)]
        return (r.returncode == 0 and len(lower) == len(others) and
                re.search(r"^o-%s +smart +%s +upper " % (NAMES[w],
                                                         NAMES[w]),
                          r.stdout, re.M))
    try:
        wait_for(tiers_shown, 15, interval=0.5, what="batch tiers")
        check(True, "batch: -v tiers shows this PoP upper for its own "
              "origin, lower (asking the egress) for the others")
    except WaitTimeout:
        check(False, "batch: -v tiers shows this PoP upper for its own "
              "origin, lower (asking the egress) for the others",
              batch(ov, w, "-v", "tiers", "-w", "120").stdout)
    check(peers_up(out, others), "batch: every peer up")
    # a route may move between the two looks: look again, a few times
    try:
        wait_for(lambda: routes_shown(batch(ov, w, "-w", "120",
                                            "-v", "routes").stdout, ov, w,
                                      prefix=True), 10, interval=0.2,
                 what="batch routes")
        check(True, "batch: routes, with prefixes, match the daemon's")
    except WaitTimeout:
        check(False, "batch: routes, with prefixes, match the daemon's")
    r = batch(ov, w, "-v", "routes", "-w", "80",
              env={"LC_ALL": "C", "LANG": "C"})
    check(r.returncode == 0 and "Routes" in r.stdout and
          "Peers" not in r.stdout and r.stdout.isascii(),
          "batch: -v routes in the C locale is plain ASCII, one view")
    r = batch(ov, w, "-n", "3", "-d", "0.2", "-v", "peers")
    check(r.returncode == 0 and len(re.findall(
        r"[\u2581-\u2588]", row(r.stdout, r"^%s\s" % b) or "")) == 3,
        "batch: -n 3 draws three samples of history")
    # Nothing on stderr: no warnings, no sanitizer reports.
    errs = {k: v for k, v in tm.stderr().items() if v.strip()}
    for k, v in errs.items():
        for ln in v.splitlines()[:40]:
            print("# %s stderr: %s" % (k, ln))
    check(not errs, "argo-top wrote nothing on stderr")

    r = subprocess.run([ARGOTOP, "-b", "-s", ov.sock(w) + ".nonexistent"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=30)
    check(r.returncode == 2 and "is argod running?" in r.stderr,
          "batch: exit 2 without a daemon (%s)" % r.stderr.strip())


def uses_link(path, a, b):
    return any({path[k], path[k + 1]} == {a, b}
               for k in range(len(path) - 1))


def routes_shown(screen, ov, i, prefix=False):
    """Every route of PoP i through another PoP is on the screen with the
    path the daemon holds now (and its prefix, or any prefix column)."""
    origin = {pfx: name for (name, pfx, egress) in ov.origins}
    for pfx, p in ov.routes(i).items():
        if not p or len(p) < 2:
            continue
        col = re.escape(pfx) + r"\s+" if prefix else r"(\S+\s+)?"
        pat = r"^%s\s+%s%s\s" % (re.escape(origin[pfx]), col,
                                 re.escape(path_str(p)))
        if row(screen, pat) is None:
            return False
    return True


if __name__ == "__main__":
    sys.exit(main())
