#!/bin/sh
# curl through the overlay against the direct path, with a real nginx
# origin. Needs root, nginx and curl; skipped (77) otherwise.
: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
need_root
need_netns
need_cmd nginx "nginx is not installed (Debian: nginx-light; bootstrap.sh installs it)"
need_cmd curl
exec "$PYTHON3" "$top_srcdir/tests/integration/ttfb.py"
