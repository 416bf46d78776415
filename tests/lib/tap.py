"""tap: the Test Anything Protocol lines of the Python tests.

One stream per process: check() numbers the results, skip() records one that cannot be judged
here, expect() polls with
a deadline before it checks, done() prints the plan (at the end, as TAP
allows) and a summary, and returns the exit status.
"""

import sys

from netlab import wait_for, WaitTimeout

n = 0
failed = 0


def check(cond, what, detail=None):
    """One result; on failure, detail (text) follows as comment lines."""
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what))
    if not cond:
        failed += 1
        if detail:
            for line in str(detail).splitlines():
                print("#   " + line)
    sys.stdout.flush()
    return cond


def skip(what, why):
    """A result that cannot be judged here: ok, with TAP's SKIP and why."""
    global n
    n += 1
    print("ok %d - %s # SKIP %s" % (n, what, why))
    sys.stdout.flush()
    return True


def sanitized():
    """True when the programs under test are built with AddressSanitizer
    (configure --enable-asan): their RSS then counts the allocator's
    quarantine and shadow memory, so memory bounds mean nothing."""
    import os
    return os.environ.get("ARGOD_SANITIZED") == "1"


def expect(pred, timeout, what, interval=0.2):
    """Polls pred() until it holds (ok) or timeout seconds pass (not ok,
    with the reason)."""
    try:
        wait_for(pred, timeout, interval=interval, what=what)
        return check(True, what)
    except WaitTimeout as e:
        return check(False, "%s (%s)" % (what, e))


def done(summary=None):
    """The plan and a summary line (default: passed and failed); returns
    the exit status, 1 when anything failed."""
    print("1..%d" % n)
    print("# " + (summary or "%d passed, %d failed" % (n - failed, failed)))
    return 1 if failed else 0
