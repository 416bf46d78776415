#!/bin/sh
# argo-top(1) under tmux against five argod PoPs in network namespaces:
# peers and routes, congestion, route changes, resizing, reconnection,
# terminal restoration and batch mode (tests/integration/top.py).
# Needs root and tmux; skipped (77) otherwise.
: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
need_root
need_cmd tmux
if [ ! -x "$top_builddir/argo-top" ] || [ ! -x "$top_builddir/argod" ]; then
	skip "argo-top or argod not built"
fi
need_netns
exec "$PYTHON3" "$top_srcdir/tests/integration/top.py"
