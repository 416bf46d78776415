#!/usr/bin/python3
"""Peer comparison: argod, FRR OSPF + BFD and babeld on one emulated mesh.

Six PoPs in network namespaces, a full mesh of 15 emulated links
(argo-linkem; one-way delays 10-120 ms, asymmetric, 8 of the 30 best
paths are detours faster than the direct link; no two paths of a pair
within 9 ms of each other). Each router in turn, on a fresh copy of the
same mesh:

  argod    its defaults (probe-interval 100ms, detect-multiplier 2, ...);
  frr      zebra + ospfd + bfdd of Debian's frr, one set per namespace:
           point-to-point interfaces, BFD 100 ms x 3, SPF throttle
           0/50/200, link cost = the RTT measured by ping before the
           start (in 0.1 ms, argod's own resolution);
  babeld   Debian's babeld 1.12: hello 0.5 s, enable-timestamps true, an
           RTT cost of 10 per ms on top of rxcost 8 (rtt-min 1,
           rtt-max 301, max-rtt-penalty 3000), so that its metric is the
           RTT as for the others.

Every PoP i has 10.100.i.1 on lo and routes 10.100.0.0/16 addresses;
what the kernel does is the truth: paths are followed hop by hop with
`ip route get` in every namespace.

  paths optimal  ordered pairs (x/30) whose kernel path is the best one
                 on the emulated RTTs, and when 30/30 was first seen;
  idle bytes     bytes sent on the link devices per PoP per second,
                 converged and idle (counters of `ip -s -j link`);
  link cut       the link carrying the most best paths fails silently
                 (every packet lost both ways, devices up); a paced UDP
                 stream (RATE packets/s, sent and received by this
                 process through sockets of the namespaces) runs on every
                 ordered pair whose path crosses it; outage = the longest
                 run of missing sequence numbers / RATE; "remote" are the
                 streams whose ingress PoP is not an end of the cut link;
  congestion     +80 ms on one direction of the most used directed link;
                 time from the change until no pair whose best path then
                 avoids it has a kernel path over it (polled, ~20 ms).

    bench/bench_peers.py [-t TRIALS] [-r argod,frr,babeld]   (root, after make)
    make bench-peers

It installs nothing: without zebra/ospfd/bfdd or babeld it says
`apt-get install frr babeld` and leaves that router out.
"""

import argparse
import ctypes
import heapq
import json
import os
import select
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
import argolab  # noqa: E402
import netlab  # noqa: E402
from netlab import wait_for, LabError  # noqa: E402

FRR = "/usr/lib/frr"

NAMES = ["ams", "lon", "nyc", "sfo", "sin", "syd"]
# One-way delays in ms, row = source. Inflated direct links (ams-sfo,
# lon-sfo, lon-sin, nyc-syd) make detours the best paths.
DELAY = [[0, 10, 42, 92, 82, 120],
         [12, 0, 36, 80, 100, 118],
         [45, 38, 0, 32, 115, 118],
         [94, 78, 30, 0, 88, 72],
         [90, 104, 110, 92, 0, 48],
         [116, 120, 112, 70, 52, 0]]
N = len(NAMES)
PAIRS = [(s, d) for s in range(N) for d in range(N) if s != d]
CONGEST_MS = 80


def dst_addr(d):
    return "10.100.%d.1" % d


def rtt_of(delay, i, j):
    return delay[i][j] + delay[j][i]


def best_paths(delay, exclude=(), extra=None):
    """{(s, d): path} on the RTTs; extra: {(u, v): ms} added to the RTT
    of a link (both ends measure the round trip)."""
    excl = {frozenset(e) for e in exclude}
    out = {}
    for s in range(N):
        dist, pred, heap = {s: 0.0}, {s: None}, [(0.0, s)]
        while heap:
            c, u = heapq.heappop(heap)
            if c > dist[u]:
                continue
            for v in range(N):
                if v == u or frozenset((u, v)) in excl:
                    continue
                w = rtt_of(delay, u, v) + (extra or {}).get(
                    frozenset((u, v)), 0)
                if c + w < dist.get(v, 1e18):
                    dist[v], pred[v] = c + w, u
                    heapq.heappush(heap, (c + w, v))
        for d in range(N):
            if d != s and d in pred:
                p, v = [], d
                while v is not None:
                    p.append(v)
                    v = pred[v]
                out[(s, d)] = p[::-1]
    return out


def uses(path, a, b, directed=False):
    if not path:
        return False
    for k in range(len(path) - 1):
        if (path[k], path[k + 1]) == (a, b) or \
                (not directed and (path[k], path[k + 1]) == (b, a)):
            return True
    return False


def pname(p):
    return "-".join(NAMES[x] for x in p) if p else "none"


# ---------------------------------------------------------------- kernel

def _route_get_lines(out):
    """`ip -batch` output of route get: one result per query (a result
    may span lines; each starts with the queried address or a type)."""
    res, cur = [], None
    for line in out.splitlines():
        if not line.strip():
            continue
        if line.startswith((" ", "\t")) and cur is not None:
            cur += " " + line.strip()
            continue
        if cur is not None:
            res.append(cur)
        cur = line.strip()
    if cur is not None:
        res.append(cur)
    return res


def next_hops(lab, nodes=None):
    """{(u, d): next node, 'local' or None} from the kernels, the
    namespaces queried in parallel."""
    nodes = range(N) if nodes is None else nodes
    procs = {}
    for u in nodes:
        q = "".join("route get %s\n" % dst_addr(d) for d in range(N)
                    if d != u)
        p = subprocess.Popen(["ip", "-n", lab.ns(u), "-force", "-batch",
                              "-"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
        p.stdin.write(q)
        p.stdin.close()
        procs[u] = p
    nh = {}
    pop = {netlab.pop_addr(i): i for i in range(N)}
    for u, p in procs.items():
        out = p.stdout.read()
        p.wait()
        res = {}
        for line in _route_get_lines(out):
            f = line.split()
            if f[0] == "local":
                res[f[1]] = "local"
                continue
            key = f[0]
            if key in ("unicast", "unreachable", "blackhole",
                       "prohibit"):
                key = f[1] if len(f) > 1 else key
            hop = None
            if "encap" in f and "dst" in f[f.index("encap"):]:
                a = f[f.index("dst", f.index("encap")) + 1]
                hop = pop.get(a)
            elif "dev" in f:
                dev = f[f.index("dev") + 1]
                if dev.startswith("e") and dev[1:].isdigit():
                    hop = int(dev[1:])
                elif dev == "lo":
                    hop = "local"
            res[key] = hop
        for d in range(N):
            if d != u:
                nh[(u, d)] = res.get(dst_addr(d))
    return nh


def kernel_paths(lab, pairs=PAIRS, nh=None):
    nh = nh or next_hops(lab)
    out = {}
    for (s, d) in pairs:
        p, u = [s], s
        while u != d and len(p) <= N:
            v = nh.get((u, d))
            if v is None or v == "local":
                break
            p.append(v)
            u = v
        out[(s, d)] = p if u == d else None
    return out


def tx_bytes(lab):
    """Bytes sent so far on the link devices of every PoP."""
    out = []
    for i in range(N):
        js = json.loads(lab.exec(i, ["ip", "-s", "-j", "link", "show"]))
        out.append(sum(x["stats64"]["tx"]["bytes"] for x in js
                       if x["ifname"].startswith("e") and
                       x["ifname"][1:].isdigit()))
    return out


def measure_rtts(lab):
    """{(i, j): min RTT in ms} over every link, by ping, in parallel."""
    res = {}

    def one(i, j):
        r = lab.ping(i, j, count=6, interval=0.2)
        res[(i, j)] = r["min"]
    th = [threading.Thread(target=one, args=(i, j))
          for i in range(N) for j in range(i + 1, N)]
    for t in th:
        t.start()
    for t in th:
        t.join()
    for (i, j), v in list(res.items()):
        if v is None:
            raise LabError("no ping answer over %s-%s" % (NAMES[i],
                                                          NAMES[j]))
        res[(j, i)] = v
    return res


# ---------------------------------------------------------------- routers

class Argod:
    name = "argod"
    title = "argod (defaults)"
    settle = 6.0        # a link back: 1 s hold, settled RTT 5 s later

    def missing(self):
        try:
            argolab.binary("argod")
        except LabError as e:
            return str(e)
        return None

    def start(self, lab):
        ov = argolab.Overlay(NAMES, [[0] * N] * N,
                             origins=[("o-%s" % NAMES[i],
                                       "10.100.%d.0/24" % i, [i])
                                      for i in range(N)])
        ov.lab = lab
        self.ov = ov
        ov.start()

    def stop(self):
        pass


class Frr:
    name = "frr"
    title = "FRR OSPF + BFD 100ms x3"
    settle = 6.0        # LSA origination throttle: 5 s

    def missing(self):
        try:
            import pwd
            pwd.getpwnam("frr")
        except KeyError:
            return "no frr user: apt-get install frr babeld"
        for d in ("zebra", "ospfd", "bfdd"):
            if not os.access(os.path.join(FRR, d), os.X_OK):
                return "%s/%s not found: apt-get install frr babeld" % (
                    FRR, d)
        return None

    def start(self, lab):
        self.dir = None
        rtt = measure_rtts(lab)
        self.cost = {k: max(1, int(round(v * 10))) for k, v in rtt.items()}
        # The daemons drop to the frr user (as Debian's service runs
        # them; as root they want root in the frrvty group): their
        # directory is theirs, outside the lab's private one.
        import grp
        import pwd
        uid, gid = pwd.getpwnam("frr").pw_uid, grp.getgrnam("frr").gr_gid
        self.dir = tempfile.mkdtemp(prefix="bench-peers-frr-")
        os.chmod(self.dir, 0o755)
        for i in range(N):
            d = os.path.join(self.dir, NAMES[i])
            os.makedirs(d, exist_ok=True)
            self.write(i, d)
            for x in [d] + [os.path.join(d, f) for f in os.listdir(d)]:
                os.chown(x, uid, gid)
        for i in range(N):
            d = os.path.join(self.dir, NAMES[i])
            common = ["-P", "0",
                      "--vty_socket", d, "-z", os.path.join(d, "zserv.api"),
                      "--log", "file:%s" % os.path.join(d, "log")]
            lab.run(i, [os.path.join(FRR, "zebra"), "-f",
                        os.path.join(d, "zebra.conf"), "-i",
                        os.path.join(d, "zebra.pid")] + common)
            wait_for(lambda: os.path.exists(os.path.join(d, "zserv.api")),
                     10, what="zebra of %s" % NAMES[i])
            lab.run(i, [os.path.join(FRR, "bfdd"), "-f",
                        os.path.join(d, "bfdd.conf"), "-i",
                        os.path.join(d, "bfdd.pid"), "--bfdctl",
                        os.path.join(d, "bfdd.sock")] + common)
            lab.run(i, [os.path.join(FRR, "ospfd"), "-f",
                        os.path.join(d, "ospfd.conf"), "-i",
                        os.path.join(d, "ospfd.pid")] + common)

    def write(self, i, d):
        with open(os.path.join(d, "zebra.conf"), "w") as f:
            f.write("hostname %s\n" % NAMES[i])
        with open(os.path.join(d, "bfdd.conf"), "w") as f:
            f.write("hostname %s\nbfd\n profile bench\n"
                    "  detect-multiplier 3\n  receive-interval 100\n"
                    "  transmit-interval 100\n !\n!\n" % NAMES[i])
        lines = ["hostname %s" % NAMES[i]]
        for j in range(N):
            if j != i:
                lines += ["interface e%d" % j,
                          " ip ospf network point-to-point",
                          " ip ospf cost %d" % self.cost[(i, j)],
                          " ip ospf bfd", " ip ospf bfd profile bench", "!"]
        lines += ["router ospf",
                  " ospf router-id %s" % netlab.pop_addr(i),
                  " timers throttle spf 0 50 200",
                  " network 10.78.0.0/16 area 0",
                  " network 10.100.0.0/16 area 0", "!"]
        with open(os.path.join(d, "ospfd.conf"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def stop(self):
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)


class Babel:
    name = "babeld"
    title = "babeld, RTT metric, hello 0.5s"
    settle = 6.0

    def missing(self):
        if not shutil.which("babeld"):
            return "babeld not found: apt-get install frr babeld"
        return None

    def start(self, lab):
        self.dir = os.path.join(lab._tmp, "babeld")
        os.makedirs(self.dir, exist_ok=True)
        for i in range(N):
            cmds = []
            for j in range(N):
                if j != i:
                    # The lab's links carry no IPv6 (to keep argod's and
                    # FRR's runs clean); Babel speaks over link-local.
                    cmds += ["sysctl -qw net.ipv6.conf.e%d.disable_ipv6=0"
                             % j,
                             "ip -6 addr add fe80::%d/64 dev e%d nodad "
                             "2>/dev/null || true" % (i + 1, j)]
            lab.exec(i, ["sh", "-ec", "; ".join(cmds)])
            conf = os.path.join(self.dir, "%s.conf" % NAMES[i])
            lines = ["router-id 02:00:00:00:00:%02x" % (i + 1),
                     "default type wired hello-interval 0.5 rxcost 8 "
                     "enable-timestamps true rtt-min 1 rtt-max 301 "
                     "max-rtt-penalty 3000",
                     "redistribute local ip 10.100.0.0/16 ge 24 allow",
                     "redistribute local deny"]
            lines += ["interface e%d" % j for j in range(N) if j != i]
            with open(conf, "w") as f:
                f.write("\n".join(lines) + "\n")
            lab.run(i, ["babeld", "-c", conf, "-I",
                        os.path.join(self.dir, "%s.pid" % NAMES[i]), "-S",
                        os.path.join(self.dir, "%s.state" % NAMES[i]),
                        "-d", "0"])

    def stop(self):
        pass


ROUTERS = {"argod": Argod, "frr": Frr, "babeld": Babel}


# ---------------------------------------------------------------- runs

def optimal_count(lab, want):
    kp = kernel_paths(lab)
    return sum(1 for k in PAIRS if kp[k] == want[k]), kp


def wait_optimal(lab, want, timeout):
    """Seconds until every kernel path is the best one (None: not within
    timeout) and the best count seen."""
    t0 = time.monotonic()
    best = 0
    while time.monotonic() - t0 < timeout:
        n, _ = optimal_count(lab, want)
        best = max(best, n)
        if n == len(PAIRS):
            return time.monotonic() - t0, n
        time.sleep(0.2)
    return None, best


def outage_of(received, sent, rate):
    got = sorted(set(received))
    if not got:
        return float("inf")
    longest = got[0]
    for a, b in zip(got, got[1:]):
        longest = max(longest, b - a - 1)
    if got[-1] < sent - 1:
        return float("inf")     # never came back
    return longest / rate


class Streams:
    """Paced UDP streams, one per flow (s, d): this process sends from a
    socket made in s's namespace to 10.100.d.1 and receives on one made
    in d's, so a stream runs from the moment start() returns (no program
    start-up on a loaded machine between the streams and the cut)."""

    def __init__(self, lab, flows, rate, port=9100):
        self.flows, self.rate = list(flows), rate
        self.tx, self.rx, self.got = [], [], [set() for _ in flows]
        for k, (s, d) in enumerate(self.flows):
            self.tx.append(netns_socket(lab.ns(s)))
            r = netns_socket(lab.ns(d), port + k)
            r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            r.setblocking(False)
            self.rx.append(r)
        self.port = port
        self.stop_ev = threading.Event()
        self.sent = 0

    def _send(self):
        t0 = time.monotonic()
        seq = 0
        while not self.stop_ev.is_set():
            d = t0 + seq / self.rate - time.monotonic()
            if d > 0:
                time.sleep(d)
            b = struct.pack("!Q", seq) + b"x" * 56
            for k, (s, dd) in enumerate(self.flows):
                try:
                    self.tx[k].sendto(b, (dst_addr(dd), self.port + k))
                except OSError:
                    pass        # no route for a moment: a lost packet
            seq += 1
            self.sent = seq

    def _recv(self):
        idx = {r.fileno(): k for k, r in enumerate(self.rx)}
        while not (self.stop_ev.is_set() and time.monotonic() > self.end):
            rd = select.select(self.rx, [], [], 0.05)[0]
            for r in rd:
                k = idx[r.fileno()]
                while True:
                    try:
                        b = r.recv(2048)
                    except BlockingIOError:
                        break
                    if len(b) >= 8:
                        self.got[k].add(struct.unpack("!Q", b[:8])[0])

    def start(self):
        self.end = float("inf")
        self.th = [threading.Thread(target=self._send),
                   threading.Thread(target=self._recv)]
        for t in self.th:
            t.start()

    def wait_flowing(self, n=25, timeout=10):
        wait_for(lambda: all(len(g) >= n for g in self.got), timeout,
                 what="every stream flowing")

    def stop(self, drain=1.0):
        self.end = time.monotonic() + drain
        self.stop_ev.set()
        for t in self.th:
            t.join()
        for x in self.tx + self.rx:
            x.close()

    def outages(self):
        return [(f, outage_of(self.got[k], self.sent, self.rate))
                for k, f in enumerate(self.flows)]


_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


def netns_socket(ns, port=None):
    """A UDP socket of namespace ns (bound to port, if given)."""
    me = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    fd = os.open("/var/run/netns/%s" % ns, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns %s" % ns)
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            if port is not None:
                s.bind(("0.0.0.0", port))
        finally:
            if _libc.setns(me, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back")
    finally:
        os.close(fd)
        os.close(me)
    return s


def cut_trial(lab, link, flows, rate, post=4.0):
    """Outages of the flows whose kernel path crosses link just before
    it fails (a path that moved off it since loses nothing)."""
    st = Streams(lab, flows, rate)
    st.start()
    try:
        st.wait_flowing()
        time.sleep(0.3)
        kp = kernel_paths(lab, flows)
        lab.fail_link(*link)
        time.sleep(post)
    finally:
        st.stop()
    return [(f, o) for f, o in st.outages() if uses(kp[f], *link)]


def congest_trial(lab, link, flows, limit):
    a, b = link
    nodes = sorted({x for f in flows for x in range(N)})
    lab.set_link(a, b, delay_ms=DELAY[a][b] + CONGEST_MS, direction="i2j")
    t0 = time.monotonic()
    while True:
        t = time.monotonic()
        kp = kernel_paths(lab, flows, next_hops(lab, nodes))
        if not any(uses(kp[f], a, b, directed=True) for f in flows):
            return t - t0
        if t - t0 > limit:
            return None
        time.sleep(0.01)


def restore_wait(lab, want, r, what, target):
    """Until as many paths are optimal as before the trial (a router
    that never got to 30/30 is not waited for in vain)."""
    t0 = time.monotonic()
    n = 0
    while time.monotonic() - t0 < 90:
        n, _ = optimal_count(lab, want)
        if n >= target:
            break
        time.sleep(0.2)
    else:
        print("  %s: %s did not get back to %d/30 (%d/30)" % (
            r.name, what, target, n), flush=True)
    time.sleep(r.settle)


def run_router(r, args):
    lab = netlab.Lab(n=N, names=NAMES, delays=DELAY)
    want = best_paths(DELAY)
    res = {}
    try:
        with lab:
            for i in range(N):
                netlab.ip_batch(lab.ns(i), ["addr add %s/32 dev lo" %
                                            dst_addr(i)])
            t_start = time.monotonic()
            r.start(lab)
            t, n = wait_optimal(lab, want, args.converge)
            t_all = time.monotonic() - t_start
            res["optimal"] = n
            res["optimal_after"] = t_all if t is not None else None
            n_now, kp = optimal_count(lab, want)
            print("%s: paths optimal %d/30%s" % (
                r.name, n, " after %.1f s" % t_all if t is not None else
                " (best seen within %d s)" % args.converge), flush=True)
            for k in PAIRS:
                if kp[k] != want[k]:
                    print("  %s -> %s: kernel %s, best %s" % (
                        NAMES[k[0]], NAMES[k[1]], pname(kp[k]),
                        pname(want[k])))
            # Idle means settled: argod probes a link fast for 10 s after
            # it changed state, FRR's adjacencies and babeld's RTT
            # estimates take a while too.
            time.sleep(max(r.settle, args.idle_settle - t_all))

            b0, t0 = tx_bytes(lab), time.monotonic()
            time.sleep(args.idle)
            b1, t1 = tx_bytes(lab), time.monotonic()
            per = [(y - x) / (t1 - t0) for x, y in zip(b0, b1)]
            res["idle"] = per
            print("%s: idle bytes/s per PoP: %s" % (r.name, " ".join(
                "%s %.0f" % (NAMES[i], per[i]) for i in range(N))), flush=True)

            # The link carrying the most best paths.
            cnt = {}
            for p in want.values():
                for k in range(len(p) - 1):
                    e = tuple(sorted(p[k:k + 2]))
                    cnt[e] = cnt.get(e, 0) + 1
            link = max(cnt, key=lambda e: (cnt[e], e))
            flows = [k for k in PAIRS if uses(want[k], *link)]
            cuts = []
            for trial in range(args.trials):
                out = cut_trial(lab, link, flows, args.rate)
                lab.restore_link(*link)
                cuts += [(f, o, trial) for f, o in out]
                print("%s: cut %s trial %d: %s" % (
                    r.name, pname(link), trial + 1, ", ".join(
                        "%s %s" % (pname([f[0], f[1]]), fmt_s(o))
                        for f, o in out)), flush=True)
                restore_wait(lab, want, r, "after the cut",
                             res["optimal"])
            res["cut"] = cuts
            res["cut_link"] = link

            # Congestion on the most used direction of a link.
            dcnt = {}
            for p in want.values():
                for k in range(len(p) - 1):
                    dcnt[(p[k], p[k + 1])] = dcnt.get((p[k], p[k + 1]), 0) + 1
            dlink = max(dcnt, key=lambda e: (dcnt[e], e))
            moved = best_paths(DELAY, extra={frozenset(dlink): CONGEST_MS})
            cflows = [k for k in PAIRS if uses(want[k], *dlink, directed=True)
                      and not uses(moved[k], *dlink, directed=True)]
            moves = []
            for trial in range(args.ctrials):
                t = congest_trial(lab, dlink, cflows, args.congest_limit)
                moves.append(t)
                print("%s: +%d ms on %s->%s (%s) trial %d: %s" % (
                    r.name, CONGEST_MS, NAMES[dlink[0]], NAMES[dlink[1]],
                    ", ".join(pname(list(f)) for f in cflows), trial + 1,
                    fmt_s(t) if t is not None else
                    "not moved within %.0f s" % args.congest_limit),
                    flush=True)
                lab.set_link(dlink[0], dlink[1], delay_ms=DELAY[dlink[0]][
                    dlink[1]], direction="i2j")
                restore_wait(lab, want, r, "after congestion",
                             res["optimal"])
            res["congest"] = moves
            res["congest_link"] = dlink
    finally:
        r.stop()
    return res


def fmt_s(v):
    if v is None:
        return "never"
    if v == float("inf"):
        return "no recovery"
    return "%.3f s" % v


def spread(vals, unit="s"):
    vals = [v for v in vals if v is not None]
    if not vals:
        return "-"
    if any(v == float("inf") for v in vals):
        fin = [v for v in vals if v != float("inf")]
        return "%d/%d never recovered" % (len(vals) - len(fin), len(vals))
    return "%.2f (%.2f-%.2f)" % (statistics.median(vals), min(vals),
                                 max(vals))


def table(results, args):
    cols = [ROUTERS[n].title for n in results]
    rows = []
    rows.append(["link cut: outage, all streams, median (min-max) s"] +
                [spread([o for _, o, _ in res["cut"]])
                 for res in results.values()])
    rows.append(["link cut: outage, remote ingress, median (min-max) s"] +
                [spread([o for f, o, _ in res["cut"]
                         if f[0] not in res["cut_link"]])
                 for res in results.values()])
    rows.append(["link cut: worst stream per trial, median (min-max) s"] +
                [spread([max(o for _, o, t in res["cut"] if t == k)
                         for k in sorted({t for _, _, t in res["cut"]})])
                 for res in results.values()])
    cr = []
    for res in results.values():
        m = res["congest"]
        if all(v is None for v in m):
            cr.append("never (> %.0f s)" % args.congest_limit)
        elif any(v is None for v in m):
            cr.append("%s; %d/%d > %.0f s" % (
                spread(m), sum(v is None for v in m), len(m),
                args.congest_limit))
        else:
            cr.append(spread(m))
    rows.append(["+%d ms one way on a path link: time to move, s" %
                 CONGEST_MS] + cr)
    rows.append(["idle control bytes/s per PoP, mean (max)"] +
                ["%.0f (%.0f)" % (statistics.mean(res["idle"]),
                                  max(res["idle"]))
                 for res in results.values()])
    rows.append(["paths optimal"] +
                ["%d/30%s" % (res["optimal"], " after %.0f s" %
                              res["optimal_after"]
                              if res["optimal_after"] is not None else "")
                 for res in results.values()])
    w0 = max(len(r[0]) for r in rows)
    ws = [max(len(c), *(len(r[k + 1]) for r in rows))
          for k, c in enumerate(cols)]
    print("")
    print(" | ".join([" " * w0] + [c.ljust(w) for c, w in zip(cols, ws)]))
    for r in rows:
        print(" | ".join([r[0].ljust(w0)] +
                         [c.ljust(w) for c, w in zip(r[1:], ws)]))
    res = next(iter(results.values()))
    print("link cut: %s, %d trials at %.0f packets/s per stream; "
          "congestion: +%d ms on %s->%s, %d trials" % (
              pname(res["cut_link"]), args.trials, args.rate, CONGEST_MS,
              NAMES[res["congest_link"][0]], NAMES[res["congest_link"][1]],
              args.ctrials))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-t", "--trials", type=int, default=5,
                    help="link cuts per router (default 5)")
    ap.add_argument("-c", "--ctrials", type=int, default=3,
                    help="congestion trials per router (default 3)")
    ap.add_argument("-r", "--routers", default="argod,frr,babeld")
    ap.add_argument("--rate", type=float, default=250.0,
                    help="packets/s of every stream (default 250)")
    ap.add_argument("--idle", type=float, default=20.0,
                    help="seconds of idle byte counting (default 20)")
    ap.add_argument("--idle-settle", type=float, default=30.0,
                    help="idle counting starts this long after the "
                    "daemons (default 30)")
    ap.add_argument("--converge", type=float, default=90.0,
                    help="seconds to wait for 30/30 (default 90)")
    ap.add_argument("--congest-limit", type=float, default=15.0)
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("bench_peers: needs root (network namespaces)")
        return 77
    netlab.cleanup_stale()
    results = {}
    print("load: %s" % open("/proc/loadavg").read().strip(), flush=True)
    for name in args.routers.split(","):
        r = ROUTERS[name]()
        why = r.missing()
        if why:
            print("%s: skipped: %s" % (name, why), flush=True)
            continue
        results[name] = run_router(r, args)
    if results:
        table(results, args)
    print("load: %s" % open("/proc/loadavg").read().strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
