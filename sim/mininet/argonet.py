#!/usr/bin/python3
"""argonet: a Mininet network of PoPs, each running a real argod.

    /usr/bin/python3 sim/mininet/argonet.py run            # scenario + report
    /usr/bin/python3 sim/mininet/argonet.py cli            # Mininet CLI
    /usr/bin/python3 sim/mininet/argonet.py exec fra argo-top
    /usr/bin/python3 sim/mininet/argonet.py cleanup        # after a crash

The network. Every PoP is a Mininet host (a network and mount namespace)
running argod with a generated configuration. Its /run/argod is a private
directory (Mininet privateDirs), so inside a host argod, argoctl and
argo-top all use their default paths: `mininet> fra argoctl routes` talks to
fra's daemon. The same directory is visible from outside as
RUNDIR/<pop>/run, where this script finds the status sockets.

A client host hangs off the ingress PoP (10.201.0.0/24) and an origin host
off the egress PoP (10.202.0.0/24), linked directly (default) or through a
Linux bridge each (--access lxbr); there is no switch between PoPs and no
controller, so nothing needs Open vSwitch. argod routes two origins: the
origin's prefix (egress: the egress PoP) and the client's prefix (egress:
the ingress PoP), so both directions of client <-> origin traffic ride the
overlay and a ping's RTT is the overlay path's RTT.

Addressing is the one of tests/lib/netlab.py: PoP i has a stable PoP
address 10.77.0.(i+1)/32 on lo, every PoP link is a /30 from 10.78.0.0/16,
and a PoP reaches each neighbour's PoP address through a /32 host route
over their direct link only. argod listens on the PoP address and peers
with the neighbours' PoP addresses, so a PoP has one identity whatever the
number of its links, and a tunnel endpoint is reachable only over the
direct (emulated) link, exactly as in the namespace lab.

Links. Where the kernel has netem (probed by adding a netem qdisc in a
scratch namespace), PoP links are Mininet TCLinks (veth + netem). Where it
does not -- TCLink's delay would silently do nothing -- the PoP links are
TUN devices made by one argo-linkem process; the hosts' namespaces are
given names (`ip netns attach`, /var/run/netns/mnargo<pid>-<pop>) for it.
The TUN pairs are registered as Mininet links, so `net`, `links` and
`intfs` show them. Either way the run checks that every daemon measures
the emulated RTT of every link.

Cleanup. Every process started in a host (argod, ping) is tracked by pid;
at the end they get SIGTERM, then SIGKILL, followed by a sweep of whatever
else still runs in the hosts' namespaces; then argo-linkem stops, the
namespace names are removed, and Mininet stops. This runs from try/finally,
atexit and the SIGTERM/SIGHUP handlers; children also get a parent-death
signal, and `argonet.py cleanup` removes what a SIGKILLed run left.

Run with Debian's /usr/bin/python3 (it has the mininet module), as root.
What is not about Mininet (the status client, argod's configuration and
SPF, processes, namespaces, argo-linkem, waiting) comes from the lab
library in tests/lib, found from this file's place in the tree; the
recording of a scenario and its report are argoreport.py's, beside it.
"""

import argparse
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))), "tests", "lib"))
import argolab  # noqa: E402
import netlab  # noqa: E402
from argolab import BUILD, binary  # noqa: E402
from netlab import (kill_pids, netns_inode, pid_alive,  # noqa: E402
                    pids_in_netns, run_cmd)
# The record of a scenario and its report.
from argoreport import Recorder, fmt_ms, route_text  # noqa: E402

try:
    from mininet.net import Mininet
    from mininet.nodelib import LinuxBridge
    from mininet.link import Link, Intf, TCLink
    from mininet.cli import CLI
    from mininet.log import setLogLevel
    HAVE_MININET = True
except ImportError:  # reported by need_mininet()
    HAVE_MININET = False
    Link = Intf = CLI = object

CLIENT_NET, CLIENT_IP, CLIENT_GW = "10.201.0.0/24", "10.201.0.2", "10.201.0.1"
ORIGIN_NET, ORIGIN_IP, ORIGIN_GW = "10.202.0.0/24", "10.202.0.2", "10.202.0.1"
ORIGIN_NAME, CLIENT_ORIGIN_NAME = "web", "clients"
NS_TAG = "mnargo"                 # named namespaces: mnargo<pid>-<pop>
RUN_PREFIX = "argonet-"           # run directories: /tmp/argonet-<pid>-XXXX
DEFAULT_MATRIX = argolab.AWS32
# Calgary, Ashburn, Frankfurt, Paris: yyc>iad>cdg (134.8 ms) beats the
# direct yyc-cdg (154.1 ms); without iad the next best is direct, then
# yyc>fra>cdg (173.9 ms), so every event moves the client's path visibly.
DEFAULT_REGIONS = ["ca-west-1", "us-east-1", "eu-central-1", "eu-west-3"]

# Short PoP names for the aws32 regions: the IATA code of the region's city.
REGION_CODES = {
    "af-south-1": "cpt", "ap-east-1": "hkg", "ap-northeast-1": "nrt",
    "ap-northeast-2": "icn", "ap-northeast-3": "kix", "ap-south-1": "bom",
    "ap-south-2": "hyd", "ap-southeast-1": "sin", "ap-southeast-2": "syd",
    "ap-southeast-3": "cgk", "ap-southeast-4": "mel", "ap-southeast-5": "kul",
    "ap-southeast-7": "bkk", "ca-central-1": "yyz", "ca-west-1": "yyc",
    "eu-central-1": "fra", "eu-central-2": "zrh", "eu-north-1": "arn",
    "eu-south-1": "mxp", "eu-south-2": "mad", "eu-west-1": "dub",
    "eu-west-2": "lhr", "eu-west-3": "cdg", "il-central-1": "tlv",
    "me-central-1": "dxb", "me-south-1": "bah", "mx-central-1": "mex",
    "sa-east-1": "gru", "us-east-1": "iad", "us-east-2": "cmh",
    "us-west-1": "sfo", "us-west-2": "pdx",
}

NAME_RE = re.compile(r"^[a-z][a-z0-9]{0,6}$")
RESERVED = {"client", "origin"}


# Something about the network is wrong; the message says what. One error
# class for the whole lab library, whichever part found the problem.
ArgoNetError = netlab.LabError


def need_mininet():
    if not HAVE_MININET:
        raise ArgoNetError(
            "the mininet Python module is missing: apt-get install mininet, "
            "and run this with /usr/bin/python3 (Debian's python3), not %s"
            % sys.executable)
    if os.geteuid() != 0:
        raise ArgoNetError("Mininet needs root")
    if not shutil.which("mnexec"):
        raise ArgoNetError("mnexec not found (apt-get install mininet)")


# ------------------------------------------------------------- topology

class Topology:
    """PoP names and one-way delays: delay[i][j] is the delay of packets
    from i to j in ms, None where there is no link. The RTT a PoP
    measures over a link is delay[i][j] + delay[j][i]."""

    def __init__(self, names, delay, source=""):
        self.names = list(names)
        self.delay = [list(r) for r in delay]
        self.source = source
        n = len(self.names)
        if n < 2:
            raise ArgoNetError("need at least 2 PoPs")
        if n > 200:
            raise ArgoNetError("at most 200 PoPs")
        for nm in self.names:
            if not NAME_RE.match(nm):
                raise ArgoNetError(
                    "PoP name %r: use 1 to 7 characters a-z, 0-9, starting "
                    "with a letter (interface names are <pop>-<pop>)" % nm)
            if nm in RESERVED or (HAVE_MININET and hasattr(CLI, "do_" + nm)):
                raise ArgoNetError("PoP name %r is taken (a host or a "
                                   "Mininet CLI command)" % nm)
        if len(set(self.names)) != n:
            raise ArgoNetError("PoP names must be unique")
        if len(self.edges()) > 16383:
            raise ArgoNetError("more than 16383 links do not fit in "
                               "10.78.0.0/16")
        for i in range(n):
            for j in range(n):
                if i != j and (self.delay[i][j] is None) != \
                        (self.delay[j][i] is None):
                    raise ArgoNetError("link %s-%s in one direction only"
                                       % (self.names[i], self.names[j]))
        # Connected?
        seen, todo = {0}, [0]
        while todo:
            u = todo.pop()
            for v in self.neighbours(u):
                if v not in seen:
                    seen.add(v)
                    todo.append(v)
        if len(seen) != n:
            raise ArgoNetError("the graph is not connected")

    @property
    def n(self):
        return len(self.names)

    def index(self, name):
        try:
            return self.names.index(name)
        except ValueError:
            raise ArgoNetError("no PoP %r (PoPs: %s)" % (
                name, " ".join(self.names))) from None

    def edges(self):
        return [(i, j) for i in range(self.n) for j in range(i + 1, self.n)
                if self.delay[i][j] is not None]

    def neighbours(self, i):
        return [j for j in range(self.n)
                if j != i and self.delay[i][j] is not None]

    def rtt(self, i, j):
        return self.delay[i][j] + self.delay[j][i]

    def best_path(self, src, dst, exclude=(), dead=()):
        """Dijkstra on link RTTs (0.1 ms quantised, as argod advertises),
        ties to fewer hops, then to the lower predecessor node id.
        Returns (cost_ms, [names]) or (None, [])."""
        best, pred = argolab.shortest_paths(
            self.neighbours, self.names, src,
            lambda u, v: round(self.rtt(u, v) * 10), exclude, dead)
        if dst not in best:
            return None, []
        return best[dst][0] / 10.0, argolab.path_names(pred, self.names, dst)

    # constructors

    @classmethod
    def from_matrix(cls, path, regions, names=None, edges=None):
        allnames, m = netlab.load_matrix(path)
        regions, m = netlab.submatrix(allnames, m, regions)
        if names is None:
            names = [REGION_CODES.get(r, "p%d" % (k + 1))
                     for k, r in enumerate(regions)]
        n = len(regions)
        delay = [[None if a == b else m[a][b] / 2.0
                  for b in range(n)] for a in range(n)]
        topo = cls(names, delay, "%s: %s" % (
            os.path.basename(path), ", ".join(
                "%s=%s" % x for x in zip(names, regions))))
        if edges is not None:
            topo = topo.restrict(edges)
        return topo

    @classmethod
    def uniform(cls, n, rtt_ms, names=None):
        names = names or ["p%d" % (k + 1) for k in range(n)]
        if len(names) != n:
            raise ArgoNetError("%d names for %d PoPs" % (len(names), n))
        delay = [[None if a == b else rtt_ms / 2.0 for b in range(n)]
                 for a in range(n)]
        return cls(names, delay, "uniform RTT %g ms" % rtt_ms)

    @classmethod
    def from_edges(cls, edges, default_rtt=None, names=None):
        """edges: [(a, b, rtt_ms or None)]; node order: names, then first
        appearance."""
        order = list(names or [])
        for a, b, _ in edges:
            for x in (a, b):
                if x not in order:
                    order.append(x)
        n = len(order)
        delay = [[None] * n for _ in range(n)]
        for a, b, rtt in edges:
            if rtt is None:
                rtt = default_rtt
            if rtt is None:
                raise ArgoNetError("no RTT for link %s-%s (write %s-%s:MS "
                                   "or give --rtt)" % (a, b, a, b))
            i, j = order.index(a), order.index(b)
            delay[i][j] = delay[j][i] = rtt / 2.0
        return cls(order, delay, "graph of %d links" % len(edges))

    def restrict(self, edges):
        """The same PoPs with only the given links; an RTT in an edge
        overrides the matrix."""
        n = self.n
        delay = [[None] * n for _ in range(n)]
        for a, b, rtt in edges:
            i, j = self.index(a), self.index(b)
            if rtt is None:
                delay[i][j], delay[j][i] = self.delay[i][j], self.delay[j][i]
            else:
                delay[i][j] = delay[j][i] = rtt / 2.0
        return Topology(self.names, delay, self.source + ", %d links" %
                        len(edges))


def parse_edges(spec):
    """'a-b:10,b-c' or lines 'a b [10]' -> [(a, b, rtt or None)]."""
    out = []
    for tok in re.split(r"[,\n]", spec):
        tok = tok.split("#", 1)[0].strip()
        if not tok:
            continue
        m = re.match(r"^([a-z][a-z0-9]*)\s*[-\s]\s*([a-z][a-z0-9]*)"
                     r"(?:\s*[:\s]\s*([0-9.]+))?$", tok)
        if not m:
            raise ArgoNetError("bad link %r: want A-B or A-B:RTT_MS" % tok)
        out.append((m.group(1), m.group(2),
                    float(m.group(3)) if m.group(3) else None))
    if not out:
        raise ArgoNetError("no links given")
    return out


# ------------------------------------------------------------- Mininet glue

class TunIntf(Intf):
    """An interface whose device argo-linkem owns (a TUN device): Mininet
    must not delete it; it goes when argo-linkem exits."""

    def delete(self):
        self.node.delIntf(self)
        self.link = None


class LinkemLink(Link):
    """A PoP-to-PoP link emulated by argo-linkem: the devices exist before
    the Link object does, so there is no veth pair to make."""

    def __init__(self, node1, node2, **kw):
        kw.setdefault("intf", TunIntf)
        Link.__init__(self, node1, node2, **kw)

    @staticmethod
    def makeIntfPair(*args, **kwargs):
        return None


class ArgoNet(argolab.Pops):
    """A Mininet network of argod PoPs plus a client and an origin host."""

    # Where the client and the origin are, for the Recorder.
    origin_net, client_net, origin_ip = ORIGIN_NET, CLIENT_NET, ORIGIN_IP

    def __init__(self, topo, ingress=None, egress=None, emulator="auto",
                 access="direct", conf_extra=(), keep=False,
                 linkem_rtprio=10, log=None):
        self.topo = topo
        self.names = topo.names
        self.n = topo.n
        self.ingress = topo.index(ingress or topo.names[0])
        self.egress = topo.index(egress or topo.names[-1])
        if self.ingress == self.egress:
            raise ArgoNetError("the ingress and egress PoP must differ")
        if emulator not in ("auto", "netem", "linkem"):
            raise ArgoNetError("emulator: auto, netem or linkem")
        if access not in ("direct", "lxbr"):
            raise ArgoNetError("access: direct or lxbr")
        self.emulator = emulator
        self.access = access
        self.conf_extra = list(conf_extra)
        self.keep = keep
        self.linkem_rtprio = linkem_rtprio
        self.log = log or (lambda msg: print("argonet: " + msg, flush=True))
        self.tag = "%s%d" % (NS_TAG, os.getpid())
        self.key = argolab.new_key()
        # Current link settings: (i, j) -> [delay_ms, loss_pct], i -> j.
        self.cur = {}
        for (i, j) in topo.edges():
            self.cur[(i, j)] = [topo.delay[i][j], 0.0]
            self.cur[(j, i)] = [topo.delay[j][i], 0.0]
        self.failed = set()          # frozenset({i, j})
        self.killed = set()          # PoP indices whose argod is down
        self.net = None
        self.hosts = []
        self.client = self.origin = None
        self.switches = []
        self.procs = []              # [(Popen, what)]
        self.argod = [None] * self.n
        self.nsnames = []
        self.linkem = None
        self.linkem_sock = None
        self.links = {}              # frozenset -> Mininet link
        self.rundir = None
        self.started = False
        self.bringup = (None, None)   # convergence time, check_rtts()
        self._stopped = False
        self._made_run_argod = False
        self._lock = threading.Lock()

    # ----------------------------------------------------------- naming

    def pop_addr(self, i):
        return netlab.pop_addr(i)

    def link_index(self, i, j):
        return self.topo.edges().index((min(i, j), max(i, j)))

    def link_addr(self, i, j):
        return netlab.link_addr(self.link_index(i, j), 1 if i < j else 2)

    def dev(self, i, j):
        return "%s-%s" % (self.names[i], self.names[j])

    def ns(self, i):
        return "%s-%s" % (self.tag, self.names[i])

    def host(self, name_or_index):
        if isinstance(name_or_index, int):
            return self.hosts[name_or_index]
        return self.net.get(name_or_index)

    def sock(self, i, ro=False):
        return os.path.join(self.rundir, self.names[i], "run",
                            "argod-ro.sock" if ro else "argod.sock")

    def pop_dir(self, i):
        return os.path.join(self.rundir, self.names[i], "run")

    def argod_log(self, i):
        return os.path.join(self.pop_dir(i), "argod.log")

    # ----------------------------------------------------------- start

    def start(self):
        need_mininet()
        # Not SIGINT: the Mininet CLI has its own use for Ctrl-C.
        netlab.at_exit(self.stop, (signal.SIGTERM, signal.SIGHUP))
        self.started = True
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self):
        t0 = time.monotonic()
        for prog in ("argod", "argoctl"):   # fail before building anything
            binary(prog)
        self.emulator = netlab.pick_emulator(self.emulator)
        if self.emulator == "linkem":
            self.linkem_exe = binary("argo-linkem")
        self.rundir = tempfile.mkdtemp(prefix="%s%d-" % (RUN_PREFIX,
                                                         os.getpid()))
        self._save_state()
        # Shells in the hosts inherit this: argoctl, argo-top and argod
        # from the build tree come first.
        path = os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        if not path.startswith(BUILD + ":"):
            os.environ["PATH"] = BUILD + ":" + path
        self._made_run_argod = not os.path.isdir("/run/argod")
        setLogLevel(os.environ.get("ARGONET_MNLOG", "output"))
        self.net = Mininet(topo=None, controller=None, build=False,
                           autoSetMacs=False, autoStaticArp=False)
        priv = [("/run/argod", os.path.join(self.rundir, "%(name)s", "run"))]
        for nm in self.names:
            self.hosts.append(self.net.addHost(nm, ip=None,
                                               privateDirs=priv))
        self.client = self.net.addHost(
            "client", ip=CLIENT_IP + "/24", defaultRoute="via " + CLIENT_GW)
        self.origin = self.net.addHost(
            "origin", ip=ORIGIN_IP + "/24", defaultRoute="via " + ORIGIN_GW)
        self._save_state()
        self._access_link(self.client, self.ingress, "client", CLIENT_GW)
        self._access_link(self.origin, self.egress, "origin", ORIGIN_GW)
        if self.emulator == "netem":
            for (i, j) in self.topo.edges():
                self.links[frozenset((i, j))] = self.net.addLink(
                    self.hosts[i], self.hosts[j], cls=TCLink,
                    intfName1=self.dev(i, j), intfName2=self.dev(j, i),
                    addr1=None, addr2=None,
                    params1={"delay": "%.3fms" % self.cur[(i, j)][0]},
                    params2={"delay": "%.3fms" % self.cur[(j, i)][0]})
        # Names for the hosts' namespaces: argo-linkem needs them, and
        # they make `ip netns pids/exec` work on the hosts.
        for i, h in enumerate(self.hosts):
            run_cmd(["ip", "netns", "attach", self.ns(i), str(h.pid)],
                    timeout=30)
            self.nsnames.append(self.ns(i))
        self._save_state()
        if self.emulator == "linkem":
            self._start_linkem()
        self.net.build()
        self._configure_pops()
        self.net.start()          # the Linux bridges of --access lxbr
        for i in range(self.n):
            self._write_conf(i)
        for i in range(self.n):
            self.start_pop(i, wait=False)
        for i in range(self.n):
            self.wait_answer(i, 15)
        self.log("%d PoPs up (%s), links by %s, in %.1f s; run directory %s"
                 % (self.n, " ".join(self.names), self.emulator_name(),
                    time.monotonic() - t0, self.rundir))

    def emulator_name(self):
        return {"netem": "TCLink (netem)",
                "linkem": "argo-linkem (no netem in this kernel)"}.get(
                    self.emulator, self.emulator)

    def _access_link(self, host, pop, what, gw):
        h = self.hosts[pop]
        popdev = "%s-%s" % (self.names[pop], what)
        if self.access == "direct":
            self.net.addLink(host, h, intfName1="%s-eth0" % what,
                             intfName2=popdev,
                             params2={"ip": "%s/24" % gw})
            return
        # A Linux bridge in the root namespace; unique names, since other
        # Mininet networks may run beside this one.
        sw = self.net.addSwitch("%s%d%s" % ("ab", os.getpid() % 100000,
                                            what[0]), cls=LinuxBridge,
                                stp=False)
        self.switches.append(sw.name)
        self._save_state()
        self.net.addLink(host, sw, intfName1="%s-eth0" % what)
        self.net.addLink(h, sw, intfName1=popdev,
                         params1={"ip": "%s/24" % gw})

    def _start_linkem(self):
        self.linkem_sock = os.path.join(self.rundir, "linkem.sock")
        argv = [self.linkem_exe, "-s", self.linkem_sock]
        if self.linkem_rtprio:
            argv += ["-r", str(self.linkem_rtprio)]
        for (i, j) in self.topo.edges():
            argv += ["-l", netlab.linkem_link_arg(
                self._lname(i, j), self.ns(i), self.dev(i, j), self.ns(j),
                self.dev(j, i), {"delay": "%.3fms" % self.cur[(i, j)][0]},
                {"delay": "%.3fms" % self.cur[(j, i)][0]})]
        errpath = os.path.join(self.rundir, "argo-linkem.log")
        self.linkem = netlab.linkem_start(argv, errpath, threads=True)
        self._save_state()
        netlab.linkem_wait_ready(self.linkem, errpath)
        for (i, j) in self.topo.edges():
            self.links[frozenset((i, j))] = self.net.addLink(
                self.hosts[i], self.hosts[j], cls=LinkemLink,
                intfName1=self.dev(i, j), intfName2=self.dev(j, i),
                addr1=None, addr2=None)

    def _lname(self, i, j):
        a, b = min(i, j), max(i, j)
        return "%s-%s" % (self.names[a], self.names[b])

    def _configure_pops(self):
        sysctl = ("sysctl -qw net.ipv4.ip_forward=1 "
                  "net.ipv4.conf.all.rp_filter=0 "
                  "net.ipv4.conf.default.rp_filter=0 "
                  "net.ipv6.conf.all.disable_ipv6=1 "
                  "net.ipv6.conf.default.disable_ipv6=1; "
                  "for f in /proc/sys/net/ipv4/conf/*/rp_filter; do "
                  "echo 0 > $f; done")
        for h in self.hosts:
            out = h.cmd(sysctl + "; echo rc=$?")
            if "rc=0" not in out:
                raise ArgoNetError("%s: sysctl failed: %s" % (h.name, out))
        for h in (self.client, self.origin):
            h.cmd("sysctl -qw net.ipv6.conf.all.disable_ipv6=1")
        for i in range(self.n):
            lines = ["link set lo up",
                     "addr add %s/32 dev lo" % self.pop_addr(i)]
            for j in self.topo.neighbours(i):
                d = self.dev(i, j)
                lines.append("link set %s up" % d)
                lines += netlab.link_lines(d, self.link_addr(i, j),
                                           self.link_addr(j, i),
                                           self.pop_addr(i), self.pop_addr(j))
            netlab.ip_batch(self.ns(i), lines)

    def _write_conf(self, i):
        d = self.pop_dir(i)
        os.makedirs(d, exist_ok=True)
        argolab.write_key(os.path.join(d, "key"), self.key)
        with open(os.path.join(d, "argod.conf"), "w") as f:
            f.write(argolab.argod_conf(
                self.names[i], self.pop_addr(i),
                "/run/argod/argod.sock", "/run/argod/argod-ro.sock",
                "/run/argod/argod.pid",
                [(self.names[j], self.pop_addr(j))
                 for j in self.topo.neighbours(i)],
                [(ORIGIN_NAME, ORIGIN_NET, [self.names[self.egress]]),
                 (CLIENT_ORIGIN_NAME, CLIENT_NET,
                  [self.names[self.ingress]])],
                key_file="/run/argod/key", extra=self.conf_extra,
                comment="argod.conf of PoP %s, written by argonet.py" %
                self.names[i]))

    def _save_state(self):
        """What `argonet.py exec` and `argonet.py cleanup` need."""
        if not self.rundir:
            return
        st = {"owner": os.getpid(), "rundir": self.rundir,
              "hosts": {h.name: h.pid for h in self.hosts +
                        [x for x in (self.client, self.origin) if x]},
              "netns": self.nsnames, "switches": self.switches,
              "pids": [p.pid for p, _ in self.procs] +
              ([self.linkem.pid] if self.linkem else [])}
        tmp = os.path.join(self.rundir, "state.json.tmp")
        with open(tmp, "w") as f:
            json.dump(st, f)
        os.rename(tmp, os.path.join(self.rundir, "state.json"))

    # ----------------------------------------------------------- processes

    def popen(self, host, argv, what, logname=None, **kw):
        """Starts argv in a host (its network and mount namespaces), with
        a parent-death signal, and tracks it."""
        if logname:
            out = open(os.path.join(self.rundir, logname), "a")
            kw.setdefault("stdout", out)
            kw.setdefault("stderr", subprocess.STDOUT)
        kw.setdefault("stdin", subprocess.DEVNULL)
        try:
            p = host.popen(netlab.pdeathsig_argv() + list(argv),
                           mncmd=["mnexec", "-da", str(host.pid)], **kw)
        finally:
            if logname:
                out.close()
        with self._lock:
            self.procs.append((p, what))
        self._save_state()
        return p

    def start_pop(self, i, wait=True):
        """Starts (or restarts) argod on PoP i."""
        i = self.index(i)
        if self.alive(i):
            raise ArgoNetError("argod on %s is running" % self.names[i])
        self.argod[i] = self.popen(
            self.hosts[i], [binary("argod"), "-d", "-c",
                            "/run/argod/argod.conf"],
            "argod %s" % self.names[i],
            logname=os.path.join(self.names[i], "run", "argod.log"))
        self.killed.discard(i)
        if wait:
            self.wait_answer(i, 15)

    def kill_pop(self, i, sig=signal.SIGKILL):
        """Kills argod on PoP i (a crash: SIGKILL by default). The PoP's
        host and its kernel routes stay."""
        i = self.index(i)
        if not self.alive(i):
            raise ArgoNetError("argod on %s is not running" % self.names[i])
        netlab.stop_proc(self.argod[i], sig)
        self.killed.add(i)

    # ----------------------------------------------------------- links

    def _link_check(self, i, j):
        if frozenset((i, j)) not in self.links:
            raise ArgoNetError("no link %s-%s" % (self.names[i],
                                                  self.names[j]))

    def _apply(self, i, j):
        """Pushes self.cur for both directions of link i-j to the
        emulator."""
        failed = frozenset((i, j)) in self.failed
        if self.emulator == "linkem":
            a, b = min(i, j), max(i, j)
            for (s, t), tag in (((a, b), "a2b"), ((b, a), "b2a")):
                d, loss = self.cur[(s, t)]
                self.linkem_cmd("set %s %s delay %.3fms loss %.4f" % (
                    self._lname(a, b), tag, d, loss))
            self.linkem_cmd("%s %s" % ("down" if failed else "up",
                                       self._lname(a, b)))
            return
        link = self.links[frozenset((i, j))]
        for intf in (link.intf1, link.intf2):
            s = self.index(intf.node.name)
            t = j if s == i else i
            d, loss = self.cur[(s, t)]
            intf.config(delay="%.3fms" % d,
                        loss=100.0 if failed else (loss or None))

    def set_link(self, a, b, delay_ms=None, loss_pct=None):
        """Sets the one-way delay and loss of both directions of a-b;
        None keeps a value."""
        i, j = self.index(a), self.index(b)
        self._link_check(i, j)
        for key in ((i, j), (j, i)):
            if delay_ms is not None:
                self.cur[key][0] = float(delay_ms)
            if loss_pct is not None:
                self.cur[key][1] = float(loss_pct)
        self._apply(i, j)

    def congest(self, a, b, extra_ms=30.0, loss_pct=None):
        """Queueing delay on a-b: extra_ms more each way (so the RTT grows
        by twice that), optionally with loss."""
        i, j = self.index(a), self.index(b)
        self._link_check(i, j)
        self.cur[(i, j)][0] = self.topo.delay[i][j] + extra_ms
        self.cur[(j, i)][0] = self.topo.delay[j][i] + extra_ms
        if loss_pct is not None:
            self.cur[(i, j)][1] = self.cur[(j, i)][1] = float(loss_pct)
        self._apply(i, j)

    def fail_link(self, a, b):
        """A silent failure: every packet on a-b is lost, both ways; the
        devices and routes stay up, as on a dead WAN path."""
        i, j = self.index(a), self.index(b)
        self._link_check(i, j)
        self.failed.add(frozenset((i, j)))
        self._apply(i, j)

    def restore_link(self, a, b):
        i, j = self.index(a), self.index(b)
        self._link_check(i, j)
        self.failed.discard(frozenset((i, j)))
        self.cur[(i, j)] = [self.topo.delay[i][j], 0.0]
        self.cur[(j, i)] = [self.topo.delay[j][i], 0.0]
        self._apply(i, j)

    def impaired(self):
        """Links not at their emulated settings, as (i, j) with i < j."""
        out = set()
        for (i, j) in self.topo.edges():
            if frozenset((i, j)) in self.failed or \
                    self.cur[(i, j)] != [self.topo.delay[i][j], 0.0] or \
                    self.cur[(j, i)] != [self.topo.delay[j][i], 0.0]:
                out.add((i, j))
        return sorted(out)

    def restore_all(self):
        """Restores every impaired link and restarts every killed argod.
        Returns what it did, as text."""
        done = []
        for (i, j) in self.impaired():
            self.restore_link(self.names[i], self.names[j])
            done.append("%s-%s" % (self.names[i], self.names[j]))
        for i in sorted(self.killed):
            self.start_pop(i)
            done.append(self.names[i])
        return done

    def linkem_cmd(self, line):
        if not self.linkem_sock:
            raise ArgoNetError("no argo-linkem here (links are %s)" %
                               self.emulator_name())
        return netlab.linkem_request(self.linkem_sock, line)

    # ----------------------------------------------------------- queries

    def forward_path(self):
        r = self.route(self.ingress, ORIGIN_NET)
        return r["path"] if r and r["reachable"] else []

    def converged(self):
        """All live PoPs hold the same database, see their live peers up,
        and the client <-> origin routes are installed at both ends."""
        alive = self.live()
        if len(self.digests()) != 1:
            return False
        for i in alive:
            for p in self.ctl(i, "peers")["peers"]:
                j = self.index(p["name"])
                want_up = self.alive(j) and \
                    frozenset((i, j)) not in self.failed
                if want_up != (p["state"] != "down"):
                    return False
        for (i, prefix) in ((self.ingress, ORIGIN_NET),
                            (self.egress, CLIENT_NET)):
            if i not in alive:
                continue
            r = self.route(i, prefix)
            if not r or not r["reachable"] or not r["installed"]:
                return False
        return True

    def wait_converged(self, timeout=30):
        t0 = time.monotonic()
        netlab.wait_for(self.converged, timeout, interval=0.1,
                        what="convergence (same database everywhere, "
                        "client<->origin routes installed)")
        return time.monotonic() - t0

    def measured_rtts(self):
        """Per PoP and peer: the emulated RTT of the link and argod's
        smoothed and minimum RTT."""
        rows = []
        for i in self.live():
            for p in self.ctl(i, "peers")["peers"]:
                j = self.index(p["name"])
                rows.append({"pop": self.names[i], "peer": p["name"],
                             "emulated_ms": round(self.cur_rtt(i, j), 3),
                             "srtt_ms": p["rtt_ms"],
                             "min_ms": p["rtt_min_ms"],
                             "state": p["state"]})
        return rows

    def cur_rtt(self, i, j):
        return self.cur[(i, j)][0] + self.cur[(j, i)][0]

    def check_rtts(self, timeout=15, tol_ms=2.0, tol_rel=0.02):
        """Waits until every daemon's smoothed RTT of every link is within
        tol_ms + tol_rel * RTT of the emulated one. Returns (ok, rows,
        worst error)."""
        rows = []

        def within():
            rows[:] = self.measured_rtts()
            w = 0.0
            for r in rows:
                if r["srtt_ms"] is None:
                    return False
                w = max(w, abs(r["srtt_ms"] - r["emulated_ms"]) -
                        tol_rel * r["emulated_ms"])
            return w <= tol_ms
        try:
            # A daemon that stops answering is an error, not "not yet".
            netlab.wait_for(within, timeout, interval=0.3,
                            abort=(Exception,), what="measured RTTs")
        except netlab.WaitTimeout:
            pass
        errs = [abs(r["srtt_ms"] - r["emulated_ms"]) for r in rows
                if r["srtt_ms"] is not None]
        ok = bool(rows) and all(
            r["srtt_ms"] is not None and
            abs(r["srtt_ms"] - r["emulated_ms"]) <= tol_ms +
            tol_rel * r["emulated_ms"] for r in rows)
        return ok, rows, max(errs) if errs else None

    def ping(self, count=3, interval=0.2):
        out = self.client.cmd("ping -n -q -c %d -i %g -W 2 %s" % (
            count, interval, ORIGIN_IP))
        return netlab.parse_ping(out) or {"received": 0, "min": None,
                                          "avg": None}

    # ----------------------------------------------------------- stop

    def stop(self):
        """Stops everything this network started. Idempotent; also run
        from atexit and on SIGTERM/SIGHUP."""
        if self._stopped or not self.started:
            return
        self._stopped = True
        netlab.cancel_at_exit(self.stop)
        # A second Ctrl-C must not cut the cleanup short.
        try:
            old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        except ValueError:
            old = None
        try:
            self._stop()
        finally:
            if old is not None:
                signal.signal(signal.SIGINT, old)

    def _stop(self):
        problems = []
        # 1. Our processes in the hosts: SIGTERM lets argod withdraw.
        with self._lock:
            procs = list(self.procs)
        left = netlab.stop_procs([p for p, _ in procs])
        problems += ["%s (pid %d) survived SIGKILL" % (what, p.pid)
                     for p, what in procs if p in left]
        # 2. Anything else in the hosts' namespaces (started from the CLI),
        # except the hosts' own shells, which Mininet stops.
        shells = {h.pid for h in self.hosts + [self.client, self.origin]
                  if h is not None and h.pid}
        inodes = {netns_inode(pid) for pid in shells} - {None}
        stray = [p for p in pids_in_netns(inodes) if p not in shells]
        if stray:
            kill_pids(stray, grace=2.0)
        # 3. The link emulator (its TUN devices go with it).
        if self.linkem is not None:
            netlab.stop_proc(self.linkem)
            self.linkem.stdout.close()
        # 4. Namespace names, then Mininet (links, bridges, host shells).
        _remove_names(self.nsnames, ())
        if self.net is not None:
            try:
                self.net.stop()
            except Exception as e:  # noqa: BLE001 -- keep cleaning
                problems.append("Mininet stop: %s" % e)
        _remove_names((), self.switches)
        # 5. Files.
        if self._made_run_argod and not _other_runs():
            try:
                os.rmdir("/run/argod")
            except OSError:
                pass
        if self.rundir:
            if self.keep:
                try:
                    os.unlink(os.path.join(self.rundir, "state.json"))
                except OSError:
                    pass
                self.log("logs kept in %s" % self.rundir)
            else:
                shutil.rmtree(self.rundir, ignore_errors=True)
        for pr in problems:
            self.log("cleanup: " + pr)


def _remove_names(netns, switches):
    """Deletes namespace names and (Linux bridge) links, where they are."""
    for ns in netns:
        run_cmd(["ip", "netns", "delete", ns], check=False, timeout=30)
    for sw in switches:
        if os.path.exists("/sys/class/net/%s" % sw):
            run_cmd(["ip", "link", "delete", sw], check=False, timeout=30)


def _runs():
    """The state files of argonet networks on this machine: (path, state)."""
    for st in glob.glob("/tmp/%s*/state.json" % RUN_PREFIX):
        try:
            with open(st) as f:
                yield st, json.load(f)
        except (OSError, ValueError):
            continue


def _other_runs():
    for _, s in _runs():
        owner = s.get("owner")
        if owner is not None and owner != os.getpid() and pid_alive(owner):
            return True
    return False


# ------------------------------------------------------------- scenarios

PRESETS = {
    "congest": "wait 3; congest @link 30; wait 8; restore; wait 10",
    "fail": "wait 3; fail @link; wait 6; restore; wait 6",
    "kill": "wait 3; kill @transit; wait 6; restore; wait 8",
    "all": "wait 3; congest @link 30; wait 8; restore; wait 14; "
           "fail @link; wait 6; restore; wait 6; "
           "kill @transit; wait 6; restore; wait 8",
}

SCENARIO_HELP = """\
A scenario is a preset (%s) or steps separated by ';' or newlines:
  wait S                 let S seconds pass
  congest A B [MS [L%%]]  MS (default 30) more one-way delay on A-B, both
                         ways, optionally L%% loss: queueing on the link
  fail A B               drop every packet on A-B, both ways (silently)
  kill P                 SIGKILL argod on PoP P (its host stays)
  restore [A B | P]      undo: restore a link, restart a PoP's argod, or
                         (alone) everything
@link is the first link of the client's current path (the ingress PoP's
route to the origin), @transit the first PoP on it that is neither ingress
nor egress; both are resolved when the step runs.""" % ", ".join(PRESETS)


def parse_scenario(text):
    text = PRESETS.get(text.strip(), text)
    steps = []
    for part in re.split(r"[;\n]", text):
        w = part.split("#", 1)[0].split()
        if not w:
            continue
        op = w[0]
        if op == "wait" and len(w) == 2:
            steps.append(("wait", float(w[1])))
        elif op == "congest" and 2 <= len(w) <= 5:
            args = _link_args(w[1:], op)
            rest = w[1 + (1 if args[0] == "@link" else 2):]
            ms = float(rest[0].rstrip("ms")) if rest else 30.0
            loss = float(rest[1].rstrip("%")) if len(rest) > 1 else None
            steps.append(("congest", args, ms, loss))
        elif op == "fail" and len(w) in (2, 3):
            steps.append(("fail", _link_args(w[1:], op)))
        elif op == "kill" and len(w) == 2:
            steps.append(("kill", w[1]))
        elif op in ("restore", "restart") and len(w) <= 3:
            steps.append(("restore", w[1:]))
        else:
            raise ArgoNetError("bad scenario step %r\n%s" % (
                part.strip(), SCENARIO_HELP))
    return steps


def _link_args(w, op):
    if w and w[0] == "@link":
        return ("@link", None)
    if len(w) < 2:
        raise ArgoNetError("%s wants two PoPs or @link" % op)
    return (w[0], w[1])


class Driver:
    """Injects events into an ArgoNet and marks them in a Recorder."""

    def __init__(self, anet, rec=None, out=print):
        self.a = anet
        self.rec = rec
        self.out = out

    def _mark(self, kind, label, t):
        """t: when the action was issued; reroute times count from it."""
        self.out("%s" % label)
        if self.rec is not None:
            self.rec.mark(kind, label, t=t)

    def _resolve_link(self, a, b):
        if a != "@link":
            return a, b
        p = self.a.forward_path()
        if len(p) < 2:
            raise ArgoNetError("@link: the client has no path now")
        return p[0], p[1]

    def _resolve_pop(self, p):
        if p != "@transit":
            return p
        path = self.a.forward_path()
        mids = path[1:-1]
        if not mids:
            raise ArgoNetError("@transit: the client's path %s has no "
                               "transit PoP" % ">".join(path))
        return mids[0]

    def congest(self, a, b, ms=30.0, loss=None):
        a, b = self._resolve_link(a, b)
        t = time.time()
        self.a.congest(a, b, ms, loss)
        self._mark("congest", "congest %s-%s +%g ms each way%s" % (
            a, b, ms, "" if loss is None else ", %g%% loss" % loss), t)

    def fail(self, a, b):
        a, b = self._resolve_link(a, b)
        t = time.time()
        self.a.fail_link(a, b)
        self._mark("fail", "fail %s-%s" % (a, b), t)

    def kill(self, p):
        p = self._resolve_pop(p)
        t = time.time()
        self.a.kill_pop(p)
        self._mark("kill", "kill argod on %s" % p, t)

    def restore(self, args):
        t = time.time()
        if not args:
            done = self.a.restore_all()
            self._mark("restore", "restore %s" % (" ".join(done) or
                                                  "(nothing to do)"), t)
        elif len(args) == 2:
            self.a.restore_link(args[0], args[1])
            self._mark("restore", "restore %s-%s" % tuple(args), t)
        else:
            i = self.a.index(args[0])
            if i in self.a.killed or not self.a.alive(i):
                self.a.start_pop(i)
                self._mark("restart", "restart argod on %s" % args[0], t)
            else:
                raise ArgoNetError("argod on %s is running" % args[0])

    def run(self, steps):
        for st in steps:
            op = st[0]
            if op == "wait":
                time.sleep(st[1])
            elif op == "congest":
                self.congest(st[1][0], st[1][1], st[2], st[3])
            elif op == "fail":
                self.fail(*st[1])
            elif op == "kill":
                self.kill(st[1])
            elif op == "restore":
                self.restore(st[1])


# ------------------------------------------------------------- the CLI

class ArgoCLI(CLI):
    """Mininet's CLI with the scenario verbs. Node commands work as usual:
    `fra argoctl routes`, `client ping origin`."""

    def __init__(self, mininet, anet, rec, driver, outdir, **kw):
        self.anet, self.rec, self.driver, self.outdir = anet, rec, driver, \
            outdir
        CLI.__init__(self, mininet, **kw)

    def _try(self, fn, *args):
        try:
            fn(*args)
        except (ArgoNetError, ValueError, OSError) as e:
            print("*** %s" % e)

    def do_congest(self, line):
        """congest A B [MS [LOSS]]: MS more one-way delay (default 30) on
        the PoP link A-B both ways, optionally LOSS percent loss."""
        w = line.split()
        if len(w) < 2:
            print("usage: congest A B [MS [LOSS]]")
            return
        self._try(self.driver.congest, w[0], w[1],
                  float(w[2]) if len(w) > 2 else 30.0,
                  float(w[3]) if len(w) > 3 else None)

    def do_fail(self, line):
        """fail A B: lose every packet on the PoP link A-B, both ways."""
        w = line.split()
        if len(w) != 2:
            print("usage: fail A B")
            return
        self._try(self.driver.fail, w[0], w[1])

    def do_killpop(self, line):
        """killpop P: SIGKILL the argod of PoP P."""
        w = line.split()
        if len(w) != 1:
            print("usage: killpop P")
            return
        self._try(self.driver.kill, w[0])

    def do_restore(self, line):
        """restore [A B | P]: restore link A-B, restart P's argod, or
        (without arguments) undo every impairment and kill."""
        self._try(self.driver.restore, line.split())

    def do_pops(self, line):
        """pops: every PoP's daemon, peers up, database digest and the
        client's route."""
        a = self.anet
        for i, nm in enumerate(a.names):
            if not a.alive(i):
                print("%-7s argod not running" % nm)
                continue
            try:
                st = a.ctl(i, "status")
                r = a.route(i, ORIGIN_NET)
                print("%-7s pid %-7d peers up %d/%d  digest %s  to origin: "
                      "%s (%s ms)" % (nm, a.argod[i].pid, st["peers_up"],
                                      st["peers"], st["digest"],
                                      route_text(r),
                                      fmt_ms(r and r["cost_ms"])))
            except (OSError, ValueError, ArgoNetError) as e:
                print("%-7s %s" % (nm, e))

    def do_linkem(self, line):
        """linkem CMD: a command for argo-linkem (show, set, down, up)."""
        try:
            for ln in self.anet.linkem_cmd(line.strip() or "show"):
                print(ln)
        except ArgoNetError as e:
            print("*** %s" % e)

    def do_report(self, line):
        """report [DIR]: write the scenario report (text, JSON, PNG) of
        the session so far."""
        d = line.strip() or self.outdir
        if self.rec is None:
            print("*** not recording (--no-record)")
            return
        text, paths = self.rec.write_report(
            d, header=header(self.anet, *self.anet.bringup))
        print(text)


# ------------------------------------------------------------- commands

def header(a, conv=None, rtt=None):
    h = {"network": "%d PoPs (%s), %s; %s" % (
        a.n, " ".join(a.names),
        "full mesh" if len(a.topo.edges()) == a.n * (a.n - 1) // 2 else
        "%d links" % len(a.topo.edges()), a.topo.source),
        "links": a.emulator_name(),
        "emulator": a.emulator_name(),
        "hosts": "client %s behind %s, origin %s behind %s (%s)" % (
            CLIENT_IP, a.names[a.ingress], ORIGIN_IP, a.names[a.egress],
            "Linux bridges" if a.access == "lxbr" else "direct links")}
    if conv is not None:
        h["convergence"] = "%.1f s from starting the daemons" % conv
    if rtt is not None:
        ok, rows, worst = rtt
        h["rtt_check"] = "%s: every daemon measures the emulated RTT of " \
            "every link, worst error %.2f ms" % ("OK" if ok else "FAILED",
                                                 worst or 0.0)
        h["rtt_ok"] = ok
        h["rtt_rows"] = rows
        h["rtt_worst_ms"] = worst
    cost, path = a.topo.best_path(a.ingress, a.egress)
    h["initial"] = "offline Dijkstra on the emulated RTTs: %s (%.1f ms)" % (
        ">".join(path), cost)
    return h


def build_topology(args):
    names = args.names.split(",") if args.names else None
    edges = None
    if args.graph:
        with open(args.graph) as f:
            edges = parse_edges(f.read())
    elif args.edges:
        edges = parse_edges(args.edges)
    if args.regions or args.matrix:
        regions = args.regions.split(",") if args.regions else \
            DEFAULT_REGIONS
        return Topology.from_matrix(args.matrix or DEFAULT_MATRIX, regions,
                                    names, edges)
    if edges is not None:
        return Topology.from_edges(edges, args.rtt, names)
    if args.pops:
        return Topology.uniform(args.pops, args.rtt or 20.0, names)
    return Topology.from_matrix(DEFAULT_MATRIX, DEFAULT_REGIONS, names)


def make_net(args, topo):
    extra = []
    for x in args.conf or []:
        extra += [ln for ln in x.split(";") if ln.strip()]
    return ArgoNet(topo, ingress=args.ingress, egress=args.egress,
                   emulator=args.emulator, access=args.access,
                   conf_extra=extra, keep=args.keep)


def bring_up(a):
    a.start()
    conv = a.wait_converged(timeout=40)
    a.log("converged in %.1f s" % conv)
    rtt = a.check_rtts()
    ok, rows, worst = rtt
    a.log("daemons %s the emulated RTTs (worst error %.2f ms over %d "
          "link ends)" % ("measure" if ok else "do NOT measure",
                          worst or 0.0, len(rows)))
    a.bringup = (conv, rtt)
    pg = a.ping()
    a.log("client -> origin over the overlay: %d/3 pings, min %s ms, path "
          "%s" % (pg["received"], fmt_ms(pg["min"]),
                  ">".join(a.forward_path())))
    return conv, rtt


def cmd_run(args):
    steps = parse_scenario(args.scenario)
    topo = build_topology(args)
    a = make_net(args, topo)
    rc = 0
    try:
        conv, rtt = bring_up(a)
        if not rtt[0]:
            rc = 1
        rec = Recorder(a, interval=args.interval).start()
        time.sleep(0.5)
        Driver(a, rec, out=lambda s: a.log("event: " + s)).run(steps)
        rec.stop()
        outdir = os.path.abspath(args.out)
        text, paths = rec.write_report(outdir, header=header(a, conv, rtt),
                                       plot=not args.no_plot)
        print()
        print(text)
        print("report: %s" % ", ".join(paths[k] for k in sorted(paths)))
    finally:
        a.stop()
    return rc


def cmd_cli(args):
    topo = build_topology(args)
    a = make_net(args, topo)
    try:
        conv, rtt = bring_up(a)
        rec = None if args.no_record else \
            Recorder(a, interval=args.interval).start()
        drv = Driver(a, rec)
        print("argonet: PoPs %s; client behind %s, origin behind %s.\n"
              "  try: %s argoctl routes | client ping -c 3 origin | pops | "
              "congest %s | fail ... | killpop ... | restore | report | "
              "help" % (" ".join(a.names), a.names[a.ingress],
                        a.names[a.egress], a.names[a.ingress],
                        " ".join(a.forward_path()[:2])))
        ArgoCLI(a.net, a, rec, drv, os.path.abspath(args.out))
        if rec is not None:
            rec.stop()
    finally:
        a.stop()
    return 0


def _find_run(run):
    cands = [s for _, s in _runs() if pid_alive(s.get("owner", 0)) and
             (run is None or s["owner"] == run)]
    if not cands:
        raise ArgoNetError("no running argonet network found")
    if len(cands) > 1:
        raise ArgoNetError("several networks run (owners %s): pick one "
                           "with --run PID" % " ".join(
                               str(s["owner"]) for s in cands))
    return cands[0]


def cmd_exec(args):
    s = _find_run(args.run)
    pid = s["hosts"].get(args.host)
    if pid is None:
        raise ArgoNetError("no host %r (hosts: %s)" % (
            args.host, " ".join(sorted(s["hosts"]))))
    argv = args.command or [os.environ.get("SHELL", "/bin/bash")]
    env = dict(os.environ)
    env["PATH"] = BUILD + ":" + env.get("PATH", "/usr/bin:/bin")
    os.execvpe("mnexec", ["mnexec", "-a", str(pid)] + argv, env)


def cleanup_stale(use_mn_c=False, out=print):
    """Removes what dead argonet runs left: processes, namespace names,
    bridges and run directories. Runs whose owner lives are left alone."""
    gone = []
    for st, s in list(_runs()):
        if pid_alive(s.get("owner", 0)):
            continue
        cmdline = netlab.proc_cmdline
        pids = [p for p in s.get("pids", []) if pid_alive(p) and any(
            os.path.basename(x) in ("argod", "ping", "argo-linkem",
                                    "setpriv", "stdbuf")
            for x in cmdline(p)[:4])]
        shells = [p for p in s.get("hosts", {}).values() if pid_alive(p)
                  and any(x.startswith("mininet:") for x in cmdline(p))]
        inodes = {netns_inode(p) for p in shells} - {None}
        kill_pids(pids + [p for p in pids_in_netns(inodes)
                          if p not in shells] + shells)
        _remove_names(s.get("netns", []), s.get("switches", []))
        shutil.rmtree(os.path.dirname(st), ignore_errors=True)
        gone.append(s.get("rundir"))
    # Names whose owner died before its state file said so.
    gone += netlab.remove_netns(netlab.owner_dead(
        re.compile(r"^%s(\d+)-" % NS_TAG)), grace=2.0)
    # The mount point of the hosts' private /run/argod, if a killed run
    # made it; never while another run may have it mounted in its hosts.
    if gone and not _other_runs():
        try:
            os.rmdir("/run/argod")
        except OSError:
            pass
    if use_mn_c:
        out("running mn -c: this also stops every other Mininet network "
            "on this machine")
        subprocess.run(["mn", "-c"], check=False)
    for g in gone:
        out("removed %s" % g)
    return gone


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="argonet.py",
        description="A Mininet network of PoPs running real argod daemons.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=SCENARIO_HELP)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def topo_args(p):
        g = p.add_argument_group("topology (default: %s from aws32)" %
                                 " ".join(REGION_CODES[r]
                                          for r in DEFAULT_REGIONS))
        g.add_argument("--matrix", help="RTT matrix CSV in the aws32 format "
                       "(default tests/data/aws32_rtt_p50_ms.csv)")
        g.add_argument("--regions", help="comma-separated rows of the "
                       "matrix to use as PoPs")
        g.add_argument("--names", help="comma-separated PoP names (1-7 "
                       "chars; default: city codes, or p1..pN)")
        g.add_argument("--pops", type=int, help="N PoPs, full mesh, all "
                       "links --rtt ms")
        g.add_argument("--rtt", type=float, help="RTT in ms for links that "
                       "name none")
        g.add_argument("--edges", help="links instead of a full mesh: "
                       "'a-b:RTT,b-c' (RTT in ms; default from the matrix "
                       "or --rtt)")
        g.add_argument("--graph", help="file of links, one 'a b [RTT]' a "
                       "line")
        g.add_argument("--ingress", help="PoP of the client (default: the "
                       "first)")
        g.add_argument("--egress", help="PoP of the origin (default: the "
                       "last)")
        g.add_argument("--emulator", default="auto",
                       choices=("auto", "netem", "linkem"),
                       help="link emulation: TCLink/netem where the kernel "
                       "has it, else argo-linkem (default auto)")
        g.add_argument("--access", default="direct",
                       choices=("direct", "lxbr"),
                       help="attach client and origin directly or through "
                       "a Linux bridge")
        g.add_argument("--conf", action="append", help="extra argod.conf "
                       "lines for every PoP, ';'-separated")
        p.add_argument("--interval", type=float, default=0.1,
                       help="ping interval, s (default 0.1)")
        p.add_argument("--out", default="argonet-report",
                       help="report directory (default ./argonet-report)")
        p.add_argument("--keep", action="store_true",
                       help="keep the run directory (configs, logs)")
        p.add_argument("-v", "--verbose", action="store_true",
                       help="Mininet's info messages")

    p = sub.add_parser("run", help="build, run a scenario, report, tear "
                       "down")
    topo_args(p)
    p.add_argument("--scenario", default="all",
                   help="preset (%s) or steps; see below" %
                   ", ".join(PRESETS))
    p.add_argument("--no-plot", action="store_true")
    p = sub.add_parser("cli", help="build and open the Mininet CLI")
    topo_args(p)
    p.add_argument("--no-record", action="store_true",
                   help="no ping/monitor recording (no report command)")
    p = sub.add_parser("exec", help="run a command in a host of a running "
                       "network (default: a shell)")
    p.add_argument("--run", type=int, help="owner pid, when several run")
    p.add_argument("host")
    p.add_argument("command", nargs=argparse.REMAINDER)
    p = sub.add_parser("cleanup", help="remove what dead runs left behind")
    p.add_argument("--mn-c", action="store_true",
                   help="also run mn -c (affects every Mininet network)")
    p = sub.add_parser("scenarios", help="print the scenario language")

    args = ap.parse_args(argv)
    if getattr(args, "verbose", False):
        os.environ["ARGONET_MNLOG"] = "info"
    try:
        if args.cmd == "scenarios":
            print(SCENARIO_HELP)
            for k, v in PRESETS.items():
                print("  %-8s %s" % (k, v))
            return 0
        if args.cmd == "cleanup":
            cleanup_stale(args.mn_c)
            return 0
        need_mininet()
        if args.cmd == "exec":
            return cmd_exec(args)
        if args.cmd == "run":
            return cmd_run(args)
        return cmd_cli(args)
    except ArgoNetError as e:
        print("argonet: %s" % e, file=sys.stderr)
        return 2
    except netlab.WaitTimeout as e:
        print("argonet: %s" % e, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("argonet: interrupted; cleaned up", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
