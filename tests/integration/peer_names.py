#!/usr/bin/python3
"""Peers by host name, resolved by argod through c-ares (issue 12).

Two PoPs, a and b. a's file names b by a host name, served by a real
name server, Debian's dnsmasq, in a's namespace (its own options, a hosts
file of the test's, TTL 1 s, nothing else); a's namespace uses it through
/etc/netns/NAME/resolv.conf, which "ip netns exec" mounts over
/etc/resolv.conf.

  1. the name first points nowhere (an address no PoP has): the link
     stays down and a's peers status shows the address it resolved to;
  2. the record changes to b's address: a follows within a few TTLs,
     with no restart (same pid), and the link comes up;
  3. the name server stops: a keeps the last good address, the link
     stays up, the lookup failure shows in status and is logged once.

Needs root and dnsmasq; skips (77) otherwise. Everything it creates is
removed on the way out.
"""

import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import argolab  # noqa: E402
import tap  # noqa: E402
from tap import check, expect  # noqa: E402

NAMES = ["a", "b"]
A, B = range(2)
RTT = [[0, 10], [10, 0]]
HOST = "b.argod.test"
NOWHERE = "10.77.200.200"


def peer(ov, i, name):
    try:
        for p in ov.ctl(i, "peers")["peers"]:
            if p["name"] == name:
                return p
    except Exception:
        return None
    return None


def main():
    if shutil.which("dnsmasq") is None:
        print("SKIP: dnsmasq is not installed (bootstrap.sh installs it)")
        return 77
    ov = argolab.Overlay(NAMES, RTT, origins=[])
    ov.peer_host[(A, B)] = HOST
    state = {"dns": None, "netns_dir": None, "hosts": None}

    def start_dns():
        state["dns"] = subprocess.Popen(
            ["ip", "netns", "exec", ov.lab.ns(A), "dnsmasq", "-k",
             "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
             "--bind-interfaces", "--listen-address=127.0.0.1",
             "--port=53", "--addn-hosts=" + state["hosts"],
             "--local-ttl=1", "--pid-file=",
             # it reads the test's hosts file, in a directory of mode 0700
             "--user=root",
             "--log-facility=" + os.path.join(ov.lab._tmp, "dnsmasq.log")],
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(ov.lab._tmp, "dnsmasq.err"), "w"))

    def before_pops():
        # a's name server, before a's argod first asks it
        state["hosts"] = os.path.join(ov.lab._tmp, "dns-hosts")
        with open(state["hosts"], "w") as f:
            f.write("%s %s\n" % (NOWHERE, HOST))
        state["netns_dir"] = os.path.join("/etc/netns", ov.lab.ns(A))
        os.makedirs(state["netns_dir"], exist_ok=True)
        with open(os.path.join(state["netns_dir"], "resolv.conf"),
                  "w") as f:
            f.write("nameserver 127.0.0.1\n")
        start_dns()
        argolab.wait_for(lambda: subprocess.run(
            ["ip", "netns", "exec", ov.lab.ns(A), "getent", "hosts", HOST],
            capture_output=True).returncode == 0, 10, what="dnsmasq")

    hosts = None
    try:
        ov.start(before_pops)
        if True:
            hosts = state["hosts"]
            dns = state["dns"]
            pid = ov.argod[A].pid

            # 1. Pointing nowhere.
            expect(lambda: (peer(ov, A, "b") or {}).get("address") ==
                   "%s:4790" % NOWHERE, 15,
                   "a resolves b's name (to an address no PoP has)")
            p = peer(ov, A, "b")
            check(p is not None and p["host"] == HOST and
                  p["resolve_error"] is None and p["state"] == "down",
                  "the peer shows its host name, and stays down", p)

            # 2. The record changes: re-pointed, no restart.
            with open(hosts, "w") as f:
                f.write("%s %s\n" % (ov.lab.pop_addr(B), HOST))
            dns.send_signal(signal.SIGHUP)  # dnsmasq re-reads addn-hosts
            expect(lambda: (peer(ov, A, "b") or {}).get("address") ==
                   "%s:4790" % ov.lab.pop_addr(B), 15,
                   "the changed record re-points a's peer b")
            expect(lambda: (peer(ov, A, "b") or {}).get("state") == "up",
                   15, "and the link comes up")
            check(ov.argod[A].pid == pid and ov.argod[A].poll() is None,
                  "with no restart of a")

            # 3. The name server goes away: the last address stays.
            dns.terminate()
            dns.wait(timeout=10)
            state["dns"] = None
            expect(lambda: (peer(ov, A, "b") or {}).get("resolve_error")
                   is not None, 30, "a failed lookup shows in status")
            p = peer(ov, A, "b")
            check(p["address"] == "%s:4790" % ov.lab.pop_addr(B) and
                  p["state"] == "up",
                  "the last good address is kept and the link stays up", p)
            log = open(ov.argod_log(A)).read()
            check(log.count("resolving %s" % HOST) == 1,
                  "the failure is logged once, not at every lookup",
                  log[-2000:])
    finally:
        ov.stop()
        if state["dns"] is not None:
            state["dns"].terminate()
            state["dns"].wait(timeout=10)
        if state["netns_dir"] is not None:
            shutil.rmtree(state["netns_dir"], ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
