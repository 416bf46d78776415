#!/bin/sh
# The demo: five argod PoPs in network namespaces with real inter-region
# latencies, watched through argoctl. Run as root after ./bootstrap.sh.
# DEMO_TIME=seconds ends it by itself; Ctrl-C ends it at any time. Either
# way every namespace and process it created is removed.
cd "$(dirname "$0")/.." || exit 1
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (it creates network namespaces)" >&2
	exit 1
fi
[ -x ./argod ] || { echo "demo: build first: ./bootstrap.sh" >&2; exit 1; }
exec python3 demo/overlay.py "$@"
