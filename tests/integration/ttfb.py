#!/usr/bin/python3
"""curl through the overlay beats the direct path (issue 12).

The topology and the measurement are bench/bench_origins.py's "ttfb"
part, run here with few curls: four PoPs (ing, t1, t2, egr), the direct
underlay link ing-egr slow (100 ms RTT, as when it is congested) and the
overlay path ing-t1-egr fast (20 ms); a real nginx origin behind egr,
advertised by egr only, and a client behind ing. curl's time to first
byte with argod's routes installed (both ways: the client's subnet is an
origin too) must beat the one over the direct path (argod in dry-run at
both ends, the underlay's direct routes), by a margin no loaded machine
closes: 4 RTTs of 20 ms against 4 of 100 ms.

Needs root, nginx and curl; skips (77) otherwise.
"""

import os
import shutil
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench"))
import tap  # noqa: E402
from tap import check  # noqa: E402
import bench_origins  # noqa: E402


def main():
    for cmd in ("nginx", "curl"):
        if shutil.which(cmd) is None:
            print("SKIP: %s is not installed" % cmd)
            return 77
    out = bench_origins.bench_ttfb(5)
    d = statistics.median(out["direct"])
    both = statistics.median(out["overlay both ways"])
    one = statistics.median(out["overlay one way"])
    check(both < d / 2, "curl's first byte through the overlay (%.1f ms) "
          "beats the direct path (%.1f ms) by more than half" % (both, d))
    check(one < d, "with replies on the direct path it still wins "
          "(%.1f ms against %.1f ms)" % (one, d))
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
