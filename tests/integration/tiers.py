#!/usr/bin/python3
"""Cache tiers with real caches, end to end (issue 16).

Five PoPs: e1 and e2, egresses of the origin web (10.99.0.0/24), each
with its own origin host at 10.99.0.2 (the same address, like an anycast
service) running nginx that logs every request; and l1, l2, l3. Every
PoP runs an nginx cache (proxy_cache, proxy_cache_lock) on its PoP
address, port 8081, whose upstream argo_web is the include file argod
writes (cache-include) and reloads (cache-reload). Each PoP's cache
statement is advertised with its row (wire version 5), and the include
files use those addresses; one peer line, l1's for e2, overrides e2's
with a second port e2's cache also listens on (the local override wins).

  1. smart tiers: every PoP names the same upper tier U (e1 or e2, the
     lower last mile), the others ask it; the include files say so;
  2. a purge storm (a new object) with 50 clients spread over the lower
     tiers: the origins see one request;
  3. without tiers (tiers static naming every PoP: each is its own upper
     tier) the same storm costs one origin request per PoP;
  4. back to smart; U's PoP fails (argod and its cache stop): the lower
     tiers take the fallback within seconds, and requests keep working.

Needs root, nginx and curl; skips (77) otherwise. Everything it starts is
stopped, and the namespaces are removed, on the way out.
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
import netlab  # noqa: E402
import tap  # noqa: E402
from tap import check, expect  # noqa: E402

NAMES = ["e1", "e2", "l1", "l2", "l3"]
E1, E2, L1, L2, L3 = range(5)
RTT = [[0, 10, 10, 20, 30],
       [10, 0, 30, 20, 10],
       [10, 30, 0, 10, 20],
       [20, 20, 10, 0, 10],
       [30, 10, 20, 10, 0]]
PREFIX = "10.99.0.0/24"
ORIGIN_IP = "10.99.0.2"
CACHE_PORT = 8081
OVERRIDE_PORT = 8082    # l1's peer line for e2: the local override
CLIENTS = 50

COMMON = """	client_body_temp_path %(dir)s/body;
	proxy_temp_path %(dir)s/proxy;
	fastcgi_temp_path %(dir)s/fastcgi;
	uwsgi_temp_path %(dir)s/uwsgi;
	scgi_temp_path %(dir)s/scgi;
"""

ORIGIN_CONF = """worker_processes 1;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log;
events { worker_connections 256; }
http {
	access_log %(dir)s/access.log;
""" + COMMON + """	server {
		listen 8080;
		location = /health { access_log off; return 200 "ok\\n"; }
		location / { return 200 "%(name)s\\n"; }
	}
}
"""

CACHE_CONF = """user root;
worker_processes 1;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log;
events { worker_connections 512; }
http {
	access_log off;
""" + COMMON + """	proxy_cache_path %(dir)s/cache levels=1 keys_zone=tiers:1m;
	include %(include)s;
	server {
		listen %(addr)s:%(port)d;
		listen %(addr)s:%(port2)d;
		location / {
			proxy_pass http://argo_web;
			proxy_cache tiers;
			proxy_cache_valid 200 10m;
			proxy_cache_lock on;
			proxy_cache_lock_timeout 30s;
			proxy_bind %(addr)s;
			proxy_connect_timeout 3s;
			proxy_next_upstream error timeout http_502;
			add_header X-Cache $upstream_cache_status;
		}
	}
}
"""


class Nginx:
    """nginx in a namespace, on a config of its own (nothing of
    /etc/nginx)."""

    def __init__(self, ns, d, text):
        self.ns, self.dir, self.p = ns, d, None
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o755)
        self.conf = os.path.join(d, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(text)

    def start(self):
        log = open(os.path.join(self.dir, "nginx.out"), "a")
        self.p = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, "nginx", "-e",
             os.path.join(self.dir, "error.log"), "-p", self.dir, "-c",
             self.conf, "-g", "daemon off;"], stdout=log, stderr=log)

    def reload_cmd(self):
        return "nginx -e %s -p %s -c %s -s reload" % (
            os.path.join(self.dir, "error.log"), self.dir, self.conf)

    def requests(self, path):
        try:
            with open(os.path.join(self.dir, "access.log")) as f:
                return sum(1 for ln in f if (" %s " % path) in ln)
        except FileNotFoundError:
            return 0

    def stop(self):
        if self.p is None:
            return
        self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.p = None


def tiers(ov, i):
    try:
        t = ov.ctl(i, "tiers")["tiers"]
    except Exception:   # a daemon busy or restarting: not yet
        return None
    return t[0] if t else None


def storm(ov, pops, path):
    """CLIENTS concurrent GETs of path, spread over the caches of pops;
    returns how many got a 200."""
    procs = []
    for k, i in enumerate(pops):
        n = CLIENTS // len(pops) + (1 if k < CLIENTS % len(pops) else 0)
        url = "http://%s:%d%s" % (netlab.pop_addr(i), CACHE_PORT, path)
        script = ("for k in $(seq %d); do curl -s -o /dev/null "
                  "--max-time 15 -w '%%{http_code}\\n' %s & done; wait"
                  % (n, url))
        procs.append(subprocess.Popen(
            ["ip", "netns", "exec", ov.lab.ns(i), "sh", "-c", script],
            stdout=subprocess.PIPE, text=True))
    good = 0
    for p in procs:
        out, _ = p.communicate(timeout=60)
        good += sum(1 for ln in out.split() if ln == "200")
        bad = [ln for ln in out.split() if ln != "200"]
        if bad:
            print("# %s: %s" % (path, " ".join(bad)))
    return good


def ttfb(ov, i, path):
    """Time to first byte (ms) of path from PoP i's own cache, or None."""
    r = ov.lab.exec(i, ["curl", "-s", "-o", "/dev/null", "--max-time", "10",
                        "-w", "%{http_code} %{time_starttransfer}",
                        "http://%s:%d%s" % (netlab.pop_addr(i), CACHE_PORT,
                                            path)], check=False)
    f = r.split()
    return float(f[1]) * 1000 if len(f) == 2 and f[0] == "200" else None


def main():
    for cmd in ("nginx", "curl"):
        if shutil.which(cmd) is None:
            print("SKIP: %s is not installed" % cmd)
            return 77
    check_lines = ["check http://%s:8080/health" % ORIGIN_IP,
                   "check-interval 500ms", "check-timeout 400ms",
                   "cache-origin %s:8080" % ORIGIN_IP]
    smart = ("web", PREFIX, [E1, E2], check_lines)
    flat = ("web", PREFIX, [E1, E2], check_lines +
            ["tiers static %s" % " ".join(NAMES)])
    ov = argolab.Overlay(NAMES, RTT, origins=[smart])
    origins, caches = {}, {}
    try:
        def before():
            base = os.path.join(ov.lab._tmp, "caches")
            for i in range(len(NAMES)):
                d = os.path.join(base, NAMES[i])
                caches[i] = Nginx(ov.lab.ns(i), d, CACHE_CONF % {
                    "dir": d, "addr": netlab.pop_addr(i),
                    "port": CACHE_PORT, "port2": OVERRIDE_PORT,
                    "include": os.path.join(d, "tiers.conf")})
                ov.pop_extra[i] = "\n".join([
                    'cache %s:%d' % (netlab.pop_addr(i), CACHE_PORT),
                    'cache-include "%s"' % os.path.join(d, "tiers.conf"),
                    'cache-reload "%s"' % caches[i].reload_cmd()])
            ov.peer_host[(L1, E2)] = "%s cache %s:%d" % (
                netlab.pop_addr(E2), netlab.pop_addr(E2), OVERRIDE_PORT)
        ov.start(before_pops=before)
        for e in (E1, E2):
            ns = ov.attach_host("org%d" % (e + 1), e, 99)
            origins[e] = Nginx(ns, os.path.join(ov.dir, "origin-%s" %
                                                NAMES[e]),
                               ORIGIN_CONF % {
                                   "dir": os.path.join(
                                       ov.dir, "origin-%s" % NAMES[e]),
                                   "name": NAMES[e]})
            origins[e].start()

        # 1. One upper tier, the same on every PoP.
        def agreed():
            t = [tiers(ov, i) for i in range(len(NAMES))]
            if any(x is None or x["upper"] is None or
                   x["parent_cost_ms"] is None for x in t):
                return None
            ups = {x["upper"] for x in t}
            return t if len(ups) == 1 else None
        expect(agreed, 40, "every PoP names the same upper tier")

        # A PoP's fallback follows its parent by an SPF run or two (seen
        # under ASan: the upper agreed, one lower's fallback still None)
        def settled():
            t = agreed()
            if t is None:
                return None
            u = NAMES.index(t[0]["upper"])
            f = E2 if u == E1 else E1
            return t if all(t[i]["fallback"] == NAMES[f]
                            for i in range(len(NAMES))
                            if i not in (u, f)) else None
        expect(settled, 20, "every lower tier has its fallback")
        t = settled() or agreed() or []
        up = t[0]["upper"] if t else "e1"
        U = NAMES.index(up)
        F = E2 if U == E1 else E1
        check(t and t[U]["role"] == "upper" and
              all(t[i]["role"] == "lower" and t[i]["parent"] == up
                  for i in range(len(NAMES)) if i != U) and
              all(t[i]["fallback"] == NAMES[F]
                  for i in range(len(NAMES)) if i not in (U, F)),
              "%s is upper, every other PoP asks it, %s the fallback"
              % (up, NAMES[F]), t)

        def written(i, needle):
            try:
                with open(os.path.join(caches[i].dir, "tiers.conf")) as f:
                    return needle in f.read()
            except FileNotFoundError:
                return False
        expect(lambda: all(written(i, "upstream argo_web") for i in
                           range(len(NAMES))), 20,
               "every PoP wrote its include file")
        def port_of(i, j):
            return OVERRIDE_PORT if (i, j) == (L1, E2) else CACHE_PORT
        expect(lambda: all(written(i, "%s:%d;\t# parent %s" % (
            netlab.pop_addr(U), port_of(i, U), up))
            for i in range(len(NAMES)) if i != U) and
            written(U, "%s:8080;\t# origin" % ORIGIN_IP), 20,
            "the include files point at %s's cache, as its row advertises "
            "it, %s's at the origin" % (up, up))
        fb = [i for i in range(len(NAMES)) if i not in (U, F)]
        expect(lambda: all(written(i, "%s:%d backup;\t# fallback %s" % (
            netlab.pop_addr(F), port_of(i, F), NAMES[F])) for i in fb), 20,
            "... and at %s's as the fallback, no peer line naming a cache "
            "but l1's for e2" % NAMES[F])
        check(written(L1, "%s:%d" % (netlab.pop_addr(E2), OVERRIDE_PORT)) and
              not written(L1, "%s:%d" % (netlab.pop_addr(E2), CACHE_PORT)),
              "l1's peer line for e2 (port %d) wins over e2's advertised "
              "cache (port %d)" % (OVERRIDE_PORT, CACHE_PORT))
        for c in caches.values():
            c.start()
        lowers = [i for i in range(len(NAMES)) if i != U]
        expect(lambda: storm(ov, lowers, "/warm") == CLIENTS, 20,
               "the caches answer through the tiers")

        # 2. The purge storm with tiers.
        n0 = sum(o.requests("/obj/1") for o in origins.values())
        good = storm(ov, lowers, "/obj/1")
        n1 = sum(o.requests("/obj/1") for o in origins.values())
        check(good == CLIENTS, "%d of %d clients got the object"
              % (good, CLIENTS))
        # a lower tier that gives up on its parent (connect timeout on a
        # loaded machine) asks the fallback, a second upper tier
        check(n1 - n0 <= 1, "with smart tiers the origins saw %d request(s) "
              "for %d clients on %d lower tiers (e1's %d, e2's %d)" % (
                  n1 - n0, CLIENTS, len(lowers), origins[E1].requests(
                      "/obj/1"), origins[E2].requests("/obj/1")))
        with_tiers = n1 - n0
        far = max(lowers, key=lambda i: RTT[i][U])
        t_tier = ttfb(ov, far, "/ttfb/1")

        # 3. Without tiers: every PoP its own upper tier.
        ov.origins = [flat]
        for i in range(len(NAMES)):
            ov.write_conf(i)
            ov.ctl(i, "reload")
        expect(lambda: all(written(i, "%s:8080;\t# origin" % ORIGIN_IP)
                           for i in range(len(NAMES))), 20,
               "tiers static naming every PoP: every cache asks the origin")
        time.sleep(3)   # nginx's reloads: old workers finish
        t_direct = ttfb(ov, far, "/ttfb/2")
        print("# a miss at %s: first byte after %s ms through upper tier "
              "%s, %s ms straight to the origin" % (
                  NAMES[far], "%.1f" % t_tier if t_tier else "?", up,
                  "%.1f" % t_direct if t_direct else "?"))
        good = storm(ov, lowers, "/obj/2")
        n2 = sum(o.requests("/obj/2") for o in origins.values())
        # the control measurement: what matters is the origin's count; a
        # cache just reloaded may drop one client with a 502 on a loaded
        # machine (seen once in a full make check)
        check(good >= CLIENTS - 2 and n2 >= len(lowers) - 1,
              "without tiers the origins saw %d requests (%d of %d clients "
              "served)" % (n2, good, CLIENTS))
        print("# purge storm, %d clients on %d PoPs: %d origin request(s) "
              "with smart tiers, %d without" % (CLIENTS, len(lowers),
                                                with_tiers, n2))

        # 4. Smart again; the upper tier's PoP fails.
        ov.origins = [smart]
        for i in range(len(NAMES)):
            ov.write_conf(i)
            ov.ctl(i, "reload")
        # the two last miles are both well under a millisecond: the
        # upper tier chosen afresh may be the other egress
        expect(lambda: agreed() and all(
            written(i, "# parent %s" % agreed()[0]["upper"])
            for i in range(len(NAMES))
            if NAMES[i] != agreed()[0]["upper"]), 20,
            "smart tiers again: one upper tier, the others' files ask it")
        t = agreed() or t
        up = t[0]["upper"]
        U = NAMES.index(up)
        F = E2 if U == E1 else E1
        time.sleep(3)
        t0 = time.monotonic()
        ov.kill_pop(U)
        caches[U].stop()
        others = [i for i in range(len(NAMES)) if i != U]
        expect(lambda: all((tiers(ov, i) or {}).get("parent") == NAMES[F]
                           for i in others if i != F) and
               (tiers(ov, F) or {}).get("role") == "upper", 20,
               "%s fails: %s is upper, the others ask it" % (up, NAMES[F]))
        t_move = time.monotonic() - t0
        print("# upper tier %s killed: lower tiers on %s after %.2f s"
              % (up, NAMES[F], t_move))
        expect(lambda: all(written(i, "# parent %s" % NAMES[F])
                           for i in others if i != F), 10,
               "their include files follow")
        good = storm(ov, [i for i in others if i != F], "/obj/3")
        check(good == CLIENTS, "requests keep succeeding (%d of %d)"
              % (good, CLIENTS))
    finally:
        for s in list(caches.values()) + list(origins.values()):
            s.stop()
        ov.stop()
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
