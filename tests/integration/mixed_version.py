#!/usr/bin/python3
"""A rolling upgrade with the real previous release (argod(8), "Wire
versions"; tests/test_mixed_version.sh builds it and names it in
ARGO_OLD_ARGOD).

Four PoPs in network namespaces, full mesh, aws32 RTTs; n1 and n2 run
this tree's argod, o1 and o2 the previous release's. Each has an origin
behind it and a cache statement.

  1. the mixed overlay converges: one database, every route equal to an
     offline Dijkstra on the emulated matrix, nothing counted as
     bad_version (or any other reject) on any PoP, old or new;
  2. each new PoP speaks the new version to the other and the previous
     one to the old PoPs (peers: wire_version);
  3. o1 is upgraded in place (stopped, started with this tree's argod):
     the overlay converges again (only o1 may reject a few datagrams of the
     form its previous incarnation spoke; nothing once converged), and n1 now
     speaks the new version to it;
  4. o1 is downgraded again (the previous release back): the same.
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import argolab  # noqa: E402
import netlab  # noqa: E402
import tap  # noqa: E402
from tap import check, expect  # noqa: E402

NAMES = ["n1", "o1", "n2", "o2"]
REGIONS = ["us-east-2", "us-east-1", "ca-central-1", "eu-west-1"]
N1, O1, N2, O2 = range(4)
OLD = os.environ.get("ARGO_OLD_ARGOD")
OLD_VERSION = os.environ.get("ARGO_OLD_VERSION")


class Mixed(argolab.Overlay):
    """An overlay whose PoPs in old run another argod."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.old = set()

    def start_pop(self, i, wrapper=()):
        if i not in self.old:
            return super().start_pop(i, wrapper)
        self.write_conf(i)
        self.argod[i] = self.lab.run(i, list(wrapper) + [
            OLD, "-d", "-c", self.conf_path(i)])
        self.wait_answer(i, 10)


def rejected(ov):
    """{PoP: {reason: count}} of the nonzero reject counters."""
    out = {}
    for i in ov.live():
        r = ov.ctl(i, "status")["counters"]["rejected"]
        nz = {k: v for k, v in r.items() if v}
        if nz:
            out[ov.names[i]] = nz
    return out


def routes_match(ov):
    return all(ov.routes(i) == ov.expected_routes(i) for i in ov.live())


def versions(ov, i):
    """{peer: wire version PoP i sends it} (new PoPs only)."""
    return {p["name"]: p.get("wire_version")
            for p in ov.ctl(i, "peers")["peers"]}


def converged(ov, what, restarted=None):
    expect(lambda: len(ov.digests()) == 1, 40,
           "%s: one database on every PoP" % what)
    expect(lambda: routes_match(ov), 40,
           "%s: every route equals the offline Dijkstra" % what)
    rej = rejected(ov)
    if restarted is None:
        check(not rej, "%s: nothing rejected on any PoP (bad_version 0 "
              "everywhere)" % what, rej)
        return
    # A PoP restarted in place as another release gets, for a moment,
    # datagrams its peers sent in the form its previous incarnation
    # spoke (in flight, or sent before they heard the new boot): only it
    # may count those, a few, and nothing is rejected once converged.
    others = {k: v for k, v in rej.items() if k != restarted}
    print("# %s: rejects while %s restarted: %s" % (what, restarted,
                                                   rej or "none"))
    check(not others and sum(rej.get(restarted, {}).values()) <= 10,
          "%s: only the restarted PoP rejected anything, a few datagrams "
          "of the old form" % what, rej)
    time.sleep(5)
    check(rejected(ov) == rej, "%s: nothing rejected once converged (5 s)"
          % what, rejected(ov))


def main():
    if not OLD or not os.access(OLD, os.X_OK):
        print("Bail out! ARGO_OLD_ARGOD names no argod (run "
              "tests/test_mixed_version.sh)")
        return 1
    new_version = None
    with open(os.path.join(argolab.SRC, "src", "wire.h")) as f:
        for ln in f:
            if ln.startswith("#define WIRE_VERSION\t"):
                new_version = int(ln.split()[2])
    if OLD_VERSION is not None:
        check(int(OLD_VERSION) == new_version - 1,
              "the old argod speaks version %s, this tree %d"
              % (OLD_VERSION, new_version))
    names, rtt = argolab.aws32(REGIONS)
    ov = Mixed(NAMES, rtt)
    ov.old = {O1, O2}
    for i in range(len(NAMES)):
        ov.pop_extra[i] = "cache %s:8081" % netlab.pop_addr(i)
    try:
        ov.start()
        converged(ov, "2 old + 2 new")
        v = versions(ov, N1)
        check(v == {"o1": new_version - 1, "n2": new_version,
                    "o2": new_version - 1},
              "n1 speaks %d to n2 and %d to o1, o2" % (
                  new_version, new_version - 1), v)
        v = versions(ov, N2)
        check(v.get("n1") == new_version and v.get("o1") == new_version - 1,
              "n2 likewise", v)

        # upgrade o1 in place
        ov.kill_pop(O1)
        ov.old.discard(O1)
        ov.start_pop(O1)
        converged(ov, "o1 upgraded", restarted="o1")
        expect(lambda: versions(ov, N1).get("o1") == new_version and
               versions(ov, O1).get("n2") == new_version and
               versions(ov, O1).get("o2") == new_version - 1, 20,
               "o1, upgraded, speaks %d with n1 and n2, %d with o2"
               % (new_version, new_version - 1))

        # and back: a release can be rolled back one PoP at a time too
        ov.kill_pop(O1)
        ov.old.add(O1)
        ov.start_pop(O1)
        converged(ov, "o1 rolled back", restarted="o1")
        expect(lambda: versions(ov, N1).get("o1") == new_version - 1, 20,
               "n1 speaks %d to o1 again" % (new_version - 1))
    finally:
        ov.stop()
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
