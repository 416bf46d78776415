"""argolab: real argod daemons on a netlab network, for tests and the demo.

An Overlay is a netlab.Lab (one namespace per PoP, emulated links) with one
argod per PoP, each with a generated config, its own status socket and its
own log. It speaks the status protocol (newline-delimited JSON over a UNIX
socket, see argoctl(8)) directly, and computes the routes the daemons must
agree with: Dijkstra on the emulated RTTs, with argod's tie rules.
"""

import heapq
import json
import os
import secrets
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlab  # noqa: E402
from netlab import wait_for, WaitTimeout  # noqa: E402,F401

BUILD = os.environ.get("top_builddir") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SRC = os.environ.get("top_srcdir") or BUILD


def aws32(regions):
    """Names and the directed RTT submatrix (ms) of the given regions."""
    path = os.path.join(SRC, "tests", "data", "aws32_rtt_p50_ms.csv")
    names, m = netlab.load_matrix(path)
    return netlab.submatrix(names, m, regions)


class Ctl:
    """One connection to a status socket."""

    def __init__(self, path, timeout=5.0):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        try:
            self.s.connect(path)
        except OSError:
            self.s.close()
            raise
        self.buf = b""
        self.banner = self.line()

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("status socket closed")
            self.buf += chunk
        ln, self.buf = self.buf.split(b"\n", 1)
        return json.loads(ln)

    def cmd(self, cmd, **kw):
        req = dict(cmd=cmd, **kw)
        self.s.sendall(json.dumps(req).encode() + b"\n")
        while True:
            r = self.line()
            if "event" not in r:
                return r

    def events(self):
        """Events received so far (non-blocking)."""
        out = []
        self.s.setblocking(False)
        try:
            while True:
                chunk = self.s.recv(65536)
                if not chunk:
                    break
                self.buf += chunk
        except BlockingIOError:
            pass
        finally:
            self.s.setblocking(True)
        while b"\n" in self.buf:
            ln, self.buf = self.buf.split(b"\n", 1)
            out.append(json.loads(ln))
        return out

    def close(self):
        self.s.close()


class Overlay:
    def __init__(self, names, rtt, origins=None, extra_conf="", **labkw):
        """names: PoP names; rtt[i][j]: directed RTT in ms (the one-way
        delay i->j is rtt[i][j]/2). origins: list of (name, prefix,
        [egress indices]); default one 10.100.i.0/24 behind each PoP."""
        self.names = list(names)
        self.n = len(names)
        self.rtt = [list(r) for r in rtt]
        self.origins = origins or [
            ("o-%s" % self.names[i], "10.100.%d.0/24" % i, [i])
            for i in range(self.n)]
        self.extra_conf = extra_conf
        self.lab = netlab.Lab.from_rtt(self.names, self.rtt, **labkw)
        self.key = secrets.token_hex(32)
        self.procs = [None] * self.n
        self.pop_extra = {}     # i -> extra config lines for PoP i
        self.dir = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        self.lab.start()
        self.dir = os.path.join(self.lab._tmp, "argod")
        os.makedirs(self.dir, exist_ok=True)
        for i in range(self.n):
            self.write_conf(i)
        for i in range(self.n):
            self.start_pop(i)

    def sock(self, i):
        return os.path.join(self.dir, "%s.sock" % self.names[i])

    def conf_path(self, i):
        return os.path.join(self.dir, "%s.conf" % self.names[i])

    def write_conf(self, i):
        lines = ["node %s" % self.names[i],
                 "listen %s" % self.lab.pop_addr(i),
                 'key "%s"' % self.key,
                 'control "%s"' % self.sock(i),
                 'control-readonly "%s"' % (self.sock(i) + ".ro"),
                 'pidfile "%s"' % os.path.join(self.dir,
                                               "%s.pid" % self.names[i])]
        lines += self.extra_conf.splitlines()
        lines += self.pop_extra.get(i, "").splitlines()
        for j in self.lab.neighbours(i):
            lines.append("peer %s address %s" % (self.names[j],
                                                  self.lab.pop_addr(j)))
        for (name, prefix, egress) in self.origins:
            lines.append("origin %s {" % name)
            lines.append("\tprefix %s" % prefix)
            lines.append("\tegress %s" % " ".join(self.names[e]
                                                  for e in egress))
            lines.append("}")
        with open(self.conf_path(i), "w") as f:
            f.write("\n".join(lines) + "\n")

    def start_pop(self, i, wrapper=()):
        argod = os.path.join(BUILD, "argod")
        self.write_conf(i)
        self.procs[i] = self.lab.run(i, list(wrapper) + [
            argod, "-d", "-c", self.conf_path(i)])
        wait_for(lambda: os.path.exists(self.sock(i)), 10,
                 what="%s's status socket" % self.names[i])

    def attach_host(self, name, pop, subnet):
        """A host namespace behind PoP pop on 10.<subnet>.0.0/24: the PoP
        is .1, the host .2 with its default route via the PoP. Deleted
        with the lab. Returns the host's namespace name."""
        ns = "%s%s" % (self.lab.prefix, name)
        netlab._cmd(["ip", "netns", "add", ns])
        self.lab.namespaces.append(ns)
        a, b = "hv%d%s" % (os.getpid() % 10000, name[:3]), "hp%s" % name[:8]
        netlab._cmd(["ip", "link", "add", a, "type", "veth", "peer", "name",
                     b])
        netlab._cmd(["ip", "link", "set", a, "netns", ns, "name", "eth0"])
        netlab._cmd(["ip", "link", "set", b, "netns", self.lab.ns(pop)])
        netlab._ip_batch(ns, ["link set lo up", "link set eth0 up",
                              "addr add 10.%d.0.2/24 dev eth0" % subnet,
                              "route add default via 10.%d.0.1" % subnet])
        netlab._ip_batch(self.lab.ns(pop), [
            "link set %s up" % b,
            "addr add 10.%d.0.1/24 dev %s" % (subnet, b)])
        return ns

    def host_exec(self, ns, argv, **kw):
        import subprocess
        return subprocess.run(["ip", "netns", "exec", ns] + list(argv),
                              capture_output=True, text=True, **kw)

    def dev_stats(self, i, dev="argo0"):
        """rx/tx packet counters of a device in PoP i (None: absent)."""
        out = self.lab.exec(i, ["sh", "-c",
                                "cat /sys/class/net/%s/statistics/rx_packets"
                                " /sys/class/net/%s/statistics/tx_packets "
                                "2>/dev/null || true" % (dev, dev)])
        v = out.split()
        return (int(v[0]), int(v[1])) if len(v) == 2 else None

    def kernel_routes(self, i, table=4242, proto=241):
        """Routes of ours in PoP i: [{"dst": prefix, "encap_dst": addr,
        "dev": dev}]. Parsed from text: iproute2's JSON output lets the
        encap's dst overwrite the route's."""
        # A table that never held a route does not exist yet: empty.
        out = self.lab.exec(i, ["ip", "route", "show", "table", str(table),
                                "proto", str(proto)], check=False)
        routes = []
        for line in out.splitlines():
            f = line.split()
            if not f:
                continue
            r = {"dst": f[0] if "/" in f[0] or f[0] == "default"
                 else f[0] + "/32"}
            if "encap" in f:
                k = f.index("encap")
                if "dst" in f[k:]:
                    r["encap_dst"] = f[f.index("dst", k) + 1]
            if "dev" in f:
                r["dev"] = f[f.index("dev") + 1]
            routes.append(r)
        return routes

    def kernel_rules(self, i, table=4242):
        out = self.lab.exec(i, ["ip", "-j", "rule", "show"])
        return [r for r in json.loads(out or "[]")
                if str(r.get("table")) == str(table)]

    def kill_pop(self, i, sig=signal.SIGKILL):
        self.lab.kill(self.procs[i], sig)
        self.procs[i] = None

    def alive(self, i):
        return self.procs[i] is not None and self.procs[i].poll() is None

    def ctl(self, i, cmd, **kw):
        c = Ctl(self.sock(i))
        try:
            r = c.cmd(cmd, **kw)
        finally:
            c.close()
        if not r.get("ok"):
            raise RuntimeError("%s: %s: %s" % (self.names[i], cmd,
                                               r.get("error")))
        return r

    def stop(self):
        self.lab.cleanup()

    # ------------------------------------------------ expected answers

    def link_rtt(self, i, j):
        """RTT that PoP i measures to j: there and back."""
        return (self.rtt[i][j] + self.rtt[j][i]) / 2.0

    def offline_paths(self, src, exclude_links=(), dead=()):
        """Shortest paths from src on the emulated RTTs. Ties: fewer hops,
        then the lower predecessor id, as argod's SPF. Returns
        {dst: [names...]}."""
        ids = {}
        for k, name in enumerate(self.names):
            ids[k] = node_id(name)
        excl = {frozenset(e) for e in exclude_links}
        best = {src: (0.0, 0)}
        pred = {src: None}
        done = set()
        heap = [(0.0, 0, src)]
        while heap:
            d, h, u = heapq.heappop(heap)
            if u in done:
                continue
            done.add(u)
            for v in self.lab.neighbours(u):
                if v in dead or frozenset((u, v)) in excl:
                    continue
                nd = d + round(self.link_rtt(u, v), 1)
                key = (round(nd, 1), h + 1)
                cur = best.get(v)
                if cur is None or key < (round(cur[0], 1), cur[1]) or (
                        key == (round(cur[0], 1), cur[1]) and
                        ids[u] < ids[pred[v]]):
                    best[v] = (nd, h + 1)
                    pred[v] = u
                    heapq.heappush(heap, (nd, h + 1, v))
        paths = {}
        for v in best:
            p, x = [], v
            while x is not None:
                p.append(self.names[x])
                x = pred[x]
            paths[v] = list(reversed(p))
        return paths, best

    def expected_routes(self, i, exclude_links=(), dead=()):
        """{prefix: path} for PoP i."""
        paths, cost = self.offline_paths(i, exclude_links, dead)
        out = {}
        for (name, prefix, egress) in self.origins:
            cands = [(cost[e][0], cost[e][1], node_id(self.names[e]), e)
                     for e in egress if e in paths]
            if not cands:
                out[prefix] = None
                continue
            e = min(cands)[3]
            out[prefix] = paths[e]
        return out

    def routes(self, i):
        r = self.ctl(i, "routes")["routes"]
        return {x["prefix"]: (x["path"] if x["reachable"] else None)
                for x in r}

    def ambiguity(self, i, exclude_links=(), dead=()):
        """Smallest margin (ms) between the best and any other loop-free
        path from i; a test scenario must not hinge on a near tie."""
        import itertools
        alive = [k for k in range(self.n) if k not in dead]
        excl = {frozenset(e) for e in exclude_links}
        margin = float("inf")
        for dst in alive:
            if dst == i:
                continue
            costs = []
            others = [k for k in alive if k not in (i, dst)]
            for r in range(len(others) + 1):
                for mid in itertools.permutations(others, r):
                    p = (i,) + mid + (dst,)
                    if any(frozenset(p[k:k + 2]) in excl or
                           p[k + 1] not in self.lab.neighbours(p[k])
                           for k in range(len(p) - 1)):
                        continue
                    costs.append(sum(self.link_rtt(p[k], p[k + 1])
                                     for k in range(len(p) - 1)))
            costs.sort()
            if len(costs) > 1:
                margin = min(margin, costs[1] - costs[0])
        return margin


def node_id(name):
    """argod's node id: the first 32 bits of BLAKE2b-128(name)."""
    import hashlib
    h = hashlib.blake2b(name.encode(), digest_size=16).digest()
    v = int.from_bytes(h[:4], "big")
    return v or 1
