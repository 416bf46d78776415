#!/bin/sh
# The link emulator and the namespace lab the integration tests stand on:
# measured RTT, runtime changes, loss and link failure, cleanup.
: "${top_srcdir:=$(dirname "$0")/..}"
: "${top_builddir:=.}"
: "${PYTHON3:=python3}"
export top_srcdir top_builddir
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: network namespaces need root"
	exit 77
fi
exec "$PYTHON3" "$top_srcdir/tests/lib/netlab_selftest.py" \
    --linkem "$top_builddir/argo-linkem"
