"""argolab: real argod daemons on a lab network; the lab library of the
tests, the demo, the benchmarks and sim/mininet/argonet.py.

netlab.py is its lower half (namespaces, emulated links, processes,
waiting); this is the argod half:

  Ctl        one connection to a status socket (newline-delimited JSON
             over a UNIX socket, see argoctl(8));
  Pops       what any network of argod PoPs offers, whatever builds it:
             status queries, routes, waiting for a daemon to answer;
  Overlay    Pops on a netlab.Lab: one namespace and one argod per PoP,
             each with a generated config, its own socket and its own log;
  argod_conf(), new_key(), write_key()   the configuration they run;
  node_id(), shortest_paths()   argod's node ids and SPF with its tie
             rules, for the routes the daemons must agree with.
"""

import heapq
import json
import os
import secrets
import select
import signal
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlab  # noqa: E402
from netlab import wait_for, WaitTimeout, LabError  # noqa: E402,F401

# The source and build trees: make check says where they are; elsewhere
# (the demo, a benchmark, argonet.py by hand) this file's own tree.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SRC = os.path.abspath(os.environ.get("top_srcdir") or ROOT)
BUILD = os.path.abspath(os.environ.get("top_builddir") or SRC)
AWS32 = os.path.join(SRC, "tests", "data", "aws32_rtt_p50_ms.csv")
# The five PoPs of the integration tests, the demo and the failover
# benchmark: aws32 regions and the names their PoPs go by.
AWS5_REGIONS = ["us-east-2", "us-east-1", "ca-central-1", "eu-west-1",
                "eu-south-2"]
AWS5_NAMES = ["cmh", "iad", "yyz", "dub", "mad"]


def binary(name):
    """A program of the build tree; LabError when it is not built."""
    p = os.path.join(BUILD, name)
    if not (os.path.isfile(p) and os.access(p, os.X_OK)):
        raise LabError("%s not found: build it first (cd %s && make)"
                       % (p, SRC))
    return p


def aws32(regions):
    """Names and the directed RTT submatrix (ms) of the given regions."""
    names, m = netlab.load_matrix(AWS32)
    return netlab.submatrix(names, m, regions)


# ---------------------------------------------------------------- config

def new_key():
    """A fresh overlay key, 32 random bytes in hex (argod.conf(5))."""
    return secrets.token_hex(32)


def write_key(path, key):
    """A key file for argod.conf's key-file: readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")


def argod_conf(node, listen, control, control_ro, pidfile, peers, origins,
               key=None, key_file=None, extra=(), comment=None):
    """The text of an argod.conf(5). peers: [(name, address)]; origins:
    [(name, prefix, [egress PoP names][, [more lines of the block]])];
    key or key_file; extra: more lines, written before the peers."""
    lines = ["# " + comment] if comment else []
    lines += ["node %s" % node, "listen %s" % listen,
              'key-file "%s"' % key_file if key_file else 'key "%s"' % key,
              'control "%s"' % control,
              'control-readonly "%s"' % control_ro,
              'pidfile "%s"' % pidfile]
    lines += list(extra)
    lines += ["peer %s address %s" % p for p in peers]
    for o in origins:
        (name, prefix, egress), more = o[:3], (o[3] if len(o) > 3 else ())
        lines += ["origin %s {" % name, "\tprefix %s" % prefix,
                  "\tegress %s" % " ".join(egress)]
        lines += ["\t" + m for m in more] + ["}"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- status

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

    def _recv(self):
        chunk = self.s.recv(65536)
        if not chunk:
            raise ConnectionError("status socket closed")
        self.buf += chunk

    def _lines(self):
        out = []
        while b"\n" in self.buf:
            ln, self.buf = self.buf.split(b"\n", 1)
            out.append(json.loads(ln))
        return out

    def line(self):
        while b"\n" not in self.buf:
            self._recv()
        ln, self.buf = self.buf.split(b"\n", 1)
        return json.loads(ln)

    def send(self, cmd, **kw):
        """Sends a request without waiting for its reply."""
        req = dict(cmd=cmd, **kw)
        self.s.sendall(json.dumps(req).encode() + b"\n")

    def cmd(self, cmd, **kw):
        self.send(cmd, **kw)
        while True:
            r = self.line()
            if "event" not in r:
                return r

    def events(self):
        """Events received so far (non-blocking)."""
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
        return self._lines()

    def wait_events(self, timeout):
        """The lines that arrive within timeout seconds (none when nothing
        does); ConnectionError when the daemon hangs up."""
        if b"\n" not in self.buf and \
                select.select([self.s], [], [], timeout)[0]:
            self._recv()
        return self._lines()

    def close(self):
        self.s.close()


class Pops:
    """What every network of argod PoPs offers, whatever builds it
    (Overlay below, ArgoNet in sim/mininet/argonet.py). A subclass has
    names, argod (a Popen or None per PoP), sock(i) and argod_log(i),
    and start() and stop() for the with statement."""

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def index(self, pop):
        """A PoP's index, from its index or its name."""
        if isinstance(pop, int):
            return pop
        try:
            return self.names.index(pop)
        except ValueError:
            raise LabError("no PoP %r (PoPs: %s)" % (
                pop, " ".join(self.names))) from None

    def alive(self, i):
        p = self.argod[self.index(i)]
        return p is not None and p.poll() is None

    def live(self):
        """The PoPs whose argod runs."""
        return [i for i in range(len(self.names)) if self.alive(i)]

    def ctl(self, i, cmd, **kw):
        """One command on PoP i's status socket; LabError unless ok."""
        i = self.index(i)
        c = Ctl(self.sock(i))
        try:
            r = c.cmd(cmd, **kw)
        finally:
            c.close()
        if not r.get("ok"):
            raise LabError("%s: %s: %s" % (self.names[i], cmd,
                                           r.get("error")))
        return r

    def route(self, i, prefix):
        """PoP i's route to prefix, as the routes command gives it."""
        for r in self.ctl(i, "routes")["routes"]:
            if r["prefix"] == prefix:
                return r
        return None

    def routes(self, i):
        """{prefix: path, None where unreachable} of PoP i."""
        r = self.ctl(i, "routes")["routes"]
        return {x["prefix"]: (x["path"] if x["reachable"] else None)
                for x in r}

    def digests(self):
        """The database digests of the live PoPs: one when they agree."""
        return {self.ctl(i, "status")["digest"] for i in self.live()}

    def wait_answer(self, i, timeout):
        """Waits until PoP i's argod answers on its status socket; LabError
        at once when it exits (with the end of its log), or at timeout."""
        name = self.names[i]

        def answers():
            if not self.alive(i):
                log = self.argod_log(i)
                try:
                    with open(log) as f:
                        tail = f.read()[-600:].strip()
                except (OSError, TypeError):
                    tail = ""
                raise LabError("argod on %s exited (%s): %s" % (
                    name, self.argod[i].returncode, tail or log))
            Ctl(self.sock(i)).close()
            return True
        try:
            wait_for(answers, timeout, abort=(LabError,),
                     what="argod on %s" % name)
        except WaitTimeout:
            raise LabError("argod on %s does not answer on %s" % (
                name, self.sock(i))) from None


# ---------------------------------------------------------------- overlay

class Overlay(Pops):
    """A netlab.Lab, full mesh, with one argod per PoP."""

    def __init__(self, names, rtt, origins=None, extra_conf="",
                 advertised=False, **labkw):
        """names: PoP names; rtt[i][j]: directed RTT in ms (the one-way
        delay i->j is rtt[i][j]/2). origins: list of (name, prefix,
        [egress indices][, [more lines of the block]]); default one
        10.100.i.0/24 behind each PoP. advertised: an origin's block is
        written only in its egresses' files (the others learn it from the
        database), not in every file."""
        self.advertised = advertised
        self.names = list(names)
        self.n = len(names)
        self.rtt = [list(r) for r in rtt]
        self.origins = origins or [
            ("o-%s" % self.names[i], "10.100.%d.0/24" % i, [i])
            for i in range(self.n)]
        self.extra_conf = extra_conf
        self.lab = netlab.Lab.from_rtt(self.names, self.rtt, **labkw)
        self.key = new_key()
        self.argod = [None] * self.n
        self.pop_extra = {}     # i -> extra config lines for PoP i
        self.peer_host = {}     # (i, j) -> host name PoP i gives for j
        self.pop_key = {}       # i -> PoP i's key, instead of self.key
        self.dir = None

    def start(self, before_pops=None):
        """Builds the lab and starts every PoP; before_pops(), if given,
        runs once the namespaces exist and before any argod starts."""
        self.lab.start()
        if before_pops is not None:
            before_pops()
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

    def argod_log(self, i):
        return self.argod[i].log_path

    def write_conf(self, i):
        name = self.names[i]
        with open(self.conf_path(i), "w") as f:
            f.write(argod_conf(
                name, self.lab.pop_addr(i), self.sock(i),
                self.sock(i) + ".ro",
                os.path.join(self.dir, "%s.pid" % name),
                [(self.names[j], self.peer_host.get((i, j),
                                                     self.lab.pop_addr(j)))
                 for j in self.lab.neighbours(i)],
                [(o[0], o[1], [self.names[e] for e in o[2]]) + tuple(o[3:])
                 for o in self.origins
                 if not self.advertised or i in o[2]],
                key=self.pop_key.get(i, self.key),
                extra=self.extra_conf.splitlines() +
                self.pop_extra.get(i, "").splitlines()))

    def start_pop(self, i, wrapper=()):
        self.write_conf(i)
        self.argod[i] = self.lab.run(i, list(wrapper) + [
            binary("argod"), "-d", "-c", self.conf_path(i)])
        self.wait_answer(i, 10)

    def attach_host(self, name, pop, subnet):
        """A host namespace behind PoP pop on 10.<subnet>.0.0/24: the PoP
        is .1, the host .2 with its default route via the PoP. Deleted
        with the lab. Returns the host's namespace name."""
        ns = "%s%s" % (self.lab.prefix, name)
        netlab.run_cmd(["ip", "netns", "add", ns])
        self.lab.namespaces.append(ns)
        a, b = "hv%d%s" % (os.getpid() % 10000, name[:3]), "hp%s" % name[:8]
        netlab.run_cmd(["ip", "link", "add", a, "type", "veth", "peer",
                        "name", b])
        netlab.run_cmd(["ip", "link", "set", a, "netns", ns, "name", "eth0"])
        netlab.run_cmd(["ip", "link", "set", b, "netns", self.lab.ns(pop)])
        netlab.ip_batch(ns, ["link set lo up", "link set eth0 up",
                             "addr add 10.%d.0.2/24 dev eth0" % subnet,
                             "route add default via 10.%d.0.1" % subnet])
        netlab.ip_batch(self.lab.ns(pop), [
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
        self.lab.kill(self.argod[i], sig)
        self.argod[i] = None

    def stop(self):
        self.lab.cleanup()

    # ------------------------------------------------ expected answers

    def link_rtt(self, i, j):
        """RTT that PoP i measures to j: there and back."""
        return (self.rtt[i][j] + self.rtt[j][i]) / 2.0

    def offline_paths(self, src, exclude_links=(), dead=()):
        """Shortest paths from src on the emulated RTTs, as argod's SPF
        finds them (shortest_paths()). Returns ({dst: [names...]},
        {dst: (cost_ms, hops)})."""
        best, pred = shortest_paths(
            self.lab.neighbours, self.names, src,
            lambda u, v: round(round(self.link_rtt(u, v), 1) * 10),
            exclude_links, dead)
        return ({v: path_names(pred, self.names, v) for v in best},
                {v: (c / 10.0, h) for v, (c, h) in best.items()})

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


# ---------------------------------------------------------------- argod's SPF

def node_id(name):
    """argod's node id: the first 32 bits of BLAKE2b-128(name)."""
    import hashlib
    h = hashlib.blake2b(name.encode(), digest_size=16).digest()
    v = int.from_bytes(h[:4], "big")
    return v or 1


def shortest_paths(neighbours, names, src, cost, exclude=(), dead=()):
    """Dijkstra from src as argod's SPF runs it: cost(u, v) is a link's
    cost in integer tenths of a ms (argod advertises RTTs in 0.1 ms
    steps); ties go to fewer hops, then to the lower predecessor node id.
    Links in exclude (pairs) and PoPs in dead are left out. Returns
    ({v: (tenths, hops)}, {v: predecessor})."""
    ids = [node_id(x) for x in names]
    excl = {frozenset(e) for e in exclude}
    best = {src: (0, 0)}
    pred = {src: None}
    done = set()
    heap = [(0, 0, src)]
    while heap:
        c, h, u = heapq.heappop(heap)
        if u in done:
            continue
        done.add(u)
        for v in neighbours(u):
            if v in dead or frozenset((u, v)) in excl:
                continue
            key = (c + cost(u, v), h + 1)
            cur = best.get(v)
            if cur is None or key < cur or (
                    key == cur and ids[u] < ids[pred[v]]):
                best[v] = key
                pred[v] = u
                heapq.heappush(heap, (key[0], key[1], v))
    return best, pred


def path_names(pred, names, v):
    """The path from shortest_paths()'s source to v, as names."""
    p = []
    while v is not None:
        p.append(names[v])
        v = pred[v]
    return p[::-1]
