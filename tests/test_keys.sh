#!/bin/sh
# Key rollover with key-next between real daemons in namespaces. Needs
# root; skipped (77) otherwise.
: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
need_root
need_netns
exec "$PYTHON3" "$top_srcdir/tests/integration/keys.py"
