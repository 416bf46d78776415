#!/bin/sh
# The data path in network namespaces: kernel forwarding by argod's routes, on emulated
# links. Needs root; skipped (77) otherwise.
: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
need_root
need_netns
exec "$PYTHON3" "$top_srcdir/tests/integration/datapath.py"
