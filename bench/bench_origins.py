#!/usr/bin/python3
"""Origins benchmark: origins as measured endpoints (issue 12), with real
servers (Debian's nginx) and a real client (curl). Three parts:

  failover  3 PoPs (ing, e1, e2; the origins test's RTTs), nginx at
            10.99.0.2 behind each egress, the default check settings
            (interval 1s, timeout 1s, unhealthy-after 2). nginx behind
            e1, the egress ing uses, stops; figures: detection, from the
            stop until e1's check says unhealthy, and route move, until
            ing's route leaves by e2. Times come from the monitor events'
            timestamps (the daemons' CLOCK_MONOTONIC, the same clock as
            time.monotonic() here), so polling does not enter them.
            Repeated ROUNDS times, nginx restarted and ing back on e1 in
            between. Target: route move within 3 s.
  ttfb      4 PoPs (ing, t1, t2, egr; the datapath test's RTTs: direct
            ing-egr 100 ms, ing-t1-egr 20 ms), a client behind ing, nginx
            behind egr. curl's time to first byte, a new connection each
            time, CURLS times each: direct (dry-run on at ing and egr:
            no route of ours, packets take the underlay's direct link
            both ways), overlay one way (only ing forwards: the replies
            take the direct link) and overlay both ways (the client
            subnet is an origin too, egress ing).
  loop      one egress (egr, with a peer ing) checking 100 origins, each
            with its own /24 and a check: 80 against nginx, 20 against
            hostile servers (5 each: silent, slow headers, 1 MB of
            headers, a body trickled forever). For SECONDS it asks for
            status every 0.2 s and times the answer; at the end it prints
            status's loop object (busy_max_ms, the histogram, and which
            of it is from before the run), argod's CPU time and context
            switches. Target: busy_max under 5 ms. Run twice: with the
            CPUs shared, and with argod on a CPU of its own (--pin).
            --perf traces argod with perf(1) and splits its long
            stretches into time preempted (by whom, in which call),
            blocked and on the CPU (see LoopTrace).

    bench/bench_origins.py [--rounds N] [--curls K] [--seconds S]
                           [--hostile KIND,...|none] [--pin both|yes|no]
                           [--perf] [failover] [ttfb] [loop]

Without parts, all three. Defaults: ROUNDS 5, CURLS 20, SECONDS 60, or
$BENCH_ORIGINS_ROUNDS, $BENCH_ORIGINS_CURLS, $BENCH_ORIGINS_SECONDS.
Needs root, nginx and curl; make bench-origins runs it after building.
Every namespace, process and temporary directory it makes is removed on
the way out.
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "lib"))
import argolab  # noqa: E402
from argolab import wait_for  # noqa: E402
import originlab  # noqa: E402
from originlab import Nginx, Hostile, curl_ttfb  # noqa: E402

ORIGIN_IP = "10.99.0.2"
PREFIX = "10.99.0.0/24"
CLIENTS = "10.98.0.0/24"


def mmm(xs, fmt="%.0f"):
    return "min %s, median %s, max %s" % tuple(
        fmt % v for v in (min(xs), statistics.median(xs), max(xs)))


def route(ov, i, prefix=PREFIX):
    try:
        return ov.route(i, prefix)
    except Exception:   # a daemon busy or restarting: not yet
        return None


def egress(ov, i, prefix=PREFIX):
    r = route(ov, i, prefix)
    return r["egress"] if r is not None and r["reachable"] else None


def monitor(ov, i):
    c = argolab.Ctl(ov.sock(i))
    c.cmd("monitor")
    return c


# ---------------------------------------------------------------- failover

def bench_failover(rounds):
    names = ["ing", "e1", "e2"]
    ING, E1, E2 = range(3)
    rtt = [[0, 20, 60], [20, 0, 50], [60, 50, 0]]
    check = ["check http://%s:8080/health" % ORIGIN_IP]   # defaults
    ov = argolab.Overlay(names, rtt, advertised=True,
                         origins=[("web", PREFIX, [E1, E2], check)])
    servers = []
    detect, move, poll_detect, poll_move = [], [], [], []
    try:
        with ov:
            for e in (E1, E2):
                h = ov.attach_host("org%d" % e, e, 99)
                s = Nginx(h, os.path.join(ov.dir, "nginx-%s" % names[e]),
                          names[e])
                s.start()
                servers.append(s)
            ngx = servers[0]
            wait_for(lambda: egress(ov, ING) == "e1" and
                     route(ov, ING)["egress_health"] == "healthy", 30,
                     what="ing on e1, healthy")
            for r in range(rounds):
                mon_e1, mon_ing = monitor(ov, E1), monitor(ov, ING)
                k0 = ov.ctl(ING, "status")["counters"]
                t0 = time.monotonic()
                ngx.stop()
                wait_for(lambda: ov.ctl(E1, "origins")["origins"][0]
                         ["health"] == "unhealthy", 15, interval=0.02,
                         what="e1's check: unhealthy")
                poll_detect.append(time.monotonic() - t0)
                wait_for(lambda: egress(ov, ING) == "e2", 15, interval=0.02,
                         what="ing on e2")
                poll_move.append(time.monotonic() - t0)
                time.sleep(0.2)
                t_det = next(ev["time"] for ev in mon_e1.events()
                             if ev.get("event") == "origin" and
                             ev["to"] == "unhealthy")
                t_mov = next(ev["time"] for ev in mon_ing.events()
                             if ev.get("event") == "route" and
                             ev["new"] and ev["new"]["egress"] == "e2")
                mon_e1.close()
                mon_ing.close()
                detect.append(t_det - t0)
                move.append(t_mov - t0)
                k = ov.ctl(ING, "status")["counters"]
                dk = " ".join("%s +%d" % (c, k[c] - k0[c]) for c in (
                    "lsa_received", "lsa_installed", "lsa_deltas_applied",
                    "lsa_deltas_unusable", "requests_sent", "spf_runs")
                    if c in k and k[c] != k0[c])
                print("round %d: unhealthy after %.2f s, ing on e2 after "
                      "%.2f s (polled: %.2f, %.2f s; ing: %s)" % (
                          r + 1, detect[-1], move[-1], poll_detect[-1],
                          poll_move[-1], dk or "no counter moved"),
                      flush=True)
                ngx.start()
                wait_for(lambda: egress(ov, ING) == "e1", 30,
                         what="ing back on e1")
                time.sleep(1)
    finally:
        for s in servers:
            s.stop()
    print("failover, origin stopped -> check unhealthy: %s s" %
          mmm(detect, "%.2f"))
    print("failover, origin stopped -> ing's route on e2: %s s" %
          mmm(move, "%.2f"))
    print("  (%d rounds; check-interval 1s, check-timeout 1s, "
          "unhealthy-after 2; target: route move within 3 s: %s)" % (
              len(move), "met" if max(move) <= 3 else "NOT met"))
    return {"detect": detect, "move": move}


# ---------------------------------------------------------------- ttfb

def bench_ttfb(curls):
    names = ["ing", "t1", "t2", "egr"]
    ING, T1, T2, EGR = range(4)
    rtt = [[0, 10, 30, 100],
           [10, 0, 40, 10],
           [30, 40, 0, 30],
           [100, 10, 30, 0]]
    check = ["check http://%s:8080/health" % ORIGIN_IP]
    ov = argolab.Overlay(names, rtt, advertised=True,
                         origins=[("web", PREFIX, [EGR], check),
                                  ("clients", CLIENTS, [ING])])
    url = "http://%s:8080/" % ORIGIN_IP
    out = {}
    ngx = None
    try:
        with ov:
            client = ov.attach_host("cli", ING, 98)
            org = ov.attach_host("org", EGR, 99)
            # The direct path of the underlay, both ways: what packets
            # take where argod installs nothing.
            ov.lab.exec(ING, ["ip", "route", "add", PREFIX, "via",
                              ov.lab.link_addr(EGR, ING)])
            ov.lab.exec(EGR, ["ip", "route", "add", CLIENTS, "via",
                              ov.lab.link_addr(ING, EGR)])
            ngx = Nginx(org, os.path.join(ov.dir, "nginx"), "egr")
            ngx.start()
            wait_for(lambda: route(ov, ING)["path"] == ["ing", "t1", "egr"]
                     and route(ov, ING)["installed"] and
                     route(ov, EGR, CLIENTS)["installed"], 30,
                     what="web and clients installed via t1")

            def dry(i, on):
                ov.ctl(i, "dry-run", on=on)
                wait_for(lambda: bool(ov.kernel_routes(i)) != on, 10,
                         what="%s dry-run %s" % (names[i], on))

            def run(mode):
                # ARP, caches, and the origin answering at all
                wait_for(lambda: curl_ttfb(client, url) is not None, 20,
                         what="curl through %s" % mode)
                before = ov.dev_stats(ING)
                ts, failed = [], 0
                while len(ts) < curls:
                    t = curl_ttfb(client, url)
                    if t is None:
                        failed += 1
                        if failed > curls:
                            raise argolab.LabError("curl fails (%s)" % mode)
                        continue
                    ts.append(t * 1000)
                after = ov.dev_stats(ING)
                tx = (after[1] - before[1]) if before and after else 0
                rx = (after[0] - before[0]) if before and after else 0
                print("ttfb %-18s %s ms (%d curls, %d failed; ing argo0 tx "
                      "%d rx %d packets)" % (mode + ":", mmm(ts, "%.1f"),
                                             len(ts), failed, tx, rx),
                      flush=True)
                out.setdefault(mode, []).extend(ts)

            run("overlay both ways")
            dry(EGR, True)
            run("overlay one way")
            dry(ING, True)
            run("direct")
            dry(ING, False)
            dry(EGR, False)
            run("overlay both ways")    # again, after the switches
    finally:
        if ngx is not None:
            ngx.stop()
    d = statistics.median(out["direct"])
    for mode in ("overlay one way", "overlay both ways"):
        o = statistics.median(out[mode])
        print("ttfb %s vs direct: median %.1f ms against %.1f ms, %.0f %% "
              "lower (reference product: about 35 %% lower)" % (
                  mode, o, d, 100 * (1 - o / d)))
    return out


# ---------------------------------------------------------------- loop

N_ORIGINS = 100
N_HOSTILE = 20
HOSTILE_PORT = 9001


def loop_origins(kinds):
    """100 origins, 10.120.k.0/24, each checked at 10.120.k.2: the first
    80 on nginx's 8080, then the 20 others shared among the hostile kinds
    on ports 9001... (all 100 on nginx without kinds)."""
    nh = N_HOSTILE if kinds else 0
    out = []
    for k in range(N_ORIGINS):
        h = k - (N_ORIGINS - nh)
        port = 8080 if h < 0 else HOSTILE_PORT + h * len(kinds) // N_HOSTILE
        kind = "nginx" if h < 0 else kinds[h * len(kinds) // N_HOSTILE]
        out.append(("o%02d-%s" % (k, kind), "10.120.%d.0/24" % k, [0],
                    ["check http://10.120.%d.2:%d/health" % (k, port)]))
    return out


class StatusProbe(threading.Thread):
    """Asks for status every interval seconds, each time on a new
    connection, and keeps how long the answers took (ms)."""

    def __init__(self, sock, interval=0.2):
        super().__init__(daemon=True)
        self.sock, self.interval = sock, interval
        self.times, self.errors = [], 0
        self.grew = []      # (time, busy_max_ms) where busy_max grew
        self.measure = True
        self.halt = threading.Event()

    def run(self):
        while not self.halt.wait(self.interval):
            t = time.monotonic()
            try:
                c = argolab.Ctl(self.sock, timeout=5)
                r = c.cmd("status")
                c.close()
                if self.measure:
                    self.times.append((time.monotonic() - t) * 1000)
                m = r["loop"]["busy_max_ms"]
                if not self.grew or m > self.grew[-1][1]:
                    self.grew.append((t, m))
            except (OSError, ValueError, KeyError, TypeError):
                self.errors += 1


def proc_sched(pid):
    """(CPU seconds, voluntary, involuntary context switches) of pid."""
    with open("/proc/%d/stat" % pid) as f:
        st = f.read().rsplit(")", 1)[1].split()
    cpu = (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")
    sw = {}
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            k, _, v = ln.partition(":")
            if k.endswith("ctxt_switches"):
                sw[k] = int(v)
    return (cpu, sw.get("voluntary_ctxt_switches", 0),
            sw.get("nonvoluntary_ctxt_switches", 0))


class LoopTrace:
    """--perf: why the loop's long stretches last. perf(1) records, for
    one argod, uprobes on loop_check_cb and loop_prepare_cb (the ends of
    a busy stretch, as loopstat.h times it) and the scheduler's switches
    away from argod with their stacks; each stretch of MIN_MS or longer
    is then split into time preempted (runnable, another task on the
    CPU; with the call argod was in), time blocked (asleep inside a
    callback) and the rest, on the CPU. (CPU samples are left out: with
    them perf drops some of the uprobe events.) perf and the probes cost
    time of their own, so the figures of a traced run are not the
    bench's."""

    MIN_MS = 5.0

    def __init__(self, pid, argod):
        self.pid, self.argod = pid, argod
        self.group = "argobench%d" % os.getpid()
        self.dir = tempfile.mkdtemp(prefix="bench-origins-perf-")
        self.probes = False
        self.p = None

    def start(self):
        g = self.group
        argolab.netlab.run_cmd(["perf", "probe", "-q", "-x", self.argod,
                                "-a", "%s:woke=loop_check_cb" % g,
                                "-a", "%s:sleeps=loop_prepare_cb" % g])
        self.probes = True
        with open(os.path.join(self.dir, "record.log"), "w") as log:
            self.p = subprocess.Popen(
                ["perf", "record", "-o", os.path.join(self.dir, "data"),
                 "-e", g + ":woke", "-e", g + ":sleeps",
                 "-e", "sched:sched_switch", "-g", "-p", str(self.pid)],
                stdout=subprocess.DEVNULL, stderr=log)

    def stop(self):
        if self.p is not None:
            self.p.send_signal(signal.SIGINT)
            try:
                self.p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
            self.p = None
        if self.probes:
            argolab.netlab.run_cmd(["perf", "probe", "-q", "-d",
                                    self.group + ":*"], check=False)
            self.probes = False

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def events(self):
        """(time, event, trace, [stack frames, innermost first])."""
        r = subprocess.run(["perf", "script", "-i",
                            os.path.join(self.dir, "data"), "-F",
                            "time,event,trace,ip,sym"],
                           capture_output=True, text=True, timeout=300)
        pat = re.compile(r"\s*([\d.]+):\s+(\S+):\s*(.*)")
        for blk in r.stdout.split("\n\n"):
            lines = [ln for ln in blk.splitlines() if ln.strip()]
            m = pat.match(lines[0]) if lines else None
            if m:
                frames = [ln.split()[1] if len(ln.split()) > 1 else "?"
                          for ln in lines[1:]]
                yield float(m.group(1)), m.group(2), m.group(3), frames

    @staticmethod
    def where(frames):
        """The call argod was in: the frame after the syscall entry."""
        for k, f in enumerate(frames):
            if f.startswith("entry_SYSCALL") and k + 1 < len(frames):
                return frames[k + 1]
        user = [f for f in frames if not f.startswith(("schedule",
                "__schedule", "irqentry", "asm_", "exc_", "__cond"))]
        return user[0] if user else "?"

    def report(self):
        """Prints where the long stretches went. perf sees argod's own
        events only: a switch away is recorded, the switch back is the
        next event of argod's."""
        g = self.group
        woke, inside, long_ = None, [], []
        n = 0
        for t, ev, rest, fr in self.events():
            if ev == g + ":woke":
                woke, inside = t, []
            elif ev == g + ":sleeps":
                if woke is not None:
                    n += 1
                    if (t - woke) * 1000 >= self.MIN_MS:
                        long_.append((woke, t, inside + [(t, ev, rest,
                                                          fr)]))
                woke = None
            elif woke is not None:
                inside.append((t, ev, rest, fr))
        tot = {"preempted": 0.0, "blocked": 0.0}
        by_task, by_call, by_block = {}, {}, {}
        rows = []
        for a, b, ins in long_:
            pre = blk = 0.0
            out = None
            for t, ev, rest, fr in ins:
                if out is not None:     # argod runs again
                    d = (t - out[0]) * 1000
                    if out[1].startswith("R"):
                        pre += d
                        by_task[out[2]] = by_task.get(out[2], 0.0) + d
                        by_call[out[3]] = by_call.get(out[3], 0.0) + d
                    else:
                        blk += d
                        by_block[out[3]] = by_block.get(out[3], 0.0) + d
                    out = None
                if ev == "sched:sched_switch":
                    m = re.search(r"prev_state=(\S+) ==> next_comm=(\S+)",
                                  rest)
                    if m:
                        out = (t, m.group(1), m.group(2), self.where(fr))
            tot["preempted"] += pre
            tot["blocked"] += blk
            rows.append(((b - a) * 1000, pre, blk))
        span = sum(r[0] for r in rows)

        def top(d, k=6):
            return ", ".join("%s %.1f ms" % kv for kv in sorted(
                d.items(), key=lambda kv: -kv[1])[:k]) or "-"
        with open(os.path.join(self.dir, "record.log")) as f:
            for ln in f:
                if "lost" in ln.lower():
                    print("loop --perf: perf record: %s" % ln.strip())
        print("loop --perf: %d stretches traced, %d of %.0f ms or more, "
              "%.1f ms in all: preempted %.1f ms, blocked %.1f ms, on the "
              "CPU %.1f ms" % (n, len(rows), self.MIN_MS, span,
                                tot["preempted"], tot["blocked"],
                                span - tot["preempted"] - tot["blocked"]))
        print("loop --perf: preempted by %s" % top(by_task))
        print("loop --perf: preempted in %s" % top(by_call))
        print("loop --perf: blocked in %s" % top(by_block))
        for d, pre, blk in sorted(rows, key=lambda r: -r[0])[:5]:
            print("loop --perf:   %.2f ms: preempted %.2f, blocked %.2f, on "
                  "the CPU %.2f" % (d, pre, blk, d - pre - blk))


def set_affinity(pid, cpus):
    """Moves every thread of pid to cpus."""
    try:
        tids = [int(t) for t in os.listdir("/proc/%d/task" % pid)]
    except OSError:
        return
    for t in tids:
        try:
            os.sched_setaffinity(t, cpus)
        except OSError:
            pass


def pin(ov, egr):
    """argod on egr gets CPU 1 alone among the lab's processes; the rest
    of the lab (nginx, the hostile servers, the other argod, argo-linkem,
    this script) goes to CPU 0, so that an origin or the link emulator
    woken by argod's own connect() or send() does not preempt it, as it
    would not where origins are other machines. Other users of the
    machine still run anywhere."""
    me = ov.argod[egr].pid
    for ns in ov.lab.namespaces:
        for p in argolab.netlab.netns_pids(ns):
            if p != me:
                set_affinity(p, {0})
    if ov.lab.linkem_proc is not None:
        set_affinity(ov.lab.linkem_proc.pid, {0})
    os.sched_setaffinity(0, {0})    # this thread, and the probe's
    set_affinity(me, {1})


def bench_loop(seconds, kinds, trace=False, pinned=False):
    nh = N_HOSTILE if kinds else 0
    origins = loop_origins(kinds)
    ov = argolab.Overlay(["egr", "ing"], [[0, 20], [20, 0]],
                         advertised=True, origins=origins)
    EGR = 0
    servers = []
    probe = tracer = None
    try:
        with ov:
            # from argod's start: when does busy_max grow?
            t_start = time.monotonic()
            early = StatusProbe(ov.sock(EGR))
            early.measure = False
            early.start()
            host = ov.attach_host("org", EGR, 97)
            lines = ["addr add 10.120.%d.2/32 dev lo" % k
                     for k in range(N_ORIGINS)]
            argolab.netlab.ip_batch(host, lines)
            ov.lab.exec(EGR, ["ip", "route", "add", "10.120.0.0/16", "via",
                              "10.97.0.2"])
            s = Nginx(host, os.path.join(ov.dir, "nginx"), "fast",
                      conns=1024)
            s.start()
            servers.append(s)
            for j, kind in enumerate(kinds):
                s = Hostile(host, kind, HOSTILE_PORT + j,
                            os.path.join(ov.dir, "hostile-%s.log" % kind))
                s.start()
                servers.append(s)

            def healthy():
                o = ov.ctl(EGR, "origins")["origins"]
                return sum(x["health"] == "healthy" for x in o) \
                    >= N_ORIGINS - nh
            wait_for(healthy, 30, what="%d origins healthy" % (
                N_ORIGINS - nh))
            if pinned:
                pin(ov, EGR)
            early.halt.set()
            early.join()
            st0 = ov.ctl(EGR, "status")["loop"]
            pid = ov.argod[EGR].pid
            sch0 = proc_sched(pid)
            probe = StatusProbe(ov.sock(EGR))
            if trace:
                tracer = LoopTrace(pid, argolab.binary("argod"))
                tracer.start()
            t0 = time.monotonic()
            probe.start()
            while time.monotonic() - t0 < seconds:
                time.sleep(1)
                if not ov.alive(EGR):
                    raise argolab.LabError("argod on egr exited")
            probe.halt.set()
            probe.join()
            st = ov.ctl(EGR, "status")["loop"]
            sch = [b - a for a, b in zip(sch0, proc_sched(pid))]
            if tracer is not None:
                tracer.stop()
            org = ov.ctl(EGR, "origins")["origins"]
            by = {}
            for o in org:
                kind = o["origin"].split("-", 1)[1]
                h = by.setdefault(kind, {})
                h[o["health"]] = h.get(o["health"], 0) + 1
                last = o.get("last") or {}
                if last.get("reason"):
                    h.setdefault("reasons", set()).add(last["reason"][:60])
            log = ov.argod_log(EGR)
            with open(log) as f:
                logtail = f.read().splitlines()
    except BaseException:
        if tracer is not None:
            tracer.cleanup()
        raise
    finally:
        if pinned:
            os.sched_setaffinity(0, range(os.cpu_count()))
        if probe is not None:
            probe.halt.set()
        if tracer is not None:
            tracer.stop()
        for s in servers:
            s.stop()
    print("loop: before the run busy_max grew to %s (times from the "
          "daemons' start)" % ", ".join(
        "%.1f ms by %.1f s" % (m, t - t_start) for t, m in early.grew))
    hist = st["busy_histogram"]
    dh = {k: hist[k] - st0["busy_histogram"].get(k, 0) for k in hist}
    print("loop: %d origins (%d nginx, %d hostile: %s), %d s, %s" % (
        N_ORIGINS, N_ORIGINS - nh, nh, ", ".join(kinds) or "none",
        seconds, "argod on a CPU of its own (the lab's other processes "
        "on the other)" if pinned else "CPUs shared with the lab's "
        "servers"))
    for kind in sorted(by):
        h = by[kind]
        print("  %-13s %s%s" % (kind, ", ".join(
            "%d %s" % (v, k) for k, v in sorted(h.items())
            if k != "reasons"),
            ("; " + " | ".join(sorted(h["reasons"])))
            if "reasons" in h else ""))
    bounds = [("under_1ms", 0, 1), ("under_5ms", 1, 5),
              ("under_20ms", 5, 20), ("under_100ms", 20, 100),
              ("longer", 100, None)]
    worst = [b for b in bounds if dh.get(b[0])][-1]
    if st["busy_max_ms"] > st0["busy_max_ms"]:
        during = "%.3f ms" % st["busy_max_ms"]
    else:
        during = "%s-%s ms (busy_max did not grow: its value is from " \
            "start-up)" % (worst[1], worst[2] or "")
    print("loop: busy_max_ms %.3f since start (%.3f before the run); "
          "longest stretch during the run %s; %d iterations, busy %.3f s" % (
              st["busy_max_ms"], st0["busy_max_ms"], during,
              st["iterations"], st["busy_s"]))
    print("loop: busy histogram since start %s" % json_compact(hist))
    print("loop: busy histogram during the run %s" % json_compact(dh))
    print("loop: argod during the run: busy %.2f s (wall), %.2f s of CPU "
          "(all of it, polls too), %d voluntary and %d involuntary context "
          "switches (involuntary: preempted by another process)" % (
              st["busy_s"] - st0["busy_s"], sch[0], sch[1], sch[2]))
    t = probe.times
    print("loop: status answered %d times in %s ms (%d failed)" % (
        len(t), mmm(t, "%.1f") if t else "-", probe.errors))
    print("loop: target busy_max under 5 ms: %s since start, %s during "
          "the run" % ("met" if st["busy_max_ms"] < 5 else "NOT met",
                       "met" if worst[2] is not None and worst[2] <= 5
                       else "NOT met"))
    nw = sum("warn" in ln.lower() for ln in logtail)
    print("loop: argod log: %d lines, %d warnings" % (len(logtail), nw))
    if tracer is not None:
        try:
            tracer.report()
        finally:
            tracer.cleanup()
    return {"loop": st, "before": st0, "status_ms": t}


def json_compact(d):
    return " ".join("%s=%s" % kv for kv in d.items())


def main():
    env = os.environ.get
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int,
                    default=int(env("BENCH_ORIGINS_ROUNDS", 5)))
    ap.add_argument("--curls", type=int,
                    default=int(env("BENCH_ORIGINS_CURLS", 20)))
    ap.add_argument("--seconds", type=int,
                    default=int(env("BENCH_ORIGINS_SECONDS", 60)))
    ap.add_argument("--hostile", default=",".join(
        sorted(originlab.HOSTILE_KINDS)), help="the hostile kinds of the "
        "loop part, comma-separated (none: 100 origins on nginx)")
    ap.add_argument("--perf", action="store_true", help="loop: trace "
                    "argod with perf(1) and say where its long stretches "
                    "went")
    ap.add_argument("--pin", choices=["both", "yes", "no"],
                    default="both", help="loop: run with argod on a CPU "
                    "of its own, with CPUs shared, or both (default)")
    ap.add_argument("parts", nargs="*",
                    choices=[[], "failover", "ttfb", "loop"])
    a = ap.parse_args()
    parts = a.parts or ["failover", "ttfb", "loop"]
    for prog in ("nginx", "curl"):
        if shutil.which(prog) is None:
            print("bench_origins: %s is not installed (Debian: %s)" % (
                prog, "nginx-light" if prog == "nginx" else prog))
            return 77
    if os.geteuid() != 0:
        print("bench_origins: needs root (namespaces), skipped")
        return 77
    if "failover" in parts:
        bench_failover(a.rounds)
    if "ttfb" in parts:
        bench_ttfb(a.curls)
    if "loop" in parts:
        kinds = [k for k in a.hostile.split(",") if k and k != "none"]
        for k in kinds:
            if k not in originlab.HOSTILE_KINDS:
                ap.error("no hostile kind %r (%s)" % (
                    k, ", ".join(sorted(originlab.HOSTILE_KINDS))))
        if a.perf and shutil.which("perf") is None:
            ap.error("--perf: perf is not installed (Debian: linux-perf)")
        pins = {"both": [False, True], "yes": [True], "no": [False]}
        for p in pins[a.pin] if os.cpu_count() >= 2 else [False]:
            bench_loop(a.seconds, kinds, a.perf, p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
