"""netlab: a network-namespace lab for argod integration tests and the demo.

The lower half of the lab library: namespaces, emulated links, processes
and the waiting; argolab.py puts argod daemons on it, and
sim/mininet/argonet.py uses both for its Mininet network.

Model. Every node is a network namespace named PREFIX + index (the prefix
is ``ag<pid>-`` by default, so concurrent runs never collide and leftovers
of a dead run can be recognised). Node i owns a stable PoP address,
10.77.0.(i+1)/32 on ``lo``. Every link (i, j) is a point-to-point /30 from
10.78.0.0/16 between device ``e<j>`` in node i and ``e<i>`` in node j, and
node i routes j's PoP address over that direct link only (source: its own
PoP address). Nothing else is routed, so a PoP address is reachable only
over its direct, emulated link until argod installs something better.

Impairments (one-way delay, jitter, loss, rate; each direction on its own)
come from netem on veth pairs where the kernel has netem, and otherwise
from one argo-linkem process that emulates every link over TUN devices.
Both backends take the same calls.

Cleanup cannot be skipped: a Lab is a context manager, is registered with
at_exit(), and SIGTERM/SIGINT/SIGHUP end the process through SystemExit so
that every live Lab is torn down on the way out. Children get
PR_SET_PDEATHSIG, so even a SIGKILLed test runner takes its processes
with it; cleanup_stale() removes the namespaces such a run leaves behind.

Python 3 standard library only; run as root.
"""

import atexit
import csv
import ctypes
import json
import math
import os
import re
import select
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

__all__ = [
    "Lab", "LabError", "WaitTimeout", "wait_for", "has_netem",
    "pick_emulator", "cleanup_stale", "link_lines", "remove_netns", "owner_dead",
    "load_matrix", "submatrix", "one_way_from_rtt", "default_matrix_path",
    "find_linkem", "linkem_link_arg", "linkem_start", "linkem_wait_ready",
    "linkem_request", "run_cmd", "ip_batch", "netns_list", "netns_pids",
    "netns_inode", "pids_in_netns", "proc_cmdline", "pid_alive",
    "kill_pids", "stop_proc", "stop_procs", "set_pdeathsig",
    "pdeathsig_argv", "at_exit", "cancel_at_exit", "pop_addr", "link_addr",
    "parse_ping", "udp_echo_server", "udp_rtt_probe", "summarize",
]

LINKEM_BANNER = "argo-linkem protocol 1"
POP_NET = "10.77.0.0/16"
LINK_NET = "10.78.0.0/16"
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


class LabError(Exception):
    """A lab operation failed; the message names the command and its output."""


class WaitTimeout(TimeoutError):
    """wait_for() ran out of time."""


def wait_for(predicate, timeout, interval=0.05, what="condition",
             abort=()):
    """Polls predicate() until it returns something true and returns that.

    An exception raised by the predicate counts as "not yet" (a socket that
    does not exist yet is the common case); the last one is chained to the
    WaitTimeout raised when the deadline passes. Exceptions of the classes
    in abort end the wait at once (a daemon that exited will not answer).
    """
    deadline = time.monotonic() + timeout
    last, last_exc, tries = None, None, 0
    while True:
        tries += 1
        try:
            last = predicate()
            last_exc = None
        except abort:
            raise
        except Exception as e:  # noqa: BLE001 -- reported below
            last, last_exc = None, e
        if last:
            return last
        now = time.monotonic()
        if now >= deadline:
            msg = "timed out after %.1fs waiting for %s (%d tries, last " \
                  "value %r" % (timeout, what, tries, last)
            if last_exc is not None:
                msg += ", last error %s: %s" % (type(last_exc).__name__,
                                                last_exc)
            raise WaitTimeout(msg + ")") from last_exc
        time.sleep(min(interval, deadline - now))


# ---------------------------------------------------------------- commands

def run_cmd(argv, check=True, timeout=60, input=None):
    try:
        r = subprocess.run(argv, input=input, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout,
                           text=True)
    except FileNotFoundError as e:
        raise LabError("%s: command not found" % argv[0]) from e
    except subprocess.TimeoutExpired as e:
        raise LabError("%s: no answer within %ss" %
                       (shlex.join(argv), timeout)) from e
    if check and r.returncode != 0:
        raise LabError("%s: exit %d: %s" % (shlex.join(argv), r.returncode,
                                            (r.stderr or r.stdout).strip()))
    return r


def ip_batch(ns, lines):
    """Runs many `ip` commands in one namespace with one process."""
    if not lines:
        return
    run_cmd(["ip", "-n", ns, "-batch", "-"], input="\n".join(lines) + "\n")


try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None
_PR_SET_PDEATHSIG = 1


def set_pdeathsig():
    # Runs in the child between fork and exec (so libc was looked up
    # before): if the lab's process dies without cleaning up (SIGKILL),
    # its children follow it.
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)


def pdeathsig_argv():
    """The same through setpriv(1), as a prefix of argv: for a process
    with threads, where a preexec_fn is not safe."""
    if shutil.which("setpriv"):
        return ["setpriv", "--pdeathsig", "TERM", "--"]
    return []


def netns_list():
    r = run_cmd(["ip", "netns", "list"], check=False)
    return [ln.split()[0] for ln in r.stdout.splitlines() if ln.strip()]


def netns_pids(ns):
    r = run_cmd(["ip", "netns", "pids", ns], check=False)
    return [int(p) for p in r.stdout.split() if p.isdigit()]


def netns_inode(pid):
    """The inode of pid's network namespace (None: no such process)."""
    try:
        return os.stat("/proc/%d/ns/net" % pid).st_ino
    except OSError:
        return None


def pids_in_netns(inodes):
    """Processes whose network namespace is one of inodes (named or not);
    never those of the root namespace or of ours (a pid of a dead
    namespace's process may have been reused)."""
    inodes = set(inodes) - {netns_inode(1), netns_inode(os.getpid()), None}
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit() and netns_inode(int(d)) in inodes:
            out.append(int(d))
    return out


def proc_cmdline(pid):
    """pid's argv ([] when it is gone)."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().decode(errors="replace").split("\0")
    except OSError:
        return []


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie has exited; only its parent's wait is missing.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def kill_pids(pids, grace=2.0):
    """SIGTERM, a grace period, then SIGKILL; by pid, never by name."""
    pids = [p for p in set(pids) if p and p != os.getpid()]
    for p in pids:
        try:
            os.kill(p, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(pid_alive(p) for p in pids):
        time.sleep(0.02)
    for p in pids:
        if pid_alive(p):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass


def stop_proc(p, sig=signal.SIGTERM, timeout=5.0):
    """Signals a child (a Popen) and waits for it to end, with SIGKILL
    after timeout; returns its exit status."""
    if p.poll() is not None:
        return p.returncode
    p.send_signal(sig)
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        return p.wait(timeout=5)


def stop_procs(procs, group=False, grace=3.0):
    """Ends many children (Popens) at once: SIGTERM to each (to its process
    group with group), grace seconds for all of them together, then
    SIGKILL. Returns those still running even after that."""
    def send(p, sig):
        try:
            if group:
                os.killpg(p.pid, sig)
            else:
                p.send_signal(sig)
        except OSError:
            pass
    for p in procs:
        if p.poll() is None:
            send(p, signal.SIGTERM)
    deadline = time.monotonic() + grace
    left = []
    for p in procs:
        try:
            p.wait(timeout=max(0.05, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            send(p, signal.SIGKILL)
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                left.append(p)
    return left


_netem_cache = None


def has_netem():
    """True when `tc qdisc add ... netem` works here (probed once)."""
    global _netem_cache
    if _netem_cache is not None:
        return _netem_cache
    ns = "ag%d-probe" % os.getpid()
    try:
        run_cmd(["ip", "netns", "add", ns])
        run_cmd(["ip", "-n", ns, "link", "add", "p0", "type", "veth",
                 "peer", "name", "p1"])
        r = run_cmd(["tc", "-n", ns, "qdisc", "add", "dev", "p0", "root",
                     "netem", "delay", "1ms"], check=False)
        _netem_cache = r.returncode == 0
    finally:
        run_cmd(["ip", "netns", "del", ns], check=False)
    return _netem_cache


def pick_emulator(emulator, links=True):
    """The link emulator to use: 'auto' is netem where the kernel has it,
    argo-linkem elsewhere. Asking for netem where it fails is an error
    (with links to emulate): its delays would silently do nothing."""
    if emulator == "auto":
        return "netem" if has_netem() else "linkem"
    if emulator not in ("netem", "linkem"):
        raise LabError("emulator must be auto, netem or linkem")
    if emulator == "netem" and links and not has_netem():
        raise LabError("emulator netem asked for, but 'tc qdisc add ... "
                       "netem' fails here (no sch_netem in this kernel?); "
                       "use linkem")
    return emulator


def find_linkem(path=None):
    """The argo-linkem binary: argument, $ARGO_LINKEM, the build tree, $PATH."""
    cands = [path, os.environ.get("ARGO_LINKEM")]
    builddir = os.environ.get("top_builddir")
    if builddir:
        cands.append(os.path.join(builddir, "argo-linkem"))
    cands += [os.path.join(REPO, "argo-linkem"),
              os.path.join(REPO, "build", "argo-linkem"),
              shutil.which("argo-linkem")]
    for c in cands:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.abspath(c)
    raise LabError("argo-linkem not found (build it, or set ARGO_LINKEM); "
                   "this kernel has no netem, so links need it")


_STALE_RE = re.compile(r"^ag(\d+)[-.]")


def remove_netns(match, grace=1.0):
    """Deletes every namespace whose name match() accepts, ending the
    processes in it first (by pid). Returns the names."""
    gone = []
    for ns in netns_list():
        if not match(ns):
            continue
        kill_pids(netns_pids(ns), grace=grace)
        run_cmd(["ip", "netns", "del", ns], check=False)
        gone.append(ns)
    return gone


def owner_dead(regex):
    """A match() for remove_netns(): names that regex matches with the pid
    of their owner as its first group, where that pid is gone."""
    def match(ns):
        m = regex.match(ns)
        return bool(m) and not pid_alive(int(m.group(1)))
    return match


def cleanup_stale(prefix=None):
    """Removes namespaces (and the processes in them) left by dead runs.

    With a prefix, every namespace whose name starts with it goes. Without
    one, only ``ag<pid>-...`` namespaces whose pid is no longer alive go,
    so a concurrent lab is left alone. argo-linkem processes whose command
    line names a removed namespace are ended too (by pid). Returns the
    names removed.
    """
    if prefix is not None:
        gone = remove_netns(lambda ns: ns.startswith(prefix))
    else:
        gone = remove_netns(owner_dead(_STALE_RE))
    if gone:
        kill_pids(_linkem_pids_for(gone), grace=1.0)
    return gone


def _linkem_pids_for(namespaces):
    pids, wanted = [], set(namespaces)
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        args = proc_cmdline(int(d))
        if not args or not os.path.basename(args[0]).startswith(
                "argo-linkem"):
            continue
        for a in args:
            parts = a.split(":")
            if len(parts) >= 5 and (parts[1] in wanted or
                                    parts[3] in wanted):
                pids.append(int(d))
                break
    return pids


# ---------------------------------------------------------------- argo-linkem
#
# One argo-linkem process emulates every link of a lab over TUN devices
# (see argo-linkem(8)); these start it and speak its control protocol.

def linkem_link_arg(name, ns_a, dev_a, ns_b, dev_b, a2b=None, b2a=None):
    """argo-linkem's -l argument for one link; a2b, b2a: {key: value}."""
    kv = ["%s.%s=%s" % (tag, k, v)
          for tag, p in (("a2b", a2b or {}), ("b2a", b2a or {}))
          for k, v in p.items()]
    return "%s:%s:%s:%s:%s:%s" % (name, ns_a, dev_a, ns_b, dev_b,
                                  ",".join(kv))


def linkem_start(argv, errpath, threads=False):
    """Starts argo-linkem (argv), its stderr to errpath, in its own session
    and with a parent-death signal (through setpriv for a caller with
    threads). Returns the Popen; wait for it with linkem_wait_ready()."""
    pre, fn = (pdeathsig_argv(), None) if threads else ([], set_pdeathsig)
    with open(errpath, "w") as err:
        return subprocess.Popen(pre + list(argv), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=err,
                                start_new_session=True, preexec_fn=fn)


def linkem_wait_ready(proc, errpath, timeout=30):
    """Waits for the "ready" argo-linkem prints once every device exists
    and is up; LabError if it exits first or takes longer than timeout."""
    out = proc.stdout
    deadline = time.monotonic() + timeout
    buf = b""
    while b"ready\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            raise LabError("argo-linkem not ready after %ds; see %s" %
                           (timeout, errpath))
        r, _, _ = select.select([out], [], [], left)
        if r:
            chunk = os.read(out.fileno(), 4096)
            if not chunk:
                proc.wait(timeout=5)
                with open(errpath) as f:
                    msg = f.read().strip()
                raise LabError("argo-linkem exited with %s: %s" %
                               (proc.returncode, msg))
            buf += chunk


def linkem_request(path, line, timeout=10):
    """Sends one control command to the argo-linkem listening on path;
    returns the data lines and the final line. Raises LabError on an
    "error:" reply."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
        f = s.makefile("rwb")
        banner = f.readline().decode().rstrip("\n")
        if banner != LINKEM_BANNER:
            raise LabError("argo-linkem banner %r, want %r" %
                           (banner, LINKEM_BANNER))
        f.write(line.encode() + b"\n")
        f.flush()
        out = []
        while True:
            r = f.readline()
            if not r:
                raise LabError("argo-linkem closed the connection "
                               "after %r" % line)
            r = r.decode().rstrip("\n")
            out.append(r)
            if r.startswith("error:"):
                raise LabError("argo-linkem %r: %s" % (line, r))
            if r == "ok" or r.startswith("ok "):
                return out
    finally:
        s.close()


# ---------------------------------------------------------------- matrices

def default_matrix_path(name="aws32/rtt_p50_ms.csv"):
    """Path of a matrix in the shared data folder beside the repository."""
    return os.path.join(os.path.dirname(REPO), "shared", "data", name)


def load_matrix(path=None):
    """Loads a ``src\\dst`` CSV (names in the first row and column).

    Returns (names, matrix) with matrix[i][j] a float (ms), row = source.
    """
    path = path or default_matrix_path()
    with open(path, newline="") as f:
        rows = [r for r in csv.reader(f) if r]
    if not rows or len(rows[0]) < 2:
        raise LabError("%s: empty matrix" % path)
    names = [n.strip() for n in rows[0][1:]]
    m = []
    for k, r in enumerate(rows[1:], start=2):
        if len(r) != len(names) + 1:
            raise LabError("%s:%d: %d fields, want %d" %
                           (path, k, len(r), len(names) + 1))
        if r[0].strip() != names[len(m)]:
            raise LabError("%s:%d: row %r, want %r (row and column names "
                           "must match)" % (path, k, r[0], names[len(m)]))
        m.append([float(x) for x in r[1:]])
    if len(m) != len(names):
        raise LabError("%s: %d rows for %d columns" %
                       (path, len(m), len(names)))
    return names, m


def submatrix(names, matrix, wanted):
    """The rows and columns of `wanted` (names), in that order."""
    idx = []
    for w in wanted:
        if w not in names:
            raise LabError("no region %r in the matrix" % w)
        idx.append(names.index(w))
    return list(wanted), [[matrix[i][j] for j in idx] for i in idx]


def one_way_from_rtt(rtt):
    """One-way delay i->j = rtt[i][j] / 2, so the RTT measured at i is
    (rtt[i][j] + rtt[j][i]) / 2. The diagonal is 0."""
    n = len(rtt)
    return [[0.0 if i == j else rtt[i][j] / 2.0 for j in range(n)]
            for i in range(n)]


# ---------------------------------------------------------------- exit
#
# Cleanup cannot be skipped: what registers with at_exit() is cleaned up
# at interpreter exit, and the signals it names end the process by
# SystemExit, so that with blocks, finally clauses and then atexit run on
# the way out (never a cleanup from inside the handler, which may have
# interrupted the very object it would clean up).

_exit_hooks = []
_handled = {}           # signal -> the Python handler it had, or None
_atexit_registered = False


def _run_exit_hooks():
    for fn in list(_exit_hooks):
        fn()


def _on_signal(signum, frame):
    prev = _handled.get(signum)
    if prev is not None:
        prev(signum, frame)
    raise SystemExit(128 + signum)


def at_exit(fn, signals=(signal.SIGTERM, signal.SIGINT, signal.SIGHUP)):
    """Runs fn() (a cleanup that may run twice) at exit, and makes the
    signals end the process; a Python handler they had runs first."""
    global _atexit_registered
    if not _atexit_registered:
        atexit.register(_run_exit_hooks)
        _atexit_registered = True
    if fn not in _exit_hooks:
        _exit_hooks.append(fn)
    for s in signals:
        if s in _handled:
            continue
        try:
            prev = signal.signal(s, _on_signal)
        except ValueError:
            continue  # not the main thread: atexit and __exit__ remain
        _handled[s] = prev if callable(prev) else None


def cancel_at_exit(fn):
    if fn in _exit_hooks:
        _exit_hooks.remove(fn)


# ---------------------------------------------------------------- addresses

def pop_addr(i, v6=False):
    """Stable PoP address of node i (10.77.0.(i+1) for i < 254)."""
    if v6:
        return "fd77::%x" % (i + 1)
    return "10.77.%d.%d" % ((i + 1) >> 8, (i + 1) & 255)


def link_addr(k, host, v6=False):
    """Address of end host (1 or 2) of link number k: a /30 of
    10.78.0.0/16 (a /112 of fd78::/16 for IPv6)."""
    if v6:
        return "fd78::%x:%d" % (k, host)
    v = (10 << 24) | (78 << 16) | (k * 4) | host
    return "%d.%d.%d.%d" % (v >> 24, (v >> 16) & 255, (v >> 8) & 255,
                            v & 255)


def link_lines(dev, addr, peer_addr, pop, peer_pop):
    """`ip -batch` lines for one end of a link: its /30 address, and the
    route to the peer's PoP address over this link only, from ours."""
    return ["addr add %s/30 dev %s" % (addr, dev),
            "route add %s/32 via %s dev %s src %s" % (peer_pop, peer_addr,
                                                       dev, pop)]


def parse_ping(out):
    """sent, received, loss_pct and min/avg/max/mdev (ms, None when nothing
    came back) from the summary of ping -q; None without a summary."""
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    if not m:
        return None
    res = {"sent": int(m.group(1)), "received": int(m.group(2))}
    res["loss_pct"] = 100.0 * (res["sent"] - res["received"]) / \
        max(res["sent"], 1)
    m = re.search(r"= ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms", out)
    for k, v in zip(("min", "avg", "max", "mdev"),
                    m.groups() if m else (None,) * 4):
        res[k] = float(v) if v is not None else None
    return res


# ---------------------------------------------------------------- the lab

_labs = []      # live labs, whose prefixes a new lab must not reuse


def _matrix(value, n, what):
    """A scalar for every pair, or an n x n matrix (row = source)."""
    if value is None:
        value = 0.0
    if isinstance(value, (int, float)):
        return [[float(value)] * n for _ in range(n)]
    if len(value) != n or any(len(r) != n for r in value):
        raise LabError("%s: want a number or a %dx%d matrix" % (what, n, n))
    return [[float(x) for x in r] for r in value]


class _Dir:
    __slots__ = ("delay_ms", "jitter_ms", "loss_pct", "rate_kbit")

    def __init__(self, delay_ms=0.0, jitter_ms=0.0, loss_pct=0.0,
                 rate_kbit=0):
        self.delay_ms = delay_ms
        self.jitter_ms = jitter_ms
        self.loss_pct = loss_pct
        self.rate_kbit = rate_kbit


class _Link:
    def __init__(self, k, a, b):
        self.k, self.a, self.b = k, a, b   # a < b
        self.name = "l%d-%d" % (a, b)
        self.dirs = {}                     # (src, dst) -> _Dir
        self.failed = False


class Lab:
    """N namespaces joined by emulated point-to-point links.

    delays, jitter, loss: a number for every direction, or an n x n matrix
    with [i][j] the value for the direction i -> j (one-way ms, ms, %).
    edges: list of (i, j) pairs; default a full mesh.
    emulator: 'auto' (netem when the kernel has it), 'netem' or 'linkem'.
    linkem: path of argo-linkem (default: find_linkem()).
    linkem_rtprio: SCHED_FIFO priority for argo-linkem, 0 for none.
    seed: argo-linkem's loss seed, for reproducible runs.
    ipv6: also give fd77::(i+1)/128 PoP and fd78::K:1|2/112 link addresses.
    logdir, keep_logs: where run() logs go, and whether cleanup keeps them
    (default: kept only when logdir is given or $NETLAB_KEEP_LOGS is set).
    """

    def __init__(self, n=None, delays=None, edges=None, names=None,
                 jitter=None, loss=None, rate_kbit=0, emulator="auto",
                 linkem=None, linkem_rtprio=10, prefix=None, ipv6=False,
                 seed=None, logdir=None, keep_logs=None):
        if n is None:
            if delays is None or isinstance(delays, (int, float)):
                raise LabError("give n or a delay matrix")
            n = len(delays)
        if n < 1 or n > 65000:
            raise LabError("n must be 1..65000")
        self.n = n
        self.names = list(names) if names else ["n%d" % i for i in range(n)]
        if len(self.names) != n:
            raise LabError("%d names for %d nodes" % (len(self.names), n))
        if prefix is None:
            prefix = "ag%d-" % os.getpid()
            used = set(netns_list()) | {l.prefix for l in _labs}
            k = 0
            while any(x.startswith(prefix) for x in used):
                k += 1
                prefix = "ag%d.%d-" % (os.getpid(), k)
        self.prefix = prefix
        self.ipv6 = ipv6
        self.seed = seed
        self.emulator = emulator
        self._linkem_arg = linkem
        self.linkem_rtprio = linkem_rtprio
        d = _matrix(delays, n, "delays")
        jt = _matrix(jitter, n, "jitter")
        ls = _matrix(loss, n, "loss")
        if edges is None:
            edges = [(i, j) for i in range(n) for j in range(i + 1, n)]
        self.links = {}
        for (i, j) in edges:
            a, b = min(i, j), max(i, j)
            if a == b or not (0 <= a and b < n):
                raise LabError("bad edge (%d, %d)" % (i, j))
            if (a, b) in self.links:
                continue
            if len(self.links) >= 16384:
                raise LabError("more than 16384 links do not fit in %s" %
                               LINK_NET)
            ln = _Link(len(self.links), a, b)
            for (s, t) in ((a, b), (b, a)):
                ln.dirs[(s, t)] = _Dir(d[s][t], jt[s][t], ls[s][t],
                                       rate_kbit)
            self.links[(a, b)] = ln
        self.procs = []
        self.namespaces = []
        self.linkem_proc = None
        self.ctl_path = None
        self._tmp = None
        self._logdir_arg = logdir
        self.logdir = None
        if keep_logs is None:
            keep_logs = bool(logdir) or os.environ.get("NETLAB_KEEP_LOGS")
        self.keep_logs = keep_logs
        self._nrun = 0
        self._started = False
        self._cleaned = False

    # --------------------------------------------------------- naming

    def ns(self, i):
        """Namespace name of node i."""
        return "%s%d" % (self.prefix, i)

    pop_addr = staticmethod(pop_addr)

    def dev(self, i, j):
        """Name, inside node i, of the device of the link to node j."""
        return "e%d" % j

    def _link(self, i, j):
        ln = self.links.get((min(i, j), max(i, j)))
        if ln is None:
            raise LabError("no link between %d and %d" % (i, j))
        return ln

    def link_addr(self, i, j, v6=False):
        """Address of node i on its link to node j."""
        ln = self._link(i, j)
        return link_addr(ln.k, 1 if i == ln.a else 2, v6)

    def node(self, name):
        """Index of the node called name."""
        try:
            return self.names.index(name)
        except ValueError:
            raise LabError("no node %r" % name) from None

    def neighbours(self, i):
        return sorted([ln.b if ln.a == i else ln.a
                       for ln in self.links.values() if i in (ln.a, ln.b)])

    # --------------------------------------------------------- setup

    def __enter__(self):
        if not self._started:
            self.start()
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False

    def start(self):
        if os.geteuid() != 0:
            raise LabError("netlab needs root (network namespaces)")
        if self._started:
            return self
        self._started = True
        at_exit(self.cleanup)
        _labs.append(self)
        try:
            self._tmp = tempfile.mkdtemp(prefix="netlab-")
            self.logdir = self._logdir_arg or os.path.join(self._tmp, "log")
            os.makedirs(self.logdir, exist_ok=True)
            self.emulator = pick_emulator(self.emulator, bool(self.links))
            self._make_nodes()
            if not self.links:
                pass
            elif self.emulator == "netem":
                self._make_veth_links()
            else:
                self._make_linkem_links()
            self._address_links()
        except BaseException:
            self.cleanup()
            raise
        return self

    def _make_nodes(self):
        for i in range(self.n):
            ns = self.ns(i)
            run_cmd(["ip", "netns", "add", ns])
            self.namespaces.append(ns)
            # A router lab: forward, and accept what arrives over any link
            # (overlay paths are asymmetric by design).
            cmds = ["echo 1 > /proc/sys/net/ipv4/ip_forward",
                    "echo 0 > /proc/sys/net/ipv4/conf/all/rp_filter",
                    "echo 0 > /proc/sys/net/ipv4/conf/default/rp_filter"]
            if self.ipv6:
                cmds.append("echo 1 > /proc/sys/net/ipv6/conf/all/"
                            "forwarding")
            else:
                # Link devices made later get no IPv6, so no router
                # solicitations or MLD reports cross (and count on) the
                # emulated links; lo keeps ::1.
                cmds.append("{ echo 1 > /proc/sys/net/ipv6/conf/default/"
                            "disable_ipv6; } 2>/dev/null || true")
            run_cmd(["ip", "netns", "exec", ns, "sh", "-ec",
                  "; ".join(cmds)])
            lines = ["link set lo up",
                     "addr add %s/32 dev lo" % self.pop_addr(i)]
            if self.ipv6:
                lines.append("addr add %s/128 dev lo" %
                             self.pop_addr(i, True))
            ip_batch(ns, lines)

    def _make_veth_links(self):
        for ln in self.links.values():
            a, b = ln.a, ln.b
            run_cmd(["ip", "-n", self.ns(a), "link", "add", self.dev(a, b),
                  "type", "veth", "peer", "name", self.dev(b, a), "netns",
                  self.ns(b)])
            for (s, t) in ((a, b), (b, a)):
                run_cmd(["ip", "-n", self.ns(s), "link", "set",
                      self.dev(s, t), "up"])
                run_cmd(["tc", "-n", self.ns(s), "qdisc", "add", "dev",
                      self.dev(s, t), "root"] + self._netem_args(ln, s, t))

    def _netem_args(self, ln, s, t):
        d = ln.dirs[(s, t)]
        args = ["netem", "limit", "10000", "delay", "%.3fms" % d.delay_ms]
        if d.jitter_ms > 0:
            args += ["%.3fms" % d.jitter_ms]
        loss = 100.0 if ln.failed else d.loss_pct
        if loss > 0:
            args += ["loss", "%.4f%%" % loss]
        if d.rate_kbit:
            args += ["rate", "%dkbit" % d.rate_kbit]
        return args

    @staticmethod
    def _linkem_params(d):
        return {"delay": "%.3fms" % d.delay_ms,
                "jitter": "%.3fms" % d.jitter_ms,
                "loss": "%.4f" % d.loss_pct,
                "rate": "%d" % d.rate_kbit}

    def _make_linkem_links(self):
        exe = find_linkem(self._linkem_arg)
        self.ctl_path = os.path.join(self._tmp, "linkem.sock")
        argv = [exe, "-s", self.ctl_path]
        if self.seed is not None:
            argv += ["-S", str(self.seed)]
        if self.linkem_rtprio:
            # The emulator is the network: what runs in the lab must not
            # delay it (see set_realtime() in sim/linkem.c).
            argv += ["-r", str(self.linkem_rtprio)]
        for ln in self.links.values():
            argv += ["-l", linkem_link_arg(
                ln.name, self.ns(ln.a), self.dev(ln.a, ln.b),
                self.ns(ln.b), self.dev(ln.b, ln.a),
                self._linkem_params(ln.dirs[(ln.a, ln.b)]),
                self._linkem_params(ln.dirs[(ln.b, ln.a)]))]
        errpath = os.path.join(self.logdir, "argo-linkem.log")
        self.linkem_proc = linkem_start(argv, errpath)
        linkem_wait_ready(self.linkem_proc, errpath)

    def _address_links(self):
        per_node = {i: [] for i in range(self.n)}
        for ln in self.links.values():
            for (s, t) in ((ln.a, ln.b), (ln.b, ln.a)):
                dev = self.dev(s, t)
                L = per_node[s]
                L += link_lines(dev, self.link_addr(s, t),
                                self.link_addr(t, s), self.pop_addr(s),
                                self.pop_addr(t))
                if self.ipv6:
                    # nodad: the address (and so the connected route the
                    # next line needs) is usable at once.
                    L.append("addr add %s/112 dev %s nodad" %
                             (self.link_addr(s, t, True), dev))
                    L.append("route add %s/128 via %s dev %s src %s" %
                             (self.pop_addr(t, True),
                              self.link_addr(t, s, True), dev,
                              self.pop_addr(s, True)))
        for i, lines in per_node.items():
            ip_batch(self.ns(i), lines)

    # --------------------------------------------------------- links

    def _dirs(self, i, j, direction):
        ln = self._link(i, j)
        if direction == "both":
            return ln, [(i, j), (j, i)]
        if direction == "i2j":
            return ln, [(i, j)]
        if direction == "j2i":
            return ln, [(j, i)]
        raise LabError("direction must be 'both', 'i2j' or 'j2i'")

    def set_link(self, i, j, delay_ms=None, loss_pct=None, jitter_ms=None,
                 rate_kbit=None, direction="both"):
        """Changes a link at run time; unnamed parameters keep their value.

        direction: 'both', 'i2j' (packets from i to j) or 'j2i'.
        """
        ln, dirs = self._dirs(i, j, direction)
        for key in dirs:
            d = ln.dirs[key]
            if delay_ms is not None:
                d.delay_ms = float(delay_ms)
            if jitter_ms is not None:
                d.jitter_ms = float(jitter_ms)
            if loss_pct is not None:
                d.loss_pct = float(loss_pct)
            if rate_kbit is not None:
                d.rate_kbit = int(rate_kbit)
            self._apply(ln, key)

    def _apply(self, ln, key):
        s, t = key
        if self.emulator == "netem":
            run_cmd(["tc", "-n", self.ns(s), "qdisc", "change", "dev",
                  self.dev(s, t), "root"] + self._netem_args(ln, s, t))
            return
        tag = "a2b" if s == ln.a else "b2a"
        p = self._linkem_params(ln.dirs[key])
        self.linkem_cmd("set %s %s %s" % (ln.name, tag, " ".join(
            "%s %s" % kv for kv in p.items())))

    def fail_link(self, i, j):
        """A hard, silent failure: every packet on the link is lost, both
        ways, while the devices and routes stay up (a dead WAN path)."""
        ln = self._link(i, j)
        ln.failed = True
        if self.emulator == "linkem":
            self.linkem_cmd("down %s" % ln.name)
        else:
            for key in ln.dirs:
                self._apply(ln, key)

    def restore_link(self, i, j):
        """Ends fail_link(); the link's settings are as before."""
        ln = self._link(i, j)
        ln.failed = False
        if self.emulator == "linkem":
            self.linkem_cmd("up %s" % ln.name)
        else:
            for key in ln.dirs:
                self._apply(ln, key)

    def link_params(self, i, j):
        """The settings of i -> j as a dict."""
        ln = self._link(i, j)
        d = ln.dirs[(i, j)]
        return {"delay_ms": d.delay_ms, "jitter_ms": d.jitter_ms,
                "loss_pct": d.loss_pct, "rate_kbit": d.rate_kbit,
                "failed": ln.failed}

    def link_stats(self, i, j):
        """Counters of the direction i -> j as a dict of ints.

        linkem: passed, bytes, lost, qdrop, downdrop, errors, held,
        waiting, and the emulator's lateness late_avg_us, late_p50_us,
        late_p99_us, late_max_us (floats).
        netem: passed (sent by the qdisc), bytes, dropped.
        """
        ln = self._link(i, j)
        if self.emulator == "linkem":
            tag = "a2b" if i == ln.a else "b2a"
            for line in self.linkem_cmd("show %s" % ln.name):
                f = line.split()
                if len(f) > 2 and f[0] == "link" and f[2] == tag:
                    kv = dict(x.split("=", 1) for x in f if "=" in x)
                    out = {k: int(kv[k]) for k in
                           ("passed", "bytes", "lost", "qdrop", "downdrop",
                            "errors", "held", "waiting")}
                    out.update({k: float(v) for k, v in kv.items()
                                if k.startswith("late_")})
                    return out
            raise LabError("linkem show %s: no %s line" % (ln.name, tag))
        r = run_cmd(["tc", "-n", self.ns(i), "-s", "qdisc", "show", "dev",
                  self.dev(i, j)])
        m = re.search(r"Sent (\d+) bytes (\d+) pkt \(dropped (\d+)", r.stdout)
        if not m:
            raise LabError("tc -s qdisc: unexpected output %r" % r.stdout)
        return {"bytes": int(m.group(1)), "passed": int(m.group(2)),
                "dropped": int(m.group(3))}

    def linkem_cmd(self, line, timeout=10):
        """Sends one control command; returns the data lines and the final
        line. Raises LabError on an "error:" reply."""
        if not self.ctl_path:
            raise LabError("no argo-linkem in this lab (emulator %s)" %
                           self.emulator)
        return linkem_request(self.ctl_path, line, timeout)

    # --------------------------------------------------------- processes

    def run(self, i, argv, stdout=None, stderr=None, env=None, cwd=None,
            stdin=subprocess.DEVNULL):
        """Starts argv inside node i and tracks it; returns the Popen.

        The process leads its own session (so kill() reaches its children)
        and gets PR_SET_PDEATHSIG. Without stdout/stderr, both go to
        <logdir>/<ns>-<prog>-<k>.log, named in the Popen's log_path.
        """
        if isinstance(argv, str):
            argv = shlex.split(argv)
        self._nrun += 1
        log_path = None
        close = []
        if stdout is None:
            log_path = os.path.join(self.logdir, "%s-%s-%d.log" % (
                self.ns(i), os.path.basename(argv[0]), self._nrun))
            stdout = open(log_path, "w")
            close.append(stdout)
            if stderr is None:
                stderr = subprocess.STDOUT
        try:
            p = subprocess.Popen(["ip", "netns", "exec", self.ns(i)] +
                                 list(argv), stdin=stdin, stdout=stdout,
                                 stderr=stderr, env=env, cwd=cwd,
                                 start_new_session=True,
                                 preexec_fn=set_pdeathsig)
        finally:
            for f in close:
                f.close()
        p.log_path = log_path
        p.node = i
        self.procs.append(p)
        return p

    def kill(self, proc, sig=signal.SIGTERM, timeout=5.0):
        """Signals a process (and its session) and waits for it to end,
        escalating to SIGKILL after timeout. Returns its exit status (None
        for a pid that is not our child)."""
        pid = proc.pid if isinstance(proc, subprocess.Popen) else int(proc)
        popen = proc if isinstance(proc, subprocess.Popen) else \
            next((p for p in self.procs if p.pid == pid), None)
        try:
            if popen is not None:
                os.killpg(pid, sig)   # it leads its own session
            else:
                os.kill(pid, sig)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        if popen is not None:
            try:
                return popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                return popen.wait(timeout=5)
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
        return None

    def exec(self, i, cmd, check=True, timeout=60, input=None):
        """Runs cmd (a list, or a string split like a shell would) in node
        i and returns its standard output; LabError on failure."""
        if isinstance(cmd, str):
            cmd = shlex.split(cmd)
        r = run_cmd(["ip", "netns", "exec", self.ns(i)] + list(cmd),
                 check=check, timeout=timeout, input=input)
        return r.stdout

    def ping(self, i, j=None, count=5, interval=0.2, dst=None, wait=2,
             size=None):
        """Pings from node i (from its PoP address) to node j's PoP address
        or to dst. Returns sent, received, loss_pct and min/avg/max/mdev
        in ms (None when nothing came back)."""
        if dst is None:
            dst = self.pop_addr(j)
        argv = ["ping", "-n", "-q", "-c", str(count), "-i", str(interval),
                "-W", str(wait), "-I", self.pop_addr(i, ":" in dst)]
        if size is not None:
            argv += ["-s", str(size)]
        out = self.exec(i, argv + [dst], check=False,
                        timeout=count * interval + wait + 10)
        res = parse_ping(out)
        if res is None:
            raise LabError("ping %s from node %d: %s" % (dst, i, out))
        return res

    # --------------------------------------------------------- cleanup

    def cleanup(self):
        """Kills every process started here and in the namespaces, stops
        argo-linkem, deletes the namespaces. Idempotent."""
        if self._cleaned:
            return
        self._cleaned = True
        if self in _labs:
            _labs.remove(self)
        cancel_at_exit(self.cleanup)
        stop_procs(self.procs, group=True)
        # Whatever else runs in our namespaces (daemons that forked).
        stray = []
        for ns in self.namespaces:
            stray += netns_pids(ns)
        kill_pids(stray, grace=1.0)
        if self.linkem_proc is not None:
            stop_proc(self.linkem_proc)
            if self.linkem_proc.stdout:
                self.linkem_proc.stdout.close()
        for ns in self.namespaces:
            run_cmd(["ip", "netns", "del", ns], check=False)
        self.namespaces = []
        if self._tmp is None:
            return
        if self.keep_logs:
            sys.stderr.write("netlab: logs kept in %s\n" % self.logdir)
            if self.ctl_path and os.path.exists(self.ctl_path):
                os.unlink(self.ctl_path)
        else:
            shutil.rmtree(self._tmp, ignore_errors=True)

    @classmethod
    def from_rtt(cls, names, rtt, **kw):
        """A full mesh whose one-way delays are rtt[i][j] / 2."""
        return cls(n=len(names), names=names, delays=one_way_from_rtt(rtt),
                   **kw)


# ---------------------------------------------------------------- UDP echo
#
# For accuracy measurements: the probe stamps each datagram with the
# CLOCK_REALTIME send time and reads the kernel's receive timestamp
# (SO_TIMESTAMPNS, also CLOCK_REALTIME), so Python's own scheduling delay
# on the receive side is not counted.

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
_HDR = struct.Struct("!QQ")   # seq, send time ns


def udp_echo_server(port, bind="0.0.0.0", family=socket.AF_INET):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((bind, port))
    while True:
        data, addr = s.recvfrom(65535)
        s.sendto(data, addr)


def udp_rtt_probe(dst, port, rate, count, size=64, wait=1.0, src=None):
    """Sends count datagrams at rate per second to an echo server and
    returns summarize() of the RTTs in ms plus sent/received."""
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    if src:
        s.bind((src, 0))
    s.connect((dst, port))
    s.setblocking(False)
    pad = b"\0" * max(0, size - _HDR.size)
    rtts, seen = [], set()
    period = 1.0 / rate
    t0 = time.monotonic()
    sent = 0
    end = None

    def drain():
        while True:
            try:
                data, anc, _, _ = s.recvmsg(65535, 64)
            except BlockingIOError:
                return
            if len(data) < _HDR.size:
                continue
            seq, t_send = _HDR.unpack_from(data)
            t_rx = None
            for lvl, typ, cd in anc:
                if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS \
                        and len(cd) >= 16:
                    sec, nsec = struct.unpack("qq", cd[:16])
                    t_rx = sec * 1000000000 + nsec
            if t_rx is None:
                t_rx = time.time_ns()
            if seq in seen:
                continue
            seen.add(seq)
            rtts.append((t_rx - t_send) / 1e6)

    while True:
        now = time.monotonic()
        if sent < count:
            due = t0 + sent * period
            if now >= due:
                try:
                    s.send(_HDR.pack(sent, time.time_ns()) + pad)
                except OSError:
                    pass   # ENOBUFS and friends: a loss like any other
                sent += 1
                continue
            timeout = due - now
        else:
            if end is None:
                end = now + wait
            if now >= end or len(seen) == count:
                break
            timeout = end - now
        r, _, _ = select.select([s], [], [], timeout)
        if r:
            drain()
    s.close()
    res = summarize(rtts)
    res.update({"sent": sent, "received": len(rtts),
                "loss_pct": 100.0 * (sent - len(rtts)) / max(sent, 1),
                "rate": rate})
    return res


def summarize(samples):
    """mean, stdev, min, p50, p99, max of a list of numbers."""
    if not samples:
        return {"n": 0, "mean": None, "stdev": None, "min": None,
                "p50": None, "p99": None, "max": None}
    xs = sorted(samples)
    n = len(xs)
    mean = sum(xs) / n
    var = sum((x - mean) ** 2 for x in xs) / (n - 1) if n > 1 else 0.0

    def pct(p):
        return xs[min(n - 1, int(math.ceil(p / 100.0 * n)) - 1)]
    return {"n": n, "mean": mean, "stdev": math.sqrt(var), "min": xs[0],
            "p50": pct(50), "p99": pct(99), "max": xs[-1]}


def _main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="netlab.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("cleanup-stale",
                       help="remove namespaces left by dead labs")
    c.add_argument("prefix", nargs="?")
    e = sub.add_parser("udp-echo", help="UDP echo server")
    e.add_argument("--port", type=int, default=7777)
    e.add_argument("--bind", default="0.0.0.0")
    p = sub.add_parser("udp-probe", help="RTT probe against udp-echo; "
                       "prints JSON")
    p.add_argument("dst")
    p.add_argument("--port", type=int, default=7777)
    p.add_argument("--rate", type=float, default=100)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--src")
    a = ap.parse_args(argv)
    if a.cmd == "cleanup-stale":
        for ns in cleanup_stale(a.prefix):
            print("removed", ns)
    elif a.cmd == "udp-echo":
        fam = socket.AF_INET6 if ":" in a.bind else socket.AF_INET
        udp_echo_server(a.port, a.bind, fam)
    else:
        print(json.dumps(udp_rtt_probe(a.dst, a.port, a.rate, a.count,
                                       a.size, src=a.src)))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(_main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
