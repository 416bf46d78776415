#!/bin/sh
# Cache tiers end to end: nginx caches on five PoPs driven by the include
# files argod writes, a purge storm with and without tiers, and the
# upper tier failing. Needs root, nginx and curl; skipped (77)
# otherwise.
: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
need_root
need_netns
need_cmd nginx "nginx is not installed (Debian: nginx-light; bootstrap.sh installs it)"
need_cmd curl
exec "$PYTHON3" "$top_srcdir/tests/integration/tiers.py"
