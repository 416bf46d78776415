#!/usr/bin/python3
"""The argod overlay as a Mininet network (sim/mininet/argonet.py).

Three PoPs, each a Mininet host running a real argod; a client host behind
ams and an origin host behind lon. RTTs make ams > fra > lon the best path
(20 ms against 40 ms direct):

  1. the daemons converge, measure the emulated RTT of every link, and
     route the client's traffic as an offline Dijkstra does; a ping from
     client to origin crosses the overlay with the path's RTT;
  2. argoctl works inside a host with its default socket (Mininet's
     private /run/argod);
  3. failing ams-fra reroutes the client's path to ams > lon within two
     seconds (argod(8): a dead link is detected in 0.4 to 1.4 s), by the
     ingress PoP's monitor stream, and the ping RTT follows;
  4. the report and its PNG plot are written;
  5. teardown leaves nothing: no namespaces, processes, links or files.

Run with Debian's /usr/bin/python3 (it has the mininet module), as root.
"""

import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.environ.get("top_srcdir") or
                      os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRC, "sim", "mininet"))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import argonet  # noqa: E402
import tap  # noqa: E402
from netlab import pid_alive, wait_for, WaitTimeout  # noqa: E402
from tap import check  # noqa: E402


def wait(pred, timeout, interval=0.05):
    try:
        return bool(wait_for(pred, timeout, interval=interval))
    except WaitTimeout:
        return False


def root_links():
    out = subprocess.run(["ip", "-o", "link", "show"], capture_output=True,
                         text=True).stdout
    return {ln.split(":")[1].strip().split("@")[0]
            for ln in out.splitlines() if ":" in ln}


def main():
    try:
        argonet.need_mininet()
    except argonet.ArgoNetError as e:
        print("1..0 # SKIP %s" % e)
        return 77
    topo = argonet.Topology.from_edges(argonet.parse_edges(
        "ams-fra:10,fra-lon:10,ams-lon:40"))
    links_before = root_links()
    outdir = tempfile.mkdtemp(prefix="argonet-test-")
    a = argonet.ArgoNet(topo, ingress="ams", egress="lon",
                        log=lambda m: print("# " + m, flush=True))
    pids = []
    try:
        a.start()
        print("# links emulated by %s" % a.emulator_name())
        try:
            conv = a.wait_converged(timeout=30)
            check(True, "converged in %.1f s: one database, client<->origin "
                  "routes installed" % conv)
        except WaitTimeout as e:
            check(False, "convergence: %s" % e)
            return 1
        ok, rows, worst = a.check_rtts(timeout=15)
        check(ok, "every daemon measures the emulated RTT of every link "
              "(%d link ends, worst error %.2f ms)" % (len(rows),
                                                      worst or -1))
        for r in rows:
            print("#   %s -> %s: emulated %.2f ms, srtt %s ms" % (
                r["pop"], r["peer"], r["emulated_ms"], r["srtt_ms"]))
        # Databases agree before every measured RTT is advertised (an
        # RTT change waits advertise-hold): give the route that long.
        want = topo.best_path(0, 2)[1]
        t0 = time.monotonic()
        try:
            wait_for(lambda: a.forward_path() == want, 5, interval=0.1,
                     what="ams on " + ">".join(want))
        except WaitTimeout:
            pass
        check(a.forward_path() == want == ["ams", "fra", "lon"],
              "ams routes the origin as Dijkstra does: %s (%.1f s after "
              "the RTTs matched)" % (">".join(a.forward_path()),
                                     time.monotonic() - t0))
        pg = a.ping(count=5, interval=0.1)
        check(pg["received"] >= 4 and pg["min"] is not None and
              abs(pg["min"] - 20) < 3,
              "client -> origin over the overlay: %d/5 answers, min RTT %s "
              "ms (path RTT 20 ms)" % (pg["received"], pg["min"]))

        out = a.host("fra").cmd("argoctl -j routes")
        check('"path":["fra","lon"]' in out.replace(" ", ""),
              "`fra argoctl routes` in the Mininet host reaches fra's "
              "daemon on the default socket")

        rec = argonet.Recorder(a, interval=0.05).start()
        time.sleep(1.0)
        argonet.Driver(a, rec, out=lambda s: print("# event: " + s)).fail(
            "ams", "fra")
        moved = wait(lambda: a.forward_path() == ["ams", "lon"], 10)
        check(moved, "after failing ams-fra the client's path is ams>lon")
        time.sleep(2.0)
        rec.stop()
        d = rec.analyze()
        ev = d["events"][0] if d["events"] else {}
        rr = ev.get("reroute_s")
        check(rr is not None and rr < 2.0,
              "reroute %s ms after the failure (monitor stream of ams)" %
              ("-" if rr is None else "%.0f" % (rr * 1000)))
        after = ev.get("rtt_after_ms")
        check(after is not None and abs(after - 40) < 5,
              "ping RTT follows: %s -> %s ms" % (ev.get("rtt_before_ms"),
                                                after))
        text, paths = rec.write_report(outdir, header=argonet.header(a))
        png = paths.get("png")
        if png:
            with open(png, "rb") as f:
                magic = f.read(8)
            check(magic == b"\x89PNG\r\n\x1a\n" and
                  os.path.getsize(png) > 10000,
                  "report plot written (%d bytes)" % os.path.getsize(png))
        else:
            print("# no matplotlib: plot not checked")
        check(os.path.getsize(paths["txt"]) > 0, "report text written")
        pids = [p.pid for p, _ in a.procs] + ([a.linkem.pid] if a.linkem
                                              else [])
        pids += [h.pid for h in a.hosts + [a.client, a.origin]]
    finally:
        t0 = time.monotonic()
        a.stop()
        print("# teardown in %.1f s" % (time.monotonic() - t0))

    alive = [p for p in pids if pid_alive(p)]
    check(not alive, "every process started is gone %s" % (alive or ""))
    ns = subprocess.run(["ip", "netns", "list"], capture_output=True,
                        text=True).stdout
    check(a.tag not in ns, "no namespace names left")
    extra = {x for x in root_links() - links_before
             if x.startswith(("ab", "ams", "fra", "lon", "client",
                              "origin"))}
    check(not extra, "no links left in the root namespace %s" %
          (sorted(extra) or ""))
    check(not os.path.exists(a.rundir), "run directory removed")
    subprocess.run(["rm", "-rf", outdir])
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
