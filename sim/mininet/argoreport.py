"""argoreport: what sim/mininet/argonet.py records while a scenario runs,
and the report it makes of it.

A Recorder follows an ArgoNet: the monitor stream of every PoP (route and
link events, stamped by the daemons' monotonic clocks), a ping from the
client to the origin every interval seconds, and the events the scenario
injects (mark()). analyze() lines them up per event (time to reroute,
pings lost, RTT before and after); write_report() writes report.txt,
report.json and rtt.png (with matplotlib, where it is installed).

Imported by argonet.py, which has put the lab library (tests/lib) on the
path.
"""

import json
import os
import re
import signal
import statistics
import threading
import time

import netlab
from argolab import Ctl, LabError

PING_RE = re.compile(r"^\[(\d+\.\d+)\] \d+ bytes from [^:]+: icmp_seq=(\d+) "
                     r"ttl=\d+ time=([\d.]+) ms")
PING_TX_RE = re.compile(r"(\d+) packets transmitted")


class Recorder:
    """Follows the overlay while scenarios run: the monitor stream of every
    PoP (route and link events, stamped by the daemons' monotonic clocks),
    a ping from client to origin every interval seconds, and the events
    the scenario injects. write_report() turns it into text, JSON and a
    PNG."""

    def __init__(self, anet, interval=0.1):
        self.a = anet
        self.interval = interval
        self.events = []      # monitor events, with "pop" and "t" (wall)
        self.marks = []       # injected events
        self.threads = []
        self._stop = threading.Event()
        self.ping = None
        self.ping_log = None
        self.t0 = None
        self.t_end = None
        self.initial = None   # ingress route at start
        self.initial_return = None
        # The daemons' event times are CLOCK_MONOTONIC readings, like
        # time.monotonic(): shift them onto the wall clock of ping -D.
        self.mono2wall = time.time() - time.monotonic()

    def start(self):
        self.t0 = time.time()
        for i in range(self.a.n):
            t = threading.Thread(target=self._monitor, args=(i,),
                                 daemon=True, name="monitor-%d" % i)
            t.start()
            self.threads.append(t)
        self.ping_log = os.path.join(self.a.rundir, "ping.log")
        self.ping = self.a.popen(
            self.a.client, ["stdbuf", "-oL", "ping", "-n", "-D", "-i",
                            "%g" % self.interval, self.a.origin_ip],
            "ping client->origin", logname="ping.log")
        try:
            a = self.a
            self.initial = a.route(a.ingress, a.origin_net)
            self.initial_return = a.route(a.egress, a.client_net)
        except (OSError, ValueError, LabError):
            pass
        return self

    def _monitor(self, i):
        path = self.a.sock(i)
        name = self.a.names[i]
        while not self._stop.is_set():
            try:
                c = Ctl(path, timeout=1.0)
            except (OSError, ValueError):
                self._stop.wait(0.1)
                continue
            try:
                c.send("monitor")
                while not self._stop.is_set():
                    for ev in c.wait_events(0.25):
                        if "event" in ev:
                            ev["pop"] = name
                            ev["t"] = ev["time"] + self.mono2wall
                            self.events.append(ev)
            except (OSError, ValueError):   # a restarted daemon: reconnect
                pass
            finally:
                c.close()
            self._stop.wait(0.1)

    def mark(self, kind, label, t=None, **info):
        m = dict(t=t or time.time(), kind=kind, label=label)
        m.update(info)
        self.marks.append(m)
        return m

    def stop(self):
        if self.t_end is not None:
            return
        if self.ping is not None:
            # SIGINT: ping prints its summary.
            netlab.stop_proc(self.ping, signal.SIGINT, timeout=3)
        self._stop.set()
        for t in self.threads:
            t.join(timeout=2)
        self.t_end = time.time()

    # ----------------------------------------------------------- analysis

    def ping_samples(self):
        """[(t_send, rtt_ms or None)], time-ordered; None = lost."""
        got, sent = {}, None
        try:
            with open(self.ping_log) as f:
                for ln in f:
                    m = PING_RE.match(ln)
                    if m:
                        rtt = float(m.group(3))
                        got[int(m.group(2))] = (float(m.group(1)) -
                                                rtt / 1000.0, rtt)
                        continue
                    m = PING_TX_RE.search(ln)
                    if m:
                        sent = int(m.group(1))
        except OSError:
            return []
        if not got:
            return []
        last = max(got)
        if sent is None:
            sent = last   # still running: the tail is in flight
        else:
            # Echoes still in flight when ping stopped are not losses.
            horizon = (self.t_end or time.time()) - 1.0 - \
                max(r for _, r in got.values()) / 1000.0
            while sent > last and got[last][0] + (sent - last) * \
                    self.interval > horizon:
                sent -= 1
        seqs = sorted(got)
        out = []
        k = 0
        for s in range(1, sent + 1):
            if s in got:
                out.append(got[s])
                continue
            # Lost: place it by the nearest answered sequence number.
            while k + 1 < len(seqs) and seqs[k + 1] < s:
                k += 1
            ref = seqs[k]
            if abs(seqs[min(k + 1, len(seqs) - 1)] - s) < abs(ref - s):
                ref = seqs[min(k + 1, len(seqs) - 1)]
            out.append((got[ref][0] + (s - ref) * self.interval, None))
        return out

    def route_changes(self, pop=None, prefix=None):
        out = []
        for ev in sorted(self.events, key=lambda e: e["t"]):
            if ev.get("event") != "route":
                continue
            if pop is not None and ev["pop"] != pop:
                continue
            if prefix is not None and ev.get("prefix") != prefix:
                continue
            out.append(ev)
        return out

    def analyze(self):
        a = self.a
        end = self.t_end or time.time()
        samples = self.ping_samples()
        ing, egr = a.names[a.ingress], a.names[a.egress]
        fwd = self.route_changes(ing, self.a.origin_net)
        ret = self.route_changes(egr, self.a.client_net)
        allrc = self.route_changes()
        marks = sorted(self.marks, key=lambda m: m["t"])
        # A lost ping belongs to the window its echo would have come back
        # in: one sent just before a failure dies in flight after it.
        rtt_typ = (_median([s[1] for s in samples if s[1] is not None])
                   or 0.0) / 1000.0

        def arrival(s):
            return s[0] + (s[1] / 1000.0 if s[1] is not None else rtt_typ)
        res = []
        for k, m in enumerate(marks):
            t1 = marks[k + 1]["t"] if k + 1 < len(marks) else end
            f = [e for e in fwd if m["t"] <= e["t"] < t1]
            r = [e for e in ret if m["t"] <= e["t"] < t1]
            win = [s for s in samples if m["t"] <= arrival(s) < t1]
            before = [s[1] for s in samples if s[1] is not None and
                      m["t"] - 2.0 <= s[0] < m["t"]]
            after = [s[1] for s in samples if s[1] is not None and
                     max(m["t"], t1 - 2.0) <= s[0] < t1]
            res.append({
                "t": m["t"] - self.t0, "kind": m["kind"],
                "label": m["label"],
                "reroute_s": (f[0]["t"] - m["t"]) if f else None,
                "old_path": route_text(f[0]["old"]) if f else None,
                "new_path": route_text(f[-1]["new"]) if f else None,
                "return_reroute_s": (r[0]["t"] - m["t"]) if r else None,
                "route_changes_all_pops": len([e for e in allrc
                                               if m["t"] <= e["t"] < t1]),
                "route_changes_ingress": len(f),
                "pings": len(win),
                "pings_lost": len([s for s in win if s[1] is None]),
                "rtt_before_ms": _median(before),
                "rtt_after_ms": _median(after),
            })
        return {"t0": self.t0, "duration_s": end - self.t0,
                "ingress": ing, "egress": egr,
                "interval_s": self.interval,
                "initial_path": self.initial["path"] if self.initial
                else None,
                "initial_cost_ms": self.initial["cost_ms"] if self.initial
                else None,
                "initial_return_path": self.initial_return["path"]
                if self.initial_return else None,
                "events": res,
                "route_changes": [{
                    "t": e["t"] - self.t0, "pop": e["pop"],
                    "origin": e.get("origin"), "prefix": e.get("prefix"),
                    "old": route_text(e.get("old")),
                    "new": route_text(e.get("new")),
                    "old_cost_ms": (e.get("old") or {}).get("cost_ms"),
                    "new_cost_ms": (e.get("new") or {}).get("cost_ms")}
                    for e in allrc if e["t"] >= self.t0],
                "link_events": [{
                    "t": e["t"] - self.t0, "pop": e["pop"],
                    "peer": e.get("peer"), "from": e.get("from"),
                    "to": e.get("to"), "rtt_ms": e.get("rtt_ms"),
                    "loss_pct": e.get("loss_pct")}
                    for e in sorted(self.events, key=lambda e: e["t"])
                    if e.get("event") == "link" and e["t"] >= self.t0],
                "pings": {"sent": len(samples),
                          "lost": len([s for s in samples
                                       if s[1] is None])},
                "samples": [(round(t - self.t0, 4), r) for t, r in samples]}

    def write_report(self, outdir, header=None, plot=True):
        """Writes report.txt, report.json and rtt.png to outdir; returns
        (text, paths)."""
        os.makedirs(outdir, exist_ok=True)
        data = self.analyze()
        data["header"] = header or {}
        text = self.render_text(data)
        paths = {}
        p = os.path.join(outdir, "report.json")
        with open(p, "w") as f:
            json.dump(data, f, indent=1)
        paths["json"] = p
        if plot:
            try:
                paths["png"] = self.plot(data, os.path.join(outdir,
                                                            "rtt.png"))
            except ImportError as e:
                text += "\nno plot: %s (apt-get install " \
                        "python3-matplotlib)\n" % e
        if "png" in paths:
            text += "\nplot: %s\n" % paths["png"]
        p = os.path.join(outdir, "report.txt")
        with open(p, "w") as f:
            f.write(text)
        paths["txt"] = p
        return text, paths

    def render_text(self, d):
        h = d.get("header", {})
        L = ["argonet scenario report", "=" * 23]
        for k in ("network", "links", "hosts", "convergence", "rtt_check",
                  "initial"):
            if k in h:
                L.append("%-12s %s" % (k + ":", h[k]))
        if h.get("rtt_rows"):
            L.append("")
            L.append("RTT per link, emulated vs measured by argod (srtt):")
            L.append("  %-6s %-6s %10s %10s %8s" % ("POP", "PEER", "EMULATED",
                                                  "MEASURED", "ERROR"))
            for r in h["rtt_rows"]:
                err = (r["srtt_ms"] - r["emulated_ms"]) \
                    if r["srtt_ms"] is not None else None
                L.append("  %-6s %-6s %8.2fms %8sms %8s" % (
                    r["pop"], r["peer"], r["emulated_ms"],
                    "%.2f" % r["srtt_ms"] if r["srtt_ms"] is not None
                    else "-", "%+.2f" % err if err is not None else "-"))
        L.append("")
        L.append("client->origin: ingress %s, egress %s; ping every %g s; "
                 "%d sent, %d lost" % (d["ingress"], d["egress"],
                                       d["interval_s"], d["pings"]["sent"],
                                       d["pings"]["lost"]))
        if d["initial_path"]:
            L.append("path at start: %s (argod cost %.1f ms), return %s" % (
                ">".join(d["initial_path"]), d["initial_cost_ms"],
                ">".join(d["initial_return_path"] or [])))
        L.append("")
        L.append("Events (reroute = event -> route change at the ingress "
                 "PoP, by its monitor stream):")
        for e in d["events"]:
            L.append("  +%6.2fs  %s" % (e["t"], e["label"]))
            if e["reroute_s"] is not None:
                L.append("           reroute after %.0f ms: %s -> %s%s" % (
                    e["reroute_s"] * 1000, e["old_path"], e["new_path"],
                    "" if e["route_changes_ingress"] == 1 else
                    " (%d changes)" % e["route_changes_ingress"]))
            else:
                L.append("           no route change at the ingress")
            if e["return_reroute_s"] is not None:
                L.append("           return path (at %s) changed after "
                         "%.0f ms" % (d["egress"],
                                      e["return_reroute_s"] * 1000))
            L.append("           %d route changes on all PoPs; ping: %d sent,"
                     " %d lost, RTT %s -> %s ms" % (
                         e["route_changes_all_pops"], e["pings"],
                         e["pings_lost"], fmt_ms(e["rtt_before_ms"]),
                         fmt_ms(e["rtt_after_ms"])))
        L.append("")
        L.append("Route changes (all PoPs):")
        for rc in d["route_changes"]:
            L.append("  +%6.2fs  %-6s %-8s %s (%s) -> %s (%s)" % (
                rc["t"], rc["pop"], rc["origin"], rc["old"],
                fmt_ms(rc["old_cost_ms"]), rc["new"],
                fmt_ms(rc["new_cost_ms"])))
        return "\n".join(L) + "\n"

    def plot(self, d, path):
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        s = d["samples"]
        ok = [(t, r) for t, r in s if r is not None]
        lost = [t for t, r in s if r is None]
        fig, ax = plt.subplots(figsize=(13, 6))
        if ok:
            ax.plot([t for t, _ in ok], [r for _, r in ok], "-", lw=0.7,
                    color="tab:blue", marker=".", ms=3,
                    label="ping RTT client -> origin")
        ys = [r for _, r in ok] or [0.0]
        lo, hi = min(ys), max(ys)
        span = max(hi - lo, 10.0)
        top = hi + 0.45 * span
        bottom = max(0.0, lo - 0.25 * span)
        if lost:
            ax.plot(lost, [hi + 0.08 * span] * len(lost), "x",
                    color="red", ms=5, label="ping lost")
        # argod's view: the cost of the ingress PoP's path to the origin.
        ing = d["ingress"]
        steps_t, steps_c = [0.0], [d["initial_cost_ms"]]
        for rc in d["route_changes"]:
            if rc["pop"] == ing and rc["prefix"] == self.a.origin_net:
                steps_t.append(rc["t"])
                steps_c.append(rc["new_cost_ms"])
        steps_t.append(d["duration_s"])
        steps_c.append(steps_c[-1])
        if any(c is not None for c in steps_c):
            ax.step(steps_t, [c if c is not None else float("nan")
                              for c in steps_c], where="post",
                    color="tab:orange", lw=1.3, ls="--",
                    label="argod's cost of %s's path (sum of link RTTs)"
                    % ing)
        colours = {"congest": "tab:red", "fail": "black",
                   "kill": "tab:purple", "restore": "tab:green",
                   "restart": "tab:green"}
        for e in d["events"]:
            c = colours.get(e["kind"], "tab:gray")
            ax.axvline(e["t"], color=c, lw=1.6)
            ax.text(e["t"], top, " " + e["label"], rotation=90, va="top",
                    ha="right", fontsize=8, color=c)
        first = True
        for rc in d["route_changes"]:
            if rc["pop"] != ing or rc["prefix"] != self.a.origin_net:
                continue
            ax.axvline(rc["t"], color="gray", ls=":", lw=1,
                       label="route change at %s" % ing if first else None)
            first = False
            ax.text(rc["t"], bottom + 0.02 * span, " " + (rc["new"] or
                                                          "unreachable"),
                    rotation=90, va="bottom", ha="left", fontsize=7,
                    color="dimgray")
        ax.set_ylim(bottom, top)
        ax.set_xlim(0, d["duration_s"])
        ax.set_xlabel("seconds")
        ax.set_ylabel("RTT (ms)")
        h = d.get("header", {})
        ax.set_title("argod overlay in Mininet: client -> origin via %s ... "
                     "%s (%s)" % (d["ingress"], d["egress"],
                                  h.get("emulator", "")), fontsize=10)
        ax.grid(True, alpha=0.3)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09),
                  ncol=4, fontsize=8, frameon=False)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return path


def route_text(r):
    if not r:
        return None
    if not r.get("reachable", True):
        return "unreachable"
    return ">".join(r.get("path") or [])


def _median(xs):
    return statistics.median(xs) if xs else None


def fmt_ms(x):
    return "-" if x is None else "%.1f" % x
