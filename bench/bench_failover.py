#!/usr/bin/python3
"""Failover benchmark: hard failure of a link on an active path.

Five argod PoPs in namespaces (the integration test's aws32 scenario). The
link carrying the most routes fails silently (every packet dropped, both
ways); the figure is the time from the failure until the last affected
route, on any PoP, has moved off it. Times come from the route events'
timestamps, which are the daemons' CLOCK_MONOTONIC, the same clock as this
script's time.monotonic(), so polling delays do not enter the figure.
Repeated ROUNDS times (default 5), restoring and reconverging in between.

    bench/bench_failover.py [ROUNDS]      (root; after make)
"""

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "lib"))
import argolab  # noqa: E402
from argolab import wait_for  # noqa: E402
from argolab import AWS5_REGIONS as REGIONS, AWS5_NAMES as NAMES  # noqa: E402


def uses(path, a, b):
    return bool(path) and any({path[k], path[k + 1]} == {a, b}
                              for k in range(len(path) - 1))


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    _, rtt = argolab.aws32(REGIONS)
    ov = argolab.Overlay(NAMES, rtt)
    moved, detect = [], []
    with ov:
        wait_for(lambda: len({ov.ctl(i, "status")["digest"]
                              for i in range(ov.n)}) == 1, 30,
                 what="convergence")
        # Past every link's settled-RTT advertisement (5 s after it came
        # up), which would otherwise move routes during round 1.
        time.sleep(6)
        use = {}
        for i in range(ov.n):
            for p in ov.routes(i).values():
                for k in range(len(p or []) - 1):
                    e = tuple(sorted((p[k], p[k + 1])))
                    use[e] = use.get(e, 0) + 1
        a, b = max(use, key=lambda e: (use[e], e))
        ia, ib = NAMES.index(a), NAMES.index(b)
        print("link %s-%s carries %d routes" % (a, b, use[(a, b)]))
        for r in range(rounds):
            affected = {(i, pfx) for i in range(ov.n)
                        for pfx, p in ov.routes(i).items() if uses(p, a, b)}
            mons = [argolab.Ctl(ov.sock(i)) for i in range(ov.n)]
            for c in mons:
                c.cmd("monitor")
            t0 = time.monotonic()
            ov.lab.fail_link(ia, ib)
            wait_for(lambda: not any(uses(p, a, b) for i in range(ov.n)
                                     for p in ov.routes(i).values()), 10,
                     interval=0.05, what="routes off the failed link")
            time.sleep(0.3)
            last, down = 0.0, 0.0
            for i, c in enumerate(mons):
                for ev in c.events():
                    if ev.get("event") == "route" and \
                            (i, ev["prefix"]) in affected:
                        last = max(last, ev["time"] - t0)
                    if ev.get("event") == "link" and ev["to"] == "down":
                        down = max(down, ev["time"] - t0)
                c.close()
            moved.append(last * 1000)
            detect.append(down * 1000)
            print("round %d: %d routes affected; link declared down after "
                  "%.0f ms; last route moved after %.0f ms" % (
                      r + 1, len(affected), down * 1000, last * 1000),
                  flush=True)
            ov.lab.restore_link(ia, ib)
            # Every affected route back, and past the link's settling: a
            # link back within 10 s of failing is advertised up after the
            # 1 s hold, and its settled RTT 5 s after it came up (argod.8).
            wait_for(lambda: all(uses(ov.routes(i).get(pfx), a, b)
                                 for (i, pfx) in affected), 30,
                     interval=0.2, what="routes back")
            time.sleep(6)
    print("link failure -> every route moved: min %.0f ms, median %.0f ms, "
          "max %.0f ms over %d rounds (default timers: probe-interval "
          "100ms, detect-multiplier 2, down-after 4)" % (min(moved), statistics.median(moved),
                                    max(moved), len(moved)))
    print("link failure -> declared down: median %.0f ms" %
          statistics.median(detect))
    return 0


if __name__ == "__main__":
    sys.exit(main())
