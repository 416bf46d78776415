#!/bin/sh
# The argod overlay as a Mininet network (sim/mininet/argonet.py): three
# PoPs converge, one reroute, clean teardown. Needs root and Debian's
# mininet package, run by Debian's python3; skipped (77) otherwise.
: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
# Mininet comes as a Debian package: its module is in /usr/bin/python3's
# path, not necessarily in that of the python3 configure found.
MNPY=${MININET_PYTHON:-/usr/bin/python3}
need_root "Mininet needs root"
if ! command -v mnexec >/dev/null 2>&1 ||
    ! "$MNPY" -c 'import mininet.net' 2>/dev/null; then
	skip "mininet is not installed (apt-get install mininet)"
fi
need_netns
# What a killed earlier run may have left (only runs whose owner is dead).
"$MNPY" "$top_srcdir/sim/mininet/argonet.py" cleanup >/dev/null 2>&1 || :
exec "$MNPY" "$top_srcdir/tests/integration/mininet_smoke.py"
