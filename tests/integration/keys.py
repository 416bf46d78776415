#!/usr/bin/python3
"""Key rollover with key-next, on real daemons (issue 14).

Three PoPs, a full mesh. Every datagram carries a MAC with the sender's
key; a receiver accepts its key and, when set, its key-next (argod.8,
"Keys").

  1. a has key K1 and key-next K2, b has K2 and key-next K1, c only K1:
     a-b and a-c come up (each side accepts what the other sends), b-c
     stays down (c rejects b's K2 as bad_mac), and a and b count the
     datagrams that passed with key-next;
  2. c reloads with key-next K2: b-c comes up, with no restart;
  3. every PoP sends K2 and accepts K1: rx_key_next stands still (the
     signal that key-next may go), and no link drops;
  4. the rollover's end: every PoP on K2 alone; all links stay up and
     nothing fails the MAC at a or b during the last two steps.
"""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import argolab  # noqa: E402
import tap  # noqa: E402
from tap import check, expect  # noqa: E402

NAMES = ["a", "b", "c"]
A, B, C = range(3)
RTT = [[0, 10, 10], [10, 0, 10], [10, 10, 0]]


def state(ov, i, name):
    try:
        for p in ov.ctl(i, "peers")["peers"]:
            if p["name"] == name:
                return p["state"]
    except Exception:
        return None
    return None


def counters(ov, i):
    st = ov.ctl(i, "status")
    return st["counters"]


def reload(ov, i):
    ov.write_conf(i)
    r = ov.ctl(i, "reload")
    return r.get("ok")


def main():
    k1, k2 = argolab.new_key(), argolab.new_key()
    ov = argolab.Overlay(NAMES, RTT, origins=[])
    ov.pop_key = {A: k1, B: k2, C: k1}
    ov.pop_extra = {A: 'key-next "%s"' % k2, B: 'key-next "%s"' % k1}
    with ov:
        pid_c = ov.argod[C].pid
        expect(lambda: state(ov, A, "b") == "up" and
               state(ov, A, "c") == "up", 20,
               "a (K1, next K2) is up with b (K2, next K1) and c (K1)")
        check(state(ov, B, "c") != "up" and state(ov, C, "b") != "up",
              "b (K2) and c (K1 only) do not talk")
        check(counters(ov, A)["rx_key_next"] > 0 and
              counters(ov, B)["rx_key_next"] > 0 and
              counters(ov, C)["rejected"]["bad_mac"] > 0,
              "a and b count datagrams passed with key-next; c counts "
              "b's as bad_mac")

        ov.pop_extra[C] = 'key-next "%s"' % k2
        check(reload(ov, C), "c reloads with key-next K2")
        expect(lambda: state(ov, B, "c") == "up" and
               state(ov, C, "b") == "up", 20, "b-c comes up")
        check(ov.argod[C].pid == pid_c and ov.argod[C].poll() is None,
              "with no restart")

        bad = {i: counters(ov, i)["rejected"]["bad_mac"] for i in (A, B)}
        # Step 2 of argod.8's procedure, done: everyone sends K2 and still
        # accepts K1. Nobody sends K1 any more, so rx_key_next stands
        # still: the operator's signal that step 3 may begin.
        for i in (A, C):
            ov.pop_key[i] = k2
            ov.pop_extra[i] = 'key-next "%s"' % k1
            check(reload(ov, i), "%s sends K2, accepts K1" % NAMES[i])
        expect(lambda: all(state(ov, i, n) == "up" for i in (A, B, C)
                           for n in NAMES if n != NAMES[i]), 20,
               "all send K2: every link up")
        # datagrams a PoP sent before its reload may still be in flight
        time.sleep(1)
        base = [counters(ov, i)["rx_key_next"] for i in (A, B, C)]
        time.sleep(3)
        now = [counters(ov, i)["rx_key_next"] for i in (A, B, C)]
        check(now == base, "nothing passes with key-next once all send K2 "
              "(%s, then %s)" % (base, now))

        # Step 3: key-next removed everywhere; links stay up.
        for i in (A, B, C):
            ov.pop_key[i] = k2
            ov.pop_extra[i] = ""
            check(reload(ov, i), "%s on K2 alone" % NAMES[i])
        expect(lambda: all(state(ov, i, n) == "up" for i in (A, B, C)
                           for n in NAMES if n != NAMES[i]), 20,
               "all on K2 alone: every link up")
        check(all(counters(ov, i)["rejected"]["bad_mac"] ==
                  bad[i] for i in (A, B)),
              "no datagram of the rollover's last steps failed the MAC "
              "at a or b")
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
