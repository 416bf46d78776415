#!/bin/sh
# The link emulator and the namespace lab the integration tests stand on:
# measured RTT, runtime changes, loss and link failure, cleanup.
: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
need_root
exec "$PYTHON3" "$top_srcdir/tests/lib/netlab_selftest.py" \
    --linkem "$top_builddir/argo-linkem"
