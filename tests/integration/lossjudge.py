#!/usr/bin/env python3
"""lossjudge: random loss under the threshold is neither congestion nor
death, loss above it is congestion (issue 13, item 3; argod.conf(5),
CONGESTION and detect-multiplier).

Five argod PoPs in network namespaces (aws32's us-east-2, us-east-1,
ca-central-1, eu-west-1, eu-south-2), the 5 % default threshold.

  1. For --quiet seconds (120 by default): 3 % loss one way on the two
     busiest links (one direction each) and 1.5 % each way on a third.
     No link event at any PoP may say congested or down.
  2. Then 8 % one way on the busiest link: it is congested at the end
     that sees the loss within --congest seconds (180; the documented
     median is about 430 probes, 43 s at the fast rate).

The figures (per link: the loss the PoPs measured, the silence
detection time they chose) are printed as comments. Exit 0 pass,
1 fail; run as root (tests/test_lossjudge.sh skips otherwise).
"""

import argparse
import os
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


def uses(path, a, b):
    return any({path[k], path[k + 1]} == {a, b}
               for k in range(len(path) - 1))


def busiest(ov):
    """The links by the number of routes across them, busiest first."""
    use = {}
    for i in range(ov.n):
        for r in ov.ctl(i, "routes")["routes"]:
            p = r.get("path") or []
            for k in range(len(p) - 1):
                e = frozenset((p[k], p[k + 1]))
                use[e] = use.get(e, 0) + 1
    return sorted(use, key=lambda e: (-use[e], sorted(e))), use


def peer(ov, i, name):
    for p in ov.ctl(i, "peers")["peers"]:
        if p["name"] == name:
            return p
    raise netlab.LabError("%s has no peer %s" % (NAMES[i], name))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quiet", type=float, default=120,
                    help="seconds of loss under the threshold")
    ap.add_argument("--congest", type=float, default=180,
                    help="seconds 8 %% loss may take to read congested")
    args = ap.parse_args()
    signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(
        netlab.LabError("lossjudge over its time budget")))
    signal.alarm(int(args.quiet + args.congest + 240))

    names, rtt = argolab.aws32(REGIONS)
    ov = argolab.Overlay(NAMES, rtt)
    with ov:
        def settled():
            for i in range(ov.n):
                for p in ov.ctl(i, "peers")["peers"]:
                    if p["state"] != "up":
                        return False
            return len(ov.digests()) == 1
        tap.expect(settled, 60, "every link up, every database identical")
        time.sleep(3)
        order, use = busiest(ov)
        (a1, b1), (a2, b2), (a3, b3) = [sorted(e) for e in order[:3]]
        ia1, ib1 = NAMES.index(a1), NAMES.index(b1)
        ia2, ib2 = NAMES.index(a2), NAMES.index(b2)
        ia3, ib3 = NAMES.index(a3), NAMES.index(b3)
        print("# links by routes across: %s" % ", ".join(
            "%s-%s %d" % (tuple(sorted(e)) + (use[e],)) for e in order))

        mons = [argolab.Ctl(ov.sock(i)) for i in range(ov.n)]
        for c in mons:
            c.cmd("monitor")
        ov.lab.set_link(ia1, ib1, loss_pct=3, direction="i2j")
        ov.lab.set_link(ia2, ib2, loss_pct=3, direction="j2i")
        ov.lab.set_link(ia3, ib3, loss_pct=1.5)
        print("# 3 %% %s>%s, 3 %% %s>%s, 1.5 %% each way %s-%s for %g s" %
              (a1, b1, b2, a2, a3, b3, args.quiet))
        sys.stdout.flush()
        bad = []
        end = time.monotonic() + args.quiet
        while time.monotonic() < end:
            for i, c in enumerate(mons):
                for ev in c.wait_events(0.2):
                    if ev.get("event") == "link" and \
                            ev.get("to") in ("congested", "down"):
                        bad.append("%s: %s %s -> %s (loss %s %%)" % (
                            NAMES[i], ev["peer"], ev["from"], ev["to"],
                            ev.get("loss_pct")))
        for (x, y) in ((ia1, b1), (ib1, a1), (ia2, b2), (ib2, a2),
                       (ia3, b3), (ib3, a3)):
            p = peer(ov, x, y)
            print("# %s's view of %s: %s, probe loss %s %%, its probes "
                  "lost %s %%, down after %s ms of silence" % (
                      NAMES[x], y, p["state"], p["loss_pct"],
                      p["rx_loss_pct"], p["detect_ms"]))
        check(not bad, "loss under the 5 %% threshold for %g s: no link "
              "congested or down" % args.quiet, "\n".join(bad))

        ov.lab.set_link(ia2, ib2, loss_pct=0, direction="j2i")
        ov.lab.set_link(ia3, ib3, loss_pct=0)
        for c in mons:
            c.events()
        ov.lab.set_link(ia1, ib1, loss_pct=8, direction="i2j")
        t0 = time.monotonic()
        seen = None
        while time.monotonic() < t0 + args.congest and seen is None:
            for i, c in enumerate(mons):
                for ev in c.wait_events(0.2):
                    if ev.get("event") == "link" and \
                            ev.get("to") == "congested" and \
                            {NAMES[i], ev["peer"]} == {a1, b1}:
                        seen = (time.monotonic() - t0, NAMES[i],
                                ev.get("loss_pct"))
        check(seen is not None, "8 %% loss %s>%s: congested within %g s%s" %
              (a1, b1, args.congest, " (after %.1f s, at %s, probe loss "
               "%s %%)" % seen if seen else ""))
        ov.lab.set_link(ia1, ib1, loss_pct=0, direction="i2j")
        for c in mons:
            c.close()
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
