#!/usr/bin/env python3
"""Check a running argod's status socket against tests/ctl-schema.json.

Owns the schema's two checks: that its member names, commands, events and
values are exactly those of src/ctl-proto.h, and that real lines of a
running argod validate (the banner, the reply to every command, error
replies and the events of a peer coming and going). test_ctl.sh runs it:

    ctl-schema-check.py SCHEMA PROTO_H SOCKET RO_SOCKET PEER_PIDFILE READY

It sends "monitor" first, creates READY, and waits for a reachable route:
the caller starts the peer once READY exists. At the end it stops the
peer (SIGTERM to the pid in PEER_PIDFILE) and waits for its events.
Prints TAP-like "ok"/"not ok" lines; exit 0 pass, 1 fail. A missing
jsonschema module is a failure, not a skip: bootstrap.sh installs
python3-jsonschema.
"""
import json
import os
import re
import signal
import socket
import sys
import time

try:
    import jsonschema
except ImportError:
    print("not ok - the Python module jsonschema is missing "
          "(Debian: python3-jsonschema; bootstrap.sh installs it)")
    sys.exit(1)

failed = 0


def ok(cond, what):
    global failed
    print("%s - %s" % ("ok" if cond else "not ok", what), flush=True)
    if not cond:
        failed = 1
    return cond


def proto_names(path):
    """The string macros of ctl-proto.h, by prefix (F, CMD, EV, ...)."""
    names = {}
    for m in re.finditer(r'#define\s+CTL_([A-Z]+)_\w+\s+"([^"]*)"',
                         open(path).read()):
        names.setdefault(m.group(1), set()).add(m.group(2))
    return names


def schema_names(node, acc):
    """Member names, and the constants of cmd, event, mode and states."""
    if isinstance(node, dict):
        for k in node.get("required", []):
            acc["F"].add(k)
        for k, v in node.get("properties", {}).items():
            acc["F"].add(k)
            if isinstance(v, dict):
                val = v.get("const", v.get("enum"))
                vals = val if isinstance(val, list) else [val]
                key = {"cmd": "CMD", "event": "EV", "mode": "MODE"}.get(k)
                if key is not None:
                    acc[key].update(x for x in vals if x is not None)
        for v in node.values():
            schema_names(v, acc)
    elif isinstance(node, list):
        for v in node:
            schema_names(v, acc)
    return acc


def check_names(schema, proto):
    acc = schema_names(schema, {"F": set(), "CMD": set(), "EV": set(),
                                "MODE": set()})
    # "rejected" holds reasons named by wire.c, not members
    for kind in ("F", "CMD", "EV", "MODE"):
        extra = acc[kind] - proto.get(kind, set())
        missing = proto.get(kind, set()) - acc[kind]
        ok(not extra and not missing,
           "schema and ctl-proto.h name the same CTL_%s_*%s%s" %
           (kind, " (only in the schema: %s)" % sorted(extra)
            if extra else "",
            " (only in ctl-proto.h: %s)" % sorted(missing)
            if missing else ""))
    states = set(schema["$defs"]["link_state"]["enum"]) - {None}
    ok(states == proto.get("LINK", set()),
       "schema and ctl-proto.h name the same link states")


class Checker:
    def __init__(self, schema):
        cls = jsonschema.Draft202012Validator
        cls.check_schema(schema)
        self.schema = schema
        self.any = cls(schema)
        self.defs = {}
        self.cls = cls

    def one(self, name):
        if name not in self.defs:
            self.defs[name] = self.cls({"$defs": self.schema["$defs"],
                                        "$ref": "#/$defs/" + name})
        return self.defs[name]

    def check(self, msg, name, what):
        errs = [e for v in (self.one(name), self.any)
                for e in v.iter_errors(msg)]
        if errs:
            e = jsonschema.exceptions.best_match(errs)
            return ok(False, "%s is a valid %s: %s at %s in %s" %
                      (what, name, e.message,
                       "/".join(str(p) for p in e.absolute_path) or "top",
                       json.dumps(msg)[:300]))
        return ok(True, "%s is a valid %s" % (what, name))

    def reply(self, msg, cmd, what=None):
        name = "reply_" + cmd if msg.get("ok") is True else "error"
        return self.check(msg, name, what or "reply to %s" % cmd)


class Client:
    def __init__(self, path, timeout=10.0):
        end = time.monotonic() + timeout
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.settimeout(timeout)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.monotonic() > end:
                    raise
                time.sleep(0.1)
        self.buf = b""
        self.events = []
        self.banner = self.read()

    def read(self):
        while b"\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError("connection closed")
            self.buf += d
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def send(self, data):
        self.s.sendall(data)

    def reply(self):
        while True:
            m = self.read()
            if "ok" in m:
                return m
            self.events.append(m)

    def req(self, cmd, **kw):
        kw["cmd"] = cmd
        self.send(json.dumps(kw).encode() + b"\n")
        return self.reply()

    def wait_events(self, pred, timeout):
        end = time.monotonic() + timeout
        while not pred(self.events):
            left = end - time.monotonic()
            if left <= 0:
                return False
            self.s.settimeout(left)
            try:
                self.events.append(self.read())
            except socket.timeout:
                return False
        return True


def square(r):
    n = len(r["nodes"])
    return len(r["ids"]) == n and all(
        len(r[k]) == n and all(len(row) == n for row in r[k])
        for k in ("rtt_ms", "loss_pct", "state"))


def main():
    schema_path, proto_path, sock, ro_sock, peer_pidfile, ready = \
        sys.argv[1:7]
    schema = json.load(open(schema_path))
    proto = proto_names(proto_path)
    try:
        ck = Checker(schema)
    except jsonschema.exceptions.SchemaError as e:
        ok(False, "%s is a valid JSON Schema: %s" % (schema_path, e.message))
        return 1
    ok(True, "%s is a valid JSON Schema" % schema_path)
    check_names(schema, proto)

    c = Client(sock)
    ck.check(c.banner, "banner", "banner")
    ro = Client(ro_sock)
    ck.check(ro.banner, "banner", "read-only banner")
    ck.reply(c.req("monitor"), "monitor")
    open(ready, "w").close()

    # the peer starts now: wait for the route through it
    end = time.monotonic() + 20
    r = None
    while time.monotonic() < end:
        r = c.req("routes")
        if r.get("ok") and any(x["reachable"] for x in r["routes"]):
            break
        time.sleep(0.2)
    ck.reply(r, "routes", "reply to routes with a reachable route")

    for cmd in sorted(proto["CMD"] - {"monitor", "dry-run", "reload"}):
        r = c.req(cmd, tag={"n": cmd})
        ck.reply(r, cmd)
        if cmd == "matrix" and r.get("ok"):
            ok(square(r), "matrix is n x n")
        if cmd == "help" and r.get("ok"):
            ok({x["cmd"] for x in r["commands"]} == proto["CMD"],
               "help lists the commands of ctl-proto.h")
    ck.reply(c.req("dry-run", on=True), "dry-run")
    ck.reply(c.req("reload"), "reload")

    # error replies
    ck.reply(c.req("frobnicate"), "frobnicate", "unknown command")
    ck.reply(c.req("dry-run"), "dry-run", "dry-run without \"on\"")
    ck.reply(ro.req("reload"), "reload", "reload on a read-only socket")
    for what, data in (("malformed request", b"{x\n"),
                       ("non-object request", b"[1]\n"),
                       ("request without cmd", b'{"tag": 1}\n'),
                       ("oversize request", b'{"cmd":"' +
                        b"x" * (64 * 1024) + b'"}\n')):
        c.send(data)
        ck.check(c.reply(), "error", what)

    # the peer goes: link down and the route lost
    os.kill(int(open(peer_pidfile).read().split()[0]), signal.SIGTERM)

    def seen(evs):
        down = any(e.get("event") == "link" and e.get("to") == "down"
                   for e in evs)
        lost = any(e.get("event") == "route" and e.get("old") is not None
                   for e in evs)
        return down and lost
    ok(c.wait_events(seen, 20), "link down and route lost events arrive")
    kinds = {e.get("event") for e in c.events}
    ok({"link", "route"} <= kinds, "link and route events seen: %s" %
       sorted(str(k) for k in kinds))
    for e in c.events:
        name = {"link": "event_link", "route": "event_route_change"}.get(
            e.get("event"), "event")
        ck.check(e, name, "%s event" % e.get("event"))
    c.s.close()
    ro.s.close()
    return failed


if __name__ == "__main__":
    sys.exit(main())
