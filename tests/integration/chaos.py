#!/usr/bin/python3
"""A chaos run: five real argod PoPs in network namespaces (full mesh,
aws32 RTTs, forwarding on), and faults at random from a seed:

  fail      a link drops everything for 1 to 6 s;
  loss      a burst of 10 to 40 % loss on a link for 2 to 8 s;
  ramp      a link's delay climbs by 20 to 150 ms in steps over 2 to 6 s,
            then falls back;
  kill      kill -9 of a PoP's argod, restarted 1 to 5 s later;
  reload    SIGHUP to a PoP's argod.

Several faults overlap. Checked all along (every poll, about once a
second): every argod that was not killed runs (no crash); no sanitizer
report in any argod's log. At every quiet point (every --quiet-every
seconds the faults stop, every link is restored and every PoP runs):

  - every PoP's database is identical (the status digest) within
    --settle seconds;
  - every PoP's kernel state is its routes': in table 4242, one route of
    argod's protocol per prefix it routes over the overlay, with the
    next hop's address as the tunnel's destination, nothing else (no
    stale or duplicate route after a kill -9 and restart), and one policy
    rule per origin prefix;
  - memory is flat: a daemon's RSS grows by less than 4 MB between its
    first quiet point and its last (per run of the daemon).

The seed is printed; the same seed gives the same sequence of faults
(their timing on a loaded machine varies). The run stops by itself after
--duration seconds plus a last quiet point; the lab removes namespaces
and processes on any exit, failures and signals included.

  chaos.py [--duration S] [--seed N] [--quiet-every S] [--settle S]

`make chaos` runs it for 10 minutes; tests/test_chaos.sh runs 75 s in
make check.
"""

import argparse
import os
import random
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import argolab  # noqa: E402
import netlab  # noqa: E402
import tap  # noqa: E402
from argolab import AWS5_REGIONS as REGIONS, AWS5_NAMES as NAMES  # noqa: E402
from tap import check  # noqa: E402

SANITIZER = re.compile(r"AddressSanitizer|LeakSanitizer|"
                       r"UndefinedBehaviorSanitizer|runtime error:")
RSS_GROWTH_KB = 4096


class Chaos:
    def __init__(self, ov, rng, log):
        self.ov = ov
        self.rng = rng
        self.say = log
        self.pending = []       # (due, what, undo)
        self.down = set()       # PoPs killed, not yet restarted
        self.logs = []          # every argod log of the run
        self.rss = {}           # (pop, pid) -> [kB at each quiet point]
        self.crashed = []
        self.counts = {}
        self.base = {}          # (i, j) -> (delay i->j, delay j->i)
        self.busy = set()       # links with a fault on them
        self.sanitizer_seen = False

    # ------------------------------------------------------------ faults

    def links(self):
        return sorted(self.ov.lab.links)

    def free_link(self):
        free = [ln for ln in self.links() if ln not in self.busy]
        return self.rng.choice(free) if free else None

    def later(self, dt, what, undo):
        self.pending.append((time.monotonic() + dt, what, undo))

    def fault(self):
        kind = self.rng.choice(["fail", "fail", "loss", "loss", "ramp",
                                "kill", "reload", "reload"])
        dur = self.rng.uniform(1, 6)
        lab = self.ov.lab
        if kind in ("fail", "loss", "ramp"):
            ln = self.free_link()
            if ln is None:
                return
            i, j = ln
            self.busy.add(ln)
            if kind == "fail":
                lab.fail_link(i, j)

                def undo(i=i, j=j, ln=ln):
                    lab.restore_link(i, j)
                    self.busy.discard(ln)
                self.later(dur, "restore %s-%s" % self.pair(ln), undo)
            elif kind == "loss":
                pct = self.rng.uniform(10, 40)
                dur = self.rng.uniform(2, 8)
                lab.set_link(i, j, loss_pct=pct)

                def undo(i=i, j=j, ln=ln):
                    lab.set_link(i, j, loss_pct=0)
                    self.busy.discard(ln)
                self.later(dur, "loss off %s-%s" % self.pair(ln), undo)
                kind = "loss %.0f%%" % pct
            else:
                add = self.rng.uniform(20, 150)
                dur = self.rng.uniform(2, 6)
                steps = 4
                for k in range(1, steps + 1):
                    self.later(dur * k / (steps + 1), None,
                               lambda i=i, j=j, k=k: self.set_delay(
                                   i, j, add * k / steps))

                def undo(i=i, j=j, ln=ln):
                    self.set_delay(i, j, 0)
                    self.busy.discard(ln)
                self.later(dur, "ramp off %s-%s" % self.pair(ln), undo)
                kind = "ramp +%.0f ms" % add
            self.say("%s %s-%s for %.1f s" % ((kind,) + self.pair(ln) +
                                              (dur,)))
        elif kind == "kill":
            up = [i for i in self.ov.live() if i not in self.down]
            # keep at least three PoPs up
            if len(up) <= 3:
                return
            i = self.rng.choice(up)
            self.note_log(i)
            self.ov.kill_pop(i)
            self.down.add(i)
            self.say("kill -9 %s, restart in %.1f s" % (NAMES[i], dur))
            self.later(dur, "restart %s" % NAMES[i],
                       lambda i=i: self.restart(i))
        else:
            up = [i for i in self.ov.live() if i not in self.down]
            i = self.rng.choice(up)
            self.ov.argod[i].send_signal(signal.SIGHUP)
            self.say("SIGHUP %s" % NAMES[i])
        key = kind.split()[0]
        self.counts[key] = self.counts.get(key, 0) + 1

    def pair(self, ln):
        return (NAMES[ln[0]], NAMES[ln[1]])

    def set_delay(self, i, j, add):
        lab = self.ov.lab
        if (i, j) not in self.base:
            self.base[(i, j)] = (lab.link_params(i, j)["delay_ms"],
                                 lab.link_params(j, i)["delay_ms"])
        a, b = self.base[(i, j)]
        lab.set_link(i, j, delay_ms=a + add / 2, direction="i2j")
        lab.set_link(i, j, delay_ms=b + add / 2, direction="j2i")

    def restart(self, i):
        self.ov.start_pop(i)
        self.down.discard(i)
        self.note_log(i)

    def note_log(self, i):
        p = self.ov.argod[i]
        if p is not None and p.log_path not in self.logs:
            self.logs.append(p.log_path)

    def run_due(self, now, all_=False):
        keep = []
        for due, what, undo in sorted(self.pending, key=lambda x: x[0]):
            if all_ or due <= now:
                undo()
                if what:
                    self.say(what)
            else:
                keep.append((due, what, undo))
        self.pending = keep

    # -------------------------------------------------------- invariants

    def poll(self):
        """No crash, no sanitizer report; True while both hold."""
        for i in range(self.ov.n):
            p = self.ov.argod[i]
            if i in self.down or p is None:
                continue
            self.note_log(i)
            if p.poll() is not None:
                self.crashed.append((NAMES[i], p.returncode))
                self.say("argod on %s exited %s" % (NAMES[i], p.returncode))
                # keep going with it restarted: the run reports it
                self.restart(i)
        if not self.sanitizer_seen:
            for path in self.logs:
                try:
                    with open(path, errors="replace") as f:
                        if SANITIZER.search(f.read()):
                            self.sanitizer_seen = path
                except OSError:
                    pass
        return not self.crashed and not self.sanitizer_seen

    def rss_kb(self, i):
        pid = self.ov.argod[i].pid
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return None

    def kernel_ok(self, i):
        """PoP i's table 4242 and rules against its routes; a reason, or
        None when they agree."""
        ov = self.ov
        want = {}
        for r in ov.ctl(i, "routes")["routes"]:
            if not r["reachable"] or r["next_hop"] == NAMES[i] or \
                    r.get("egress") == NAMES[i]:
                continue
            want[r["prefix"]] = ov.lab.pop_addr(NAMES.index(r["next_hop"]))
        got = ov.kernel_routes(i)
        dsts = [r["dst"] for r in got]
        if len(dsts) != len(set(dsts)):
            return "duplicate routes: %s" % got
        have = {r["dst"]: r.get("encap_dst") for r in got}
        if have != want:
            return "kernel %s, argod %s" % (have, want)
        rules = ["%s/%s" % (r.get("dst"), r.get("dstlen"))
                 for r in ov.kernel_rules(i)]
        prefixes = sorted(o[1] for o in ov.origins)
        if sorted(rules) != prefixes:
            return "rules %s, origins %s" % (sorted(rules), prefixes)
        return None

    def quiet(self, settle, label):
        """Everything restored; then the databases, the kernels and
        memory."""
        self.run_due(0, all_=True)
        for i in sorted(self.down):
            self.restart(i)
        self.busy.clear()
        t0 = time.monotonic()
        seen = []

        def settled():
            # every link back up at both ends, and one database twice in
            # a row a second apart (not a moment of agreement mid-flood)
            for i in range(self.ov.n):
                for p in self.ov.ctl(i, "peers")["peers"]:
                    if p["state"] == "down":
                        return False
            d = self.ov.digests()
            seen.append(d)
            if len(d) != 1:
                return False
            if len(seen) >= 2 and seen[-2] == d:
                return True
            time.sleep(1)
            return False
        try:
            netlab.wait_for(settled, settle, interval=0.2,
                            what="databases agree")
            agreed = time.monotonic() - t0
        except netlab.WaitTimeout:
            agreed = None
        check(agreed is not None, "%s: every link up, every database "
              "identical (%s)" % (label, "after %.1f s" % agreed
                                  if agreed is not None else
                                  "not within %g s: %s" % (
                                      settle, seen[-1:])))
        why = {}

        def kernels():
            why.clear()
            for i in range(self.ov.n):
                w = self.kernel_ok(i)
                if w:
                    why[NAMES[i]] = w
            return not why
        try:
            netlab.wait_for(kernels, settle, interval=0.5,
                            what="kernel state")
        except netlab.WaitTimeout:
            pass
        nr = sum(len(self.ov.kernel_routes(i)) for i in range(self.ov.n))
        check(not why and nr > 0, "%s: kernel routes (%d in all) and rules "
              "are the routes', no stale or duplicate" % (label, nr),
              "\n".join(
                  "%s: %s" % kv for kv in sorted(why.items())))
        for i in range(self.ov.n):
            key = (i, self.ov.argod[i].pid)
            self.rss.setdefault(key, []).append(self.rss_kb(i))
        return agreed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=75,
                    help="seconds of faults (default 75)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--quiet-every", type=float, default=25,
                    help="seconds of faults between quiet points")
    ap.add_argument("--settle", type=float, default=30,
                    help="seconds a quiet point may take to agree")
    ap.add_argument("--gap", type=float, nargs=2, default=(0.5, 3.0),
                    metavar=("MIN", "MAX"),
                    help="seconds between faults (uniform)")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else \
        int.from_bytes(os.urandom(4), "big")
    print("# chaos: seed %d (--seed %d repeats the sequence), %g s of "
          "faults, a quiet point every %g s" % (seed, seed, args.duration,
                                                args.quiet_every))
    sys.stdout.flush()
    rng = random.Random(seed)
    t_start = time.monotonic()

    def log(msg):
        print("# %7.1f %s" % (time.monotonic() - t_start, msg))
        sys.stdout.flush()

    # Bounded whatever happens: faults, quiet points and their waits.
    budget = args.duration + (args.duration / args.quiet_every + 2) * \
        (2 * args.settle + 30) + 60
    signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(
        netlab.LabError("chaos run over its time budget of %.0f s" %
                        budget)))
    signal.alarm(int(budget))

    names, rtt = argolab.aws32(REGIONS)
    ov = argolab.Overlay(NAMES, rtt, seed=seed)
    ch = Chaos(ov, rng, log)
    agreed = []
    with ov:
        for i in range(ov.n):
            ch.note_log(i)
        agreed.append(ch.quiet(args.settle, "start"))
        end = time.monotonic() + args.duration
        nquiet = 1
        next_quiet = time.monotonic() + args.quiet_every
        next_fault = time.monotonic()
        ok_so_far = True
        while time.monotonic() < end and ok_so_far:
            now = time.monotonic()
            ch.run_due(now)
            if now >= next_fault:
                ch.fault()
                next_fault = now + rng.uniform(*args.gap)
            if now >= next_quiet:
                agreed.append(ch.quiet(args.settle, "quiet %d" % nquiet))
                nquiet += 1
                next_quiet = time.monotonic() + args.quiet_every
                next_fault = time.monotonic()
            ok_so_far = ch.poll()
            time.sleep(0.2)
        agreed.append(ch.quiet(args.settle, "end"))
        ch.poll()
        check(not ch.crashed, "no argod crashed (%s)" % (
            ", ".join("%s exit %s" % c for c in ch.crashed) or "none"))
        check(not ch.sanitizer_seen, "no sanitizer report in %d logs%s" % (
            len(ch.logs), (": " + ch.sanitizer_seen) if ch.sanitizer_seen
            else ""))
        grew = []
        samples = 0
        for (i, pid), v in sorted(ch.rss.items()):
            v = [x for x in v if x is not None]
            if len(v) >= 2:
                samples += 1
                if v[-1] - v[0] >= RSS_GROWTH_KB:
                    grew.append("%s pid %d: %s kB" % (NAMES[i], pid, v))
        what = "memory flat: RSS grows < %d kB between quiet points " \
            "(%d daemons sampled)" % (RSS_GROWTH_KB, samples)
        if tap.sanitized():
            # ASan's quarantine alone holds up to 256 MB of freed memory
            tap.skip(what, "under AddressSanitizer (%s)" % (
                "; ".join(grew) or "flat anyway"))
        else:
            check(not grew, what, "\n".join(grew))
        if ch.crashed or ch.sanitizer_seen:
            for path in ch.logs:
                print("# --- %s" % path)
                try:
                    with open(path, errors="replace") as f:
                        for line in f.read().splitlines()[-30:]:
                            print("#   " + line)
                except OSError:
                    pass
    signal.alarm(0)
    a = [x for x in agreed if x is not None]
    print("# faults: %s; %d quiet points, databases agreed after %s s "
          "(max %.1f); %.0f s in all; seed %d" % (
              ", ".join("%s %d" % kv for kv in sorted(ch.counts.items())),
              len(agreed), " ".join("%.1f" % x for x in a),
              max(a) if a else -1, time.monotonic() - t_start, seed))
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
