#!/bin/sh
# Loss judged right in namespaces (tests/integration/lossjudge.py): 3 %
# one way on two links and 1.5 % each way on a third for 2 minutes read
# neither congested nor down; 8 % one way reads congested. Needs root;
# skipped (77) otherwise.
: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
need_root
need_netns
exec "$PYTHON3" "$top_srcdir/tests/integration/lossjudge.py"
