#!/bin/sh
# Integration tests in network namespaces: real argod daemons on emulated
# links. Needs root; skipped (77) otherwise.
: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
need_root
need_netns
exec "$PYTHON3" "$top_srcdir/tests/integration/overlay5.py"
