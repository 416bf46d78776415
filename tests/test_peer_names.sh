#!/bin/sh
# Peers by host name: argod resolves them through c-ares against a real
# name server (dnsmasq) in the test's namespace, and follows a changed
# record with no restart. Needs root and dnsmasq; skipped (77) otherwise.
: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
need_root
need_netns
need_cmd dnsmasq "dnsmasq is not installed (bootstrap.sh installs it)"
exec "$PYTHON3" "$top_srcdir/tests/integration/peer_names.py"
