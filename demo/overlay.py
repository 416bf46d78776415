#!/usr/bin/python3
"""The argod demo: a five-PoP overlay in network namespaces, in argo-top.

Five PoPs named after AWS regions, in a full mesh whose link delays are the
measured median RTTs between those regions, with kernel forwarding on. A
background thread cycles through a scenario (steady state, a congested
link, recovery, a dead PoP, its return) while argo-top shows what one PoP
sees. Quitting argo-top (q) or Ctrl-C ends the demo; either way every
namespace and process it created is removed. Without a terminal, or with
DEMO_TIME=seconds, it prints argo-top's batch screens instead and stops by
itself.
"""

import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "lib"))
import argolab  # noqa: E402
from argolab import AWS5_REGIONS as REGIONS, AWS5_NAMES as NAMES  # noqa: E402

TOP = os.path.join(argolab.BUILD, "argo-top")
WATCH = 0          # the PoP whose view is shown
PHASE = 25         # seconds per scenario step


def scenario(ov, rtt, stop, log):
    a, b = 0, 3    # cmh-dub: cmh's direct link to Europe
    steps = [
        ("congest cmh-dub: +60 ms of queueing delay", lambda: (
            ov.lab.set_link(a, b, delay_ms=rtt[a][b] / 2 + 30,
                            direction="i2j"),
            ov.lab.set_link(a, b, delay_ms=rtt[b][a] / 2 + 30,
                            direction="j2i"))),
        ("restore cmh-dub: routes return after the hold time", lambda: (
            ov.lab.set_link(a, b, delay_ms=rtt[a][b] / 2, direction="i2j"),
            ov.lab.set_link(a, b, delay_ms=rtt[b][a] / 2,
                            direction="j2i"))),
        ("kill PoP yyz: its peers mark it down within a second",
         lambda: ov.kill_pop(2)),
        ("restart PoP yyz: it rejoins", lambda: ov.start_pop(2)),
    ]
    k = 0
    while not stop.wait(PHASE):
        title, action = steps[k % len(steps)]
        log(title)
        action()
        k += 1


def main():
    total = float(os.environ.get("DEMO_TIME", "0")) or None
    tty = sys.stdout.isatty() and sys.stdin.isatty() and total is None
    _, rtt = argolab.aws32(REGIONS)
    # each origin block only in its egress's file: the others learn it
    ov = argolab.Overlay(NAMES, rtt, advertised=True)
    stop = threading.Event()
    events = []

    def log(msg):
        events.append("%s  %s" % (time.strftime("%H:%M:%S"), msg))
        if not tty:
            print("demo: %s" % msg, flush=True)

    print("demo: starting 5 PoPs (%s) in network namespaces..." % ", ".join(
        "%s=%s" % x for x in zip(NAMES, REGIONS)), flush=True)
    with ov:
        argolab.wait_for(lambda: ov.ctl(WATCH, "status")["peers_up"] == 4,
                         30, what="cmh's peers up")
        th = threading.Thread(target=scenario, args=(ov, rtt, stop, log),
                              daemon=True)
        th.start()
        if tty:
            print("demo: watching PoP cmh in argo-top. Keys: 1-4 views, "
                  "? help, q quits the demo.\n      Every %d s the demo "
                  "congests cmh-dub, restores it, kills PoP yyz and "
                  "restarts it." % PHASE, flush=True)
            time.sleep(3)
            subprocess.call([TOP, "-s", ov.sock(WATCH)])
        else:
            start = time.monotonic()
            while not total or time.monotonic() - start < total:
                out = subprocess.run([TOP, "-b", "-w", "100", "-s",
                                      ov.sock(WATCH)], capture_output=True,
                                     text=True)
                print(out.stdout or out.stderr, flush=True)
                time.sleep(5)
        stop.set()
    for e in events:
        print("demo: %s" % e)
    print("demo: stopped, cleaned up")
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ndemo: stopped, cleaned up")
        sys.exit(0)
