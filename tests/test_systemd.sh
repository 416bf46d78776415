#!/bin/sh
# The systemd unit: systemd-analyze verify accepts it, and
# systemd-analyze security --offline=true rates its exposure below 2.0
# ("OK", the target of issue 14). Runs without systemd as PID 1.
: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
need_cmd systemd-analyze "systemd-analyze is missing (Debian package systemd)"
TARGET=2.0

unit="$top_builddir/systemd/argod.service"
[ -f "$unit" ] || { echo "not ok 1 - $unit not built"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/argod-systemd.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
bin=$(cd "$top_builddir" && pwd)
n=0 failed=0
ok() {	# ok STATUS WHAT
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"
	else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}
# exposure FILE: the overall exposure level, e.g. 1.4
exposure() {
	systemd-analyze security --offline=true "$1" 2>&1 |
	    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}

! grep -n '@[a-z]*@' "$unit"
ok $? "make filled in every @dir@ of the unit"
grep -q "^ExecStart=/.*/argod -d " "$unit"
ok $? "ExecStart= is an absolute path"

# verify checks that ExecStart= and ExecReload= exist: point them at the
# programs just built, wherever make install would put them.
sed -e "s|^ExecStart=[^ ]*/argod |ExecStart=$bin/argod |" \
    -e "s|^ExecReload=[^ ]*/argoctl |ExecReload=$bin/argoctl |" \
    "$unit" > "$T/argod.service"
grep -q "^ExecStart=$bin/argod -d " "$T/argod.service"
ok $? "ExecStart runs argod in the foreground (-d), as Type=notify needs"
grep -q '^Type=notify$' "$T/argod.service"
ok $? "Type=notify"

out=$(systemd-analyze verify --man=no "$T/argod.service" 2>&1)
rc=$?
[ -n "$out" ] && echo "$out" | sed 's/^/# /'
[ $rc -eq 0 ] && [ -z "$out" ]
ok $? "systemd-analyze verify: no complaint"

score=$(exposure "$T/argod.service")
echo "# systemd-analyze security --offline=true: exposure $score (target < $TARGET)"
[ -n "$score" ] && awk -v s="$score" -v t="$TARGET" 'BEGIN { exit !(s < t) }'
ok $? "exposure ${score:-unknown} is below $TARGET"

# The check can fail: the same unit without its hardening rates worse.
mkdir "$T/weak"
grep -v -e '^Protect' -e '^Private' -e '^Restrict' -e '^SystemCall' \
    -e '^CapabilityBoundingSet' "$T/argod.service" > "$T/weak/argod.service"
weak=$(exposure "$T/weak/argod.service")
echo "# without its hardening: exposure $weak"
[ -n "$weak" ] && awk -v s="$weak" -v t="$TARGET" 'BEGIN { exit !(s >= t) }'
ok $? "a unit without the hardening fails the target ($weak)"

echo "1..$n"
[ $failed -eq 0 ]
