#!/usr/bin/env python3
"""Check a running argod's status socket against src/ctl-schema.json.

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
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lib"))
from argolab import Ctl, wait_for, WaitTimeout  # noqa: E402

try:
    import jsonschema
except ImportError:
    print("not ok - the Python module jsonschema is missing "
          "(Debian: python3-jsonschema; bootstrap.sh installs it)")
    sys.exit(1)

# one line per check; any "not ok" makes the exit status 1
results = []


def ok(cond, what):
    results.append(bool(cond))
    print("%s - %s" % ("ok" if cond else "not ok", what), flush=True)
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
    reasons = set(schema["$defs"]["change_reason"]["enum"])
    ok(reasons == proto.get("CHANGE", set()),
       "schema and ctl-proto.h name the same route change reasons")


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

    # requests on one connection, events on another: Ctl.cmd() skips
    # the events that come between a request and its reply
    c = wait_for(lambda: Ctl(sock), 10, what="argod's status socket")
    ck.check(c.banner, "banner", "banner")
    ro = Ctl(ro_sock)
    ck.check(ro.banner, "banner", "read-only banner")
    mon = Ctl(sock)
    ck.reply(mon.cmd("monitor"), "monitor")
    open(ready, "w").close()

    # the peer starts now: wait for the route through it
    def route_up():
        r = c.cmd("routes")
        if r.get("ok") and any(x["reachable"] for x in r["routes"]):
            return r
        return None
    try:
        r = wait_for(route_up, 20, 0.2, "a reachable route")
    except WaitTimeout as e:
        ok(False, str(e))
        return 1
    ck.reply(r, "routes", "reply to routes with a reachable route")

    for cmd in sorted(proto["CMD"] - {"monitor", "dry-run", "reload"}):
        r = c.cmd(cmd, tag={"n": cmd})
        ck.reply(r, cmd)
        if cmd == "matrix" and r.get("ok"):
            ok(square(r), "matrix is n x n")
        if cmd == "changes" and r.get("ok"):
            ok(any(x["reason"] == "reachable" and x["old"] is None and
                   x["new"] is not None and x["new"]["reachable"]
                   for x in r["entries"]),
               "changes records the route coming up: %s" %
               json.dumps(r["entries"])[:300])
            ok(r["recorded"] >= len(r["entries"]) and
               r["capacity"] >= len(r["entries"]),
               "changes: recorded and capacity bound the entries")
            one = r["entries"][0]["origin"] if r["entries"] else "web"
            f = c.cmd("changes", origin=one)
            ck.reply(f, "changes", "reply to changes of one origin")
            ok(f.get("ok") and all(x["origin"] == one
                                   for x in f["entries"]),
               "changes of origin %s lists only it" % one)
            bad = c.cmd("changes", origin=7)
            ok(bad.get("ok") is False,
               "changes with a non-string origin is an error")
            ck.reply(bad, "changes", "changes with a non-string origin")
        if cmd == "help" and r.get("ok"):
            ok({x["cmd"] for x in r["commands"]} == proto["CMD"],
               "help lists the commands of ctl-proto.h")
    ck.reply(c.cmd("dry-run", on=True), "dry-run")
    ck.reply(c.cmd("reload"), "reload")

    # error replies
    ck.reply(c.cmd("frobnicate"), "frobnicate", "unknown command")
    ck.reply(c.cmd("dry-run"), "dry-run", "dry-run without \"on\"")
    ck.reply(ro.cmd("reload"), "reload", "reload on a read-only socket")
    for what, data in (("malformed request", b"{x\n"),
                       ("non-object request", b"[1]\n"),
                       ("request without cmd", b'{"tag": 1}\n'),
                       ("oversize request", b'{"cmd":"' +
                        b"x" * (64 * 1024) + b'"}\n')):
        c.s.sendall(data)
        ck.check(c.line(), "error", what)

    # the peer goes: link down and the route lost
    os.kill(int(open(peer_pidfile).read().split()[0]), signal.SIGTERM)
    events = []

    def seen():
        events.extend(mon.events())
        return (any(e.get("event") == "link" and e.get("to") == "down"
                    for e in events) and
                any(e.get("event") == "route" and e.get("old") is not None
                    for e in events))
    try:
        wait_for(seen, 20, 0.1, "link down and route lost events")
        ok(True, "link down and route lost events arrive")
    except WaitTimeout as e:
        ok(False, str(e))
    kinds = {e.get("event") for e in events}
    ok({"link", "route"} <= kinds, "link and route events seen: %s" %
       sorted(str(k) for k in kinds))
    for e in events:
        name = {"link": "event_link", "route": "event_route_change"}.get(
            e.get("event"), "event")
        ck.check(e, name, "%s event" % e.get("event"))
    # the route lost is in the route log too, after the route coming up
    def lost():
        r = c.cmd("changes")
        if r.get("ok") and any(x["reason"] == "unreachable" and
                               x["new"] is None and x["old"] is not None
                               for x in r["entries"]):
            return r
        return None
    try:
        r = wait_for(lost, 10, 0.1, "the lost route in changes")
        ck.reply(r, "changes", "reply to changes with a lost route")
        t = [x["time"] for x in r["entries"]]
        ok(t == sorted(t), "changes are oldest first")
    except WaitTimeout as e:
        ok(False, str(e))
    for x in (c, ro, mon):
        x.close()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
