#!/bin/sh
# Route quality on large, noisy, shifting networks (argosim): synthetic
# meshes of 100 and 150 PoPs whose detours beat many direct paths
# (triangle-inequality violations, sim/README), with 2 ms and 5 ms of
# jitter per datagram and 1 % of datagrams allowed to overtake. In a
# static network the databases agree, no route changes after the
# warm-up, routes keep at least 98 % of the optimal latency gain and no
# pair is slower than its direct path by more than 2 ms. After every
# link's delay moves by up to 20 %, within 60 s (argod.conf(5),
# baseline-shift and advertise), the same holds at 98 % and 1 ms.
# Everything is simulated time: the results do not depend on the machine.
set -u
: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
SIM=${ARGOSIM:-$top_builddir/argosim}
PY=$PYTHON3
T=$(mktemp -d "${TMPDIR:-/tmp}/test_quality.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM

[ -x "$SIM" ] || skip "$SIM not built"
"$PY" -c 'import json' 2>/dev/null || skip "no python3 to read the report"

n=0
fail=0
ok() {	# ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fail=$((fail + 1))
	fi
}
# check FILE 'python expression over r (the report), w (its windows) and
# q (the quality at the end of the last window)'
check() {
	"$PY" - "$1" "$2" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
w = r["windows"]
q = w[-1]["quality"]
ok = eval(sys.argv[2])
print("# gain %.4f (with loss priced %.4f), %d worse than direct by up "
      "to %.2f ms, %d route changes after warm-up, databases %s" % (
      q["gain_fraction"], q["cost"]["gain_fraction"],
      q["worse_than_direct"], q["worst_excess_over_direct_ms"],
      r["flaps"]["route_changes"],
      "agree" if w[-1]["db"]["agreed"] else "disagree"))
if not ok:
    print("# failed: " + sys.argv[2])
sys.exit(0 if ok else 1)
PYEOF
}

echo "1..12"

STATIC='w[-1]["db"]["agreed"] and r["flaps"]["route_changes"] == 0 and q["reached"] == q["pairs"] and q["gain_fraction"] >= 0.98 and q["worst_excess_over_direct_ms"] <= 2.0'
for nodes in 100 150; do
	for j in 2ms 5ms; do
		out=$T/n$nodes-$j.json
		"$SIM" -q -n "$nodes" -j "$j" --reorder 1 -w 15s -d 25s \
		    -o "$out" 2>"$out.txt"
		ok $? "$nodes PoPs, $j jitter, 1 % reordering: runs"
		check "$out" "$STATIC"
		ok $? "$nodes PoPs, $j jitter: agree, no route changes, >= 98 % of the gain, none > 2 ms slower than direct"
	done
done

SHIFT='q["reached"] == q["pairs"] and q["gain_fraction"] >= 0.98 and q["worst_excess_over_direct_ms"] <= 1.0'
for j in 0ms 2ms; do
	out=$T/shift-$j.json
	"$SIM" -q -n 100 -j "$j" --reorder 1 -w 20s -e '20s shift 20%' \
	    -e '80s end' -O 1s -o "$out" 2>"$out.txt"
	ok $? "100 PoPs, $j jitter, every link shifted by up to 20 %: runs"
	check "$out" "$SHIFT"
	ok $? "60 s after the shift ($j jitter): >= 98 % of the gain, none > 1 ms slower than direct"
done

[ "$fail" -eq 0 ]
