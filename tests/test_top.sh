#!/bin/sh
# argo-top(1) under tmux against five argod PoPs in network namespaces:
# peers and routes, congestion, route changes, resizing, reconnection,
# terminal restoration and batch mode (tests/integration/top.py).
# Needs root and tmux; skipped (77) otherwise.
: "${top_srcdir:=$(dirname "$0")/..}"
: "${top_builddir:=.}"
: "${PYTHON3:=python3}"
export top_srcdir top_builddir
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: network namespaces need root"
	exit 77
fi
if ! command -v tmux >/dev/null 2>&1; then
	echo "SKIP: tmux is not installed"
	exit 77
fi
if [ ! -x "$top_builddir/argo-top" ] || [ ! -x "$top_builddir/argod" ]; then
	echo "SKIP: argo-top or argod not built"
	exit 77
fi
if ! ip netns add argod-probe-$$ 2>/dev/null; then
	echo "SKIP: cannot create network namespaces here"
	exit 77
fi
ip netns del argod-probe-$$
exec "$PYTHON3" "$top_srcdir/tests/integration/top.py"
