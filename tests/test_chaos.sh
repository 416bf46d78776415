#!/bin/sh
# The short chaos run (tests/integration/chaos.py): five argod PoPs in
# network namespaces under random link failures, loss bursts, delay
# ramps, kill -9 and restart, SIGHUP, for CHAOS_DURATION seconds (75 by
# default) from CHAOS_SEED (random by default; the seed is printed).
# `make chaos` is the 10-minute run. Needs root; skipped (77) otherwise.
: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
need_root
need_netns
exec "$PYTHON3" "$top_srcdir/tests/integration/chaos.py" \
    --duration "${CHAOS_DURATION:-75}" ${CHAOS_SEED:+--seed "$CHAOS_SEED"}
