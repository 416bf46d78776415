#!/usr/bin/python3
"""Origins in the database, end to end, with real servers (issue 12).

Three PoPs: ing, and two egresses e1 and e2 of the origin web
(10.99.0.0/24). Only the egresses have an origin block, with a last-mile
check; ing learns web from the database. Behind each egress is its own
origin host at 10.99.0.2 (the same address, like an anycast service),
each running Debian's nginx on its own config, answering with the name
of its egress. A client host behind ing runs curl.

RTTs: ing-e1 20 ms, ing-e2 60 ms, e1-e2 50 ms, so ing leaves by e1.

  1. ing has a route to web, learnt from the database (source
     "database", two egresses), by e1, with e1's last mile and e2 as the
     alternative; e1 and e2 route web to themselves;
  2. curl from the client through the overlay reaches e1's origin;
  3. nginx behind e1 stops: e1's check fails, e1 advertises web
     unhealthy, ing moves to e2, and curl reaches e2's origin (detection
     and route move times are printed);
  4. nginx behind e1 starts again: after healthy-after good checks ing
     is back on e1;
  5. argoctl routes shows the last mile and the alternative egress.

Needs root and nginx; skips (77) otherwise. Everything it starts is
stopped, and the namespaces are removed, on the way out.
"""

import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import argolab  # noqa: E402
from originlab import Nginx  # noqa: E402
import tap  # noqa: E402
from tap import check, expect  # noqa: E402

NAMES = ["ing", "e1", "e2"]
ING, E1, E2 = range(3)
RTT = [[0, 20, 60],
       [20, 0, 50],
       [60, 50, 0]]
PREFIX = "10.99.0.0/24"
ORIGIN_IP = "10.99.0.2"
CHECK = ["check http://%s:8080/health" % ORIGIN_IP, "check-interval 500ms",
         "check-timeout 400ms", "unhealthy-after 2", "healthy-after 2"]

def curl(ov, client):
    """What the origin answered through the overlay, or None."""
    r = ov.host_exec(client, ["curl", "-s", "--max-time", "2",
                              "http://%s:8080/" % ORIGIN_IP], timeout=10)
    return r.stdout.strip() if r.returncode == 0 else None


def route(ov, i):
    try:
        return ov.route(i, PREFIX)
    except Exception:   # a daemon busy or restarting: not yet
        return None


def egress(ov, i):
    r = route(ov, i)
    return r["egress"] if r is not None and r["reachable"] else None


def main():
    if shutil.which("nginx") is None:
        print("SKIP: nginx is not installed (Debian: nginx-light)")
        return 77
    if shutil.which("curl") is None:
        print("SKIP: curl is not installed")
        return 77
    ov = argolab.Overlay(NAMES, RTT, advertised=True,
                         origins=[("web", PREFIX, [E1, E2], CHECK)])
    servers = []
    try:
        with ov:
            client = ov.attach_host("cli", ING, 98)
            org = {E1: ov.attach_host("org1", E1, 99),
                   E2: ov.attach_host("org2", E2, 99)}
            for e in (E1, E2):
                # the client's replies take the underlay
                ov.lab.exec(e, ["ip", "route", "add", "10.98.0.0/24", "via",
                                ov.lab.link_addr(ING, e)])
                s = Nginx(org[e], os.path.join(ov.dir, "nginx-%s" %
                                               NAMES[e]), NAMES[e])
                s.start()
                servers.append(s)
            ngx = dict(zip((E1, E2), servers))

            # 1. ing learns web from the database and leaves by e1.
            expect(lambda: egress(ov, ING) == "e1" and
                   route(ov, ING)["lastmile_ms"] is not None, 30,
                   "ing routes web by e1, with e1's last mile")
            r = route(ov, ING)
            check(r is not None and r["source"] == "database" and
                  r["egresses"] == 2 and r["alt_egress"] is not None and
                  r["alt_egress"]["egress"] == "e2" and
                  r["egress_health"] == "healthy",
                  "ing's route is learnt (no origin block), two egresses, "
                  "e2 the alternative", r)
            check(egress(ov, E1) == "e1" and egress(ov, E2) == "e2",
                  "each egress routes web to itself")
            expect(lambda: route(ov, ING)["installed"], 10,
                   "ing installed the route in the kernel")

            # 2. A real client through the overlay.
            expect(lambda: curl(ov, client) == "e1", 15,
                   "curl from the client reaches e1's origin")

            # 3. e1's origin stops.
            t0 = time.monotonic()
            ngx[E1].stop()
            expect(lambda: ov.ctl(E1, "origins")["origins"][0]["health"]
                   == "unhealthy", 15, "e1's check finds its origin down")
            t_detect = time.monotonic() - t0
            expect(lambda: egress(ov, ING) == "e2", 15,
                   "ing moves to e2")
            t_move = time.monotonic() - t0
            r = route(ov, ING)
            check(r["alt_egress"] is not None and
                  r["alt_egress"]["egress"] == "e1" and
                  r["alt_egress"]["health"] == "unhealthy",
                  "e1 shows as the unhealthy alternative", r)
            print("# origin down at e1: unhealthy after %.2f s, ing on e2 "
                  "after %.2f s (check-interval 500ms, unhealthy-after 2)"
                  % (t_detect, t_move))
            expect(lambda: curl(ov, client) == "e2", 15,
                   "curl now reaches e2's origin")

            # 4. Back.
            ngx[E1].start()
            expect(lambda: egress(ov, ING) == "e1", 20,
                   "nginx back at e1: ing returns to e1")
            expect(lambda: curl(ov, client) == "e1", 15,
                   "curl reaches e1's origin again")

            # 5. argoctl for people.
            out = subprocess.run(
                [argolab.binary("argoctl"), "-s", ov.sock(ING), "routes"],
                capture_output=True, text=True, timeout=10)
            lines = out.stdout.splitlines()
            check(out.returncode == 0 and lines and
                  "LASTMILE" in lines[0] and "ALT-EGRESS" in lines[0] and
                  any(ln.startswith("web ") and " e1 " in ln and " e2 " in ln
                      for ln in lines[1:]),
                  "argoctl routes shows the last mile and e2 as the "
                  "alternative", out.stdout + out.stderr)
    finally:
        for s in servers:
            s.stop()
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
