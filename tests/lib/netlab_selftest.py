#!/usr/bin/python3
"""Self-test of netlab and of the link emulator under it.

Builds three namespaces joined by links of 10, 20 and 30 ms RTT, checks
the RTTs ping measures, changes a link at run time, fails and restores a
link, checks loss and process tracking, and checks that cleanup leaves no
namespace behind. Prints TAP; exits 77 (skip) without root.

  /usr/bin/python3 tests/lib/netlab_selftest.py [--emulator linkem]
      [--linkem ./argo-linkem] [--accuracy]

--accuracy also measures the emulator: RTT mean and standard deviation
through a 10 ms + 10 ms link at 100 and 1000 packets/s with a UDP echo
(kernel receive timestamps), against a plain veth pair as the baseline.
These are figures, not pass/fail checks.
"""

import argparse
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlab  # noqa: E402
import tap  # noqa: E402
from tap import check  # noqa: E402

NETLAB = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "netlab.py")
TOL_MS = 2.0


def near(res, want, what):
    # The minimum: scheduling delay on a loaded machine only ever adds to
    # an RTT, so the floor is what the emulator itself produced.
    got = res.get("min")
    return check(got is not None and abs(got - want) <= TOL_MS,
                 "%s: RTT %s ms, want %.1f +- %.1f" %
                 (what, "%.2f" % got if got is not None else "none", want,
                  TOL_MS), res)


def udp_probe(lab, i, j, rate, count, port=7777, size=64, rt=False):
    # rt: measure the emulator, not how long the probe waited for a CPU.
    pre = ["chrt", "-f", "5"] if rt else []
    out = lab.exec(i, pre + [sys.executable, NETLAB, "udp-probe",
                       lab.pop_addr(j), "--port", str(port), "--rate",
                       str(rate), "--count", str(count), "--size",
                       str(size), "--src", lab.pop_addr(i)],
                   timeout=count / rate + 30)
    return json.loads(out)


def start_echo(lab, j, frm=0, port=7777, rt=False):
    pre = ["chrt", "-f", "5"] if rt else []
    p = lab.run(j, pre + [sys.executable, NETLAB, "udp-echo", "--port",
                          str(port)])
    # The echo is up when it answers; never sleep blindly.
    netlab.wait_for(lambda: udp_probe(lab, frm, j, 100, 3, port)
                    ["received"], 10, what="udp echo in node %d" % j)
    return p


def functional(args):
    # One-way delays: RTT(0,1) = 10, RTT(0,2) = 20, RTT(1,2) = 30 ms. The
    # 0-1 link is asymmetric (3 ms one way, 7 ms back) on purpose.
    d = [[0, 3, 10],
         [7, 0, 15],
         [10, 15, 0]]
    lab = netlab.Lab(3, delays=d, emulator=args.emulator,
                     linkem=args.linkem, seed=1)
    with lab:
        check(True, "lab up with %s in %s*" % (lab.emulator, lab.prefix))
        check(len(netlab.netns_list()) >= 3 and all(
            ns in netlab.netns_list() for ns in lab.namespaces),
            "three namespaces exist")
        for (i, j, rtt) in ((0, 1, 10), (0, 2, 20), (1, 2, 30), (2, 1, 30)):
            near(lab.ping(i, j, count=5, interval=0.2), rtt,
                 "ping %d->%d" % (i, j))

        # Only the PoP route over the direct link exists: no detours.
        r = lab.exec(0, "ip route get %s from %s" % (lab.pop_addr(2),
                                                     lab.pop_addr(0)))
        check("dev %s" % lab.dev(0, 2) in r, "PoP 2 routed over e2", r)

        lab.set_link(0, 1, delay_ms=20)
        near(lab.ping(0, 1, count=5, interval=0.2), 40, "after set 0-1 "
             "20 ms both ways")
        lab.set_link(0, 1, delay_ms=5, direction="i2j")
        near(lab.ping(0, 1, count=5, interval=0.2), 25, "after set 0->1 "
             "5 ms only")
        lab.set_link(1, 0, delay_ms=5, direction="i2j")
        near(lab.ping(0, 1, count=5, interval=0.2), 10, "after set 1->0 "
             "5 ms only")

        lab.fail_link(0, 1)
        r = lab.ping(0, 1, count=5, interval=0.2, wait=1)
        check(r["received"] == 0, "failed link 0-1 passes nothing", r)
        near(lab.ping(0, 2, count=3, interval=0.2), 20,
             "0-2 unaffected by the failure")
        lab.restore_link(0, 1)
        r = netlab.wait_for(lambda: lab.ping(0, 1, count=1, wait=1)
                            ["received"], 5, what="0-1 back up")
        near(lab.ping(0, 1, count=5, interval=0.2), 10, "restored 0-1")

        # Loss: 5% each way gives 1 - 0.95^2 = 9.75% RTT loss; with 2000
        # probes, 3 sigma is about 2 points.
        start_echo(lab, 1)
        lab.set_link(0, 1, loss_pct=5)
        r = udp_probe(lab, 0, 1, 500, 2000)
        check(abs(r["loss_pct"] - 9.75) < 2.5,
              "5%% loss each way: %.2f%% RTT loss, want 9.75 +- 2.5" %
              r["loss_pct"], r)
        lab.set_link(0, 1, loss_pct=0)
        if lab.emulator == "linkem":
            st = lab.link_stats(0, 1)
            check(st["lost"] > 50 and st["passed"] > 1500,
                  "linkem counts passed %d and lost %d" %
                  (st["passed"], st["lost"]), st)

        # Rate: 1 Mbit/s with 1000-byte datagrams at 500/s (4 Mbit/s)
        # must drop at the queue and add queueing delay.
        if lab.emulator == "linkem":
            lab.linkem_cmd("reset")
            lab.set_link(0, 1, rate_kbit=1000)
            r = udp_probe(lab, 0, 1, 500, 500, size=1000)
            st = lab.link_stats(0, 1)
            check(st["qdrop"] > 100 and r["p50"] and r["p50"] > 100,
                  "rate 1 Mbit/s at 4 Mbit/s offered: qdrop %d, median "
                  "RTT %.0f ms" % (st["qdrop"], r["p50"] or 0), st)
            lab.set_link(0, 1, rate_kbit=0)

        # Process tracking and kill.
        p = lab.run(2, ["sleep", "1000"])
        netlab.wait_for(lambda: p.pid in netlab.netns_pids(lab.ns(2)), 5,
                        what="sleep inside node 2")
        check(True, "run() starts inside the namespace")
        rc = lab.kill(p)
        check(rc == -signal.SIGTERM, "kill() ends it (status %s)" % rc)
        lab.run(0, ["sleep", "1000"])   # left for cleanup to find
        linkem = lab.linkem_proc
        prefix = lab.prefix
    check(not any(ns.startswith(prefix) for ns in netlab.netns_list()),
          "no %s* namespace after cleanup" % prefix,
          netlab.netns_list())
    check(all(p.poll() is not None for p in lab.procs),
          "every tracked process ended")
    check(linkem is None or linkem.poll() is not None,
          "argo-linkem ended")
    lab.cleanup()   # idempotent
    check(True, "cleanup() twice is harmless")


def aws_mesh(args):
    """Five PoPs on measured AWS medians: ten links from one emulator."""
    path = netlab.default_matrix_path()
    if not os.path.exists(path):
        print("# skipping the AWS mesh: no %s" % path)
        return
    names, rtt = netlab.load_matrix(path)
    check(len(names) == 32 and len(rtt) == 32 and
          rtt[names.index("us-east-1")][names.index("us-east-2")] > 0,
          "load_matrix reads the 32-region AWS matrix")
    want = ["us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1",
            "sa-east-1"]
    names, rtt = netlab.submatrix(names, rtt, want)
    with netlab.Lab.from_rtt(names, rtt, emulator=args.emulator,
                             linkem=args.linkem) as lab:
        check(len(lab.links) == 10, "5 PoPs, 10 links")
        i, j = lab.node("us-east-1"), lab.node("eu-west-1")
        near(lab.ping(i, j, count=3, interval=0.2),
             (rtt[i][j] + rtt[j][i]) / 2, "us-east-1 -> eu-west-1")
        i, j = lab.node("ap-northeast-1"), lab.node("sa-east-1")
        near(lab.ping(i, j, count=3, interval=0.2),
             (rtt[i][j] + rtt[j][i]) / 2, "ap-northeast-1 -> sa-east-1")


def bad_linkem(args):
    # A missing netns is reported, not hung on.
    if args.emulator == "netem" or netlab.has_netem():
        return
    exe = netlab.find_linkem(args.linkem)
    r = netlab.run_cmd([exe, "-l", "x:ag-nonexistent:t0:ag-none2:t1"],
                    check=False)
    check(r.returncode != 0 and "netns ag-nonexistent not found" in r.stderr,
          "argo-linkem names a missing netns", r.stderr)
    try:
        netlab.Lab(2, emulator="netem").start()
        ok = False
    except netlab.LabError as e:
        ok = "netem" in str(e)
    check(ok, "asking for netem without netem is a clear error")


def accuracy(args):
    # Baseline: a plain veth pair, to separate the probe's own cost.
    print("# accuracy: UDP echo RTT in ms (kernel rx timestamps), "
          "2000 probes per rate; load average %.2f" % os.getloadavg()[0])
    rows = []
    for label, emu, delay in (("veth, no emulator", "none", 0),
                              ("emulator, delay 0+0 ms", args.emulator, 0),
                              ("emulator, delay 10+10 ms", args.emulator,
                               10)):
        if emu == "none":
            lab = netlab.Lab(2, edges=[], linkem=args.linkem)
            with lab:
                netlab.run_cmd(["ip", "-n", lab.ns(0), "link", "add", "v",
                             "type", "veth", "peer", "name", "v", "netns",
                             lab.ns(1)])
                for i in (0, 1):
                    lab.exec(i, "ip addr add 10.79.0.%d/24 dev v" % (i + 1))
                    lab.exec(i, "ip link set v up")
                    lab.exec(i, "ip route add %s/32 via 10.79.0.%d src %s"
                             % (lab.pop_addr(1 - i), 2 - i,
                                lab.pop_addr(i)))
                rows += measure(lab, label, 0)
            continue
        lab = netlab.Lab(2, delays=delay, emulator=emu, linkem=args.linkem,
                         seed=2)
        with lab:
            rows += measure(lab, label, 2 * delay)
    for r in rows:
        print("# %-26s %5d pps: mean %8.3f  stdev %6.3f  p50 %8.3f  "
              "p99 %8.3f  max %8.3f  loss %.2f%%%s" % r)


def measure(lab, label, want):
    start_echo(lab, 1, rt=True)
    out = []
    for rate in (100, 1000):
        if lab.linkem_proc:
            lab.linkem_cmd("reset")
        r = udp_probe(lab, 0, 1, rate, 2000, rt=True)
        late = ""
        if lab.linkem_proc:
            # The emulator's own error, per direction: how late packets
            # left (percentiles are power-of-two bucket bounds).
            for (a, b) in ((0, 1), (1, 0)):
                st = lab.link_stats(a, b)
                late += "\n#   linkem %d->%d late us: avg %.1f p50 <=%.1f " \
                    "p99 <=%.1f max %.1f" % (a, b, st["late_avg_us"],
                                             st["late_p50_us"],
                                             st["late_p99_us"],
                                             st["late_max_us"])
        out.append((label, rate, r["mean"], r["stdev"], r["p50"], r["p99"],
                    r["max"], r["loss_pct"], late))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--emulator", default="auto",
                    choices=("auto", "netem", "linkem"))
    ap.add_argument("--linkem", help="path of argo-linkem")
    ap.add_argument("--accuracy", action="store_true",
                    help="also print accuracy figures")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root")
        return 77
    for tool in ("ip", "tc", "ping"):
        if not netlab.shutil.which(tool):
            print("1..0 # SKIP %s not installed" % tool)
            return 77
    netlab.cleanup_stale()
    t0 = time.monotonic()
    bad_linkem(args)
    functional(args)
    aws_mesh(args)
    if args.accuracy:
        accuracy(args)
    return tap.done("%d failed, %.1fs" % (tap.failed,
                                         time.monotonic() - t0))


if __name__ == "__main__":
    sys.exit(main())
