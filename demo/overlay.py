#!/usr/bin/python3
"""The argod demo: a five-PoP overlay in network namespaces.

Five PoPs named after AWS regions, in a full mesh whose link delays are the
measured median RTTs between those regions. The demo cycles through a
scenario (steady state, a congested link, recovery, a dead PoP, its
return) and shows what one PoP sees through argoctl.
"""

import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
os.environ.setdefault("top_builddir", os.path.join(HERE, ".."))
os.environ.setdefault("top_srcdir", os.path.join(HERE, ".."))
import argolab  # noqa: E402

REGIONS = ["us-east-2", "us-east-1", "ca-central-1", "eu-west-1",
           "eu-south-2"]
NAMES = ["cmh", "iad", "yyz", "dub", "mad"]
ARGOCTL = os.path.join(os.environ["top_builddir"], "argoctl")
WATCH = 0          # the PoP whose view is shown
PHASE = 25         # seconds per scenario step


def show(ov, title):
    tty = sys.stdout.isatty()
    out = []
    if tty:
        out.append("\033[H\033[2J")
    out.append("argod demo: 5 PoPs, full mesh, aws32 median RTTs "
               "(%s)\n" % ", ".join("%s=%s" % x for x in zip(NAMES,
                                                             REGIONS)))
    out.append("now: %s    (Ctrl-C ends the demo and cleans up)\n\n" % title)
    for what in ("peers", "routes", "matrix"):
        r = subprocess.run([ARGOCTL, "-s", ov.sock(WATCH), what],
                           capture_output=True, text=True)
        out.append("$ argoctl %s    # as seen by %s\n%s\n" % (
            what, NAMES[WATCH], r.stdout or r.stderr))
    sys.stdout.write("".join(out))
    sys.stdout.flush()


def main():
    total = float(os.environ.get("DEMO_TIME", "0")) or None
    _, rtt = argolab.aws32(REGIONS)
    ov = argolab.Overlay(NAMES, rtt)
    # The link carrying most of cmh's detours: cmh-iad.
    a, b = 0, 1
    steps = [
        ("steady state: routes take detours where they beat direct "
         "links", None),
        ("congesting cmh-iad: +60 ms of queueing delay", lambda: (
            ov.lab.set_link(a, b, delay_ms=rtt[a][b] / 2 + 30,
                            direction="i2j"),
            ov.lab.set_link(a, b, delay_ms=rtt[b][a] / 2 + 30,
                            direction="j2i"))),
        ("cmh-iad restored: routes return after the hold time", lambda: (
            ov.lab.set_link(a, b, delay_ms=rtt[a][b] / 2, direction="i2j"),
            ov.lab.set_link(a, b, delay_ms=rtt[b][a] / 2,
                            direction="j2i"))),
        ("PoP yyz killed: peers mark it down within a second",
         lambda: ov.kill_pop(2)),
        ("PoP yyz restarted: it rejoins", lambda: ov.start_pop(2)),
    ]
    start = time.monotonic()
    with ov:
        k = 0
        while True:
            title, action = steps[k % len(steps)]
            if action is not None:
                action()
            t_end = time.monotonic() + PHASE
            while time.monotonic() < t_end:
                show(ov, title)
                time.sleep(1 if sys.stdout.isatty() else 5)
                if total and time.monotonic() - start > total:
                    return 0
            k += 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ndemo: stopped, cleaned up")
        sys.exit(0)
