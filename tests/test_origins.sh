#!/bin/sh
# Origins in the database end to end: egresses that check a real nginx
# and advertise it, a PoP that learns the origin from them and moves
# when one origin stops, curl through the overlay. Needs root and nginx;
# skipped (77) otherwise.
: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
need_root
need_netns
need_cmd nginx "nginx is not installed (Debian: nginx-light; bootstrap.sh installs it)"
need_cmd curl
exec "$PYTHON3" "$top_srcdir/tests/integration/origins.py"
