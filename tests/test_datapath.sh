#!/bin/sh
# The data path in network namespaces: kernel forwarding by argod's routes, on emulated
# links. Needs root; skipped (77) otherwise.
: "${top_srcdir:=$(dirname "$0")/..}"
: "${top_builddir:=.}"
: "${PYTHON3:=python3}"
export top_srcdir top_builddir
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: network namespaces need root"
	exit 77
fi
if ! ip netns add argod-probe-$$ 2>/dev/null; then
	echo "SKIP: cannot create network namespaces here"
	exit 77
fi
ip netns del argod-probe-$$
exec "$PYTHON3" "$top_srcdir/tests/integration/datapath.py"
