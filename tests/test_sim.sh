#!/bin/sh
# argosim on small matrices with known answers: route quality, a failure
# moving routes without loops, node failure and restart, congestion,
# replay of a time series, reproducibility from the seed, scenario
# errors. Each run simulates a few seconds of 4 or 5 PoPs.
set -u
: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
srcdir=$top_srcdir
builddir=$top_builddir
SIM=${ARGOSIM:-$builddir/argosim}
PY=$PYTHON3
D=$srcdir/tests/sim
T=$(mktemp -d "${TMPDIR:-/tmp}/test_sim.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM

if [ ! -x "$SIM" ]; then
	echo "1..0 # SKIP $SIM not built"
	exit 0
fi
if ! "$PY" -c 'import json' 2>/dev/null; then
	echo "1..0 # SKIP no python3 to read the JSON report"
	exit 0
fi

. "$top_srcdir/tests/lib/simcheck.sh"
run() {	# run OUT ARGS...: argosim, report in OUT, summary in OUT.txt
	out=$1
	shift
	"$SIM" -o "$out" "$@" 2>"$out.txt"
}

echo "1..43"

# 1. Known detour: only a <-> b goes around (via c), every route optimal.
run "$T/d.json" -m "$D/detour.csv" -w 5s -d 6s
ok $? "detour.csv runs"
check "$T/d.json" 'last["quality"]["pairs"] == 12 and last["quality"]["reached"] == 12 and last["quality"]["optimal"] == 12'
ok $? "every pair reaches its egress on an optimal path"
check "$T/d.json" 'last["quality"]["detoured"] == 2 and abs(last["quality"]["gain_ms"] - 100) < 0.01 and last["quality"]["gain_fraction"] == 1.0'
ok $? "exactly a->b and b->a detour, gaining 2 x 50 ms"
check "$T/d.json" 'last["quality"]["worse_than_direct"] == 0 and w[0]["db"]["agreed"] and w[0]["loops"]["episodes"] == 0'
ok $? "never worse than direct; start-up converges without loops"

# 2. Scenario file: fail the detour's link, restore it, kill and restart d.
run "$T/f.json" -m "$D/detour.csv" -w 5s -c "$D/fail.scen" -O 4s
ok $? "fail.scen runs"
check "$T/f.json" 'len(w) == 6 and w[2]["event"].startswith("6s fail-link a c")'
ok $? "one window per event"
check "$T/f.json" 'w[2]["routes"]["changes"] >= 2 and w[2]["routes"]["final_ms"] < 1000 and w[2]["db"]["agreed"]'
ok $? "link failure: routes move and are final within 1 s"
check "$T/f.json" 'w[2]["loops"]["episodes"] == 0 and w[3]["loops"]["episodes"] == 0'
ok $? "no transient loop after the link failure or the restore"
check "$T/f.json" 'w[2]["quality"]["optimal"] == 12 and w[2]["quality"]["with_direct"] == 10 and w[2]["quality"]["gain_ms"] == 0'
ok $? "a <-> b direct while a-c is down (a <-> c via d), still optimal"
check "$T/f.json" 'w[3]["quality"]["detoured"] == 2 and w[3]["quality"]["optimal"] == 12'
ok $? "detour back after restore-link last"
check "$T/f.json" 'w[4]["quality"]["pairs"] == 6 and w[4]["quality"]["reached"] == 6 and w[4]["db"]["agreed"]'
ok $? "fail-node: the three survivors route among themselves"
check "$T/f.json" 'last["quality"]["pairs"] == 12 and last["quality"]["optimal"] == 12 and last["db"]["agreed"] and last["routes"]["changes"] > 0'
ok $? "restart-node: d rejoins, databases agree, routes optimal"

# 3. Same seed, same bytes; another seed, another run, same answers.
run "$T/s1.json" -m "$D/aws5.csv" -w 5s -e '6s fail-link busiest' -j 2ms -S 7
run "$T/s2.json" -m "$D/aws5.csv" -w 5s -e '6s fail-link busiest' -j 2ms -S 7
cmp -s "$T/s1.json" "$T/s2.json"
ok $? "same seed: identical JSON report"
run "$T/s3.json" -m "$D/aws5.csv" -w 5s -e '6s fail-link busiest' -j 2ms -S 8
cmp -s "$T/s1.json" "$T/s3.json"
[ $? -ne 0 ]
ok $? "another seed: a different run"
check "$T/s3.json" 'last["quality"]["reached"] == 20 and last["quality"]["optimal"] == 20 and last["quality"]["worse_than_direct"] == 0 and last["db"]["agreed"]'
ok $? "another seed: still correct"

run "$T/st.json" -m "$D/aws5.csv" --stagger 2s -w 5s -d 6s
check "$T/st.json" 'w[0]["db"]["agreed"] and last["quality"]["optimal"] == 20'
ok $? "PoPs started at random times within 2 s converge"

# 4. Congestion: +150 ms on a-c pushes a->c onto a-d-c (110 ms).
run "$T/c.json" -m "$D/detour.csv" -w 5s -e '6s congest a c 150ms' -d 12s
ok $? "congest runs"
check "$T/c.json" 'last["routes"]["changes"] > 0 and last["quality"]["optimal"] == 12 and last["loops"]["episodes"] == 0'
ok $? "congested link avoided, routes optimal"

# 5. A time series: snapshot 1 makes a-b direct best, snapshot 2 undoes it.
# (10 s per snapshot: a falling RTT is taken for congestion for a while,
# see sim/README.)
run "$T/r.json" -s "$D/series4.tsv" -w 5s -i 10s
ok $? "series replay runs"
check "$T/r.json" 'r["input"]["snapshots"] == 3 and [x["event"] for x in w] == ["start", "steady", "snapshot 1", "snapshot 2"]'
ok $? "one window per snapshot"
check "$T/r.json" 'w[2]["quality"]["detoured"] == 0 and w[3]["quality"]["detoured"] == 2 and all(x["quality"]["optimal"] == 12 for x in w[1:])'
ok $? "routes follow the snapshots, optimal at the end of each"
check "$T/r.json" 'r["flaps"]["route_changes"] >= 4 and r["flaps"]["fast_reverts"] == 0'
ok $? "route changes counted, none reverts faster than the hold"

# 6. Control traffic is what the engines sent. Each PoP probes its 3
# peers 10 times a second and every answer rides a probe going the other
# way: ~30 datagrams/s, none of them a separate reply.
check "$T/d.json" 'w[1]["traffic"]["per_pop_pps_mean"] > 27 and w[1]["traffic"]["per_pop_pps_mean"] < 33 and w[1]["traffic"]["per_pop_bps_by_type"]["probe"] > 0 and w[1]["traffic"]["per_pop_bps_by_type"]["probe_reply"] == 0'
ok $? "3 peers: ~30 datagrams/s per PoP, answers ride probes"
# Ten seconds after start-up, a <-> b carries no route of either end and
# is probed once a second: a and b send 10 + 10 + 1, c and d 30.
run "$T/d2.json" -m "$D/detour.csv" -w 12s -d 14s
check "$T/d2.json" 'w[1]["traffic"]["per_pop_pps_mean"] > 24 and w[1]["traffic"]["per_pop_pps_mean"] < 27 and w[1]["traffic"]["per_pop_pps_max"] < 32 and last["quality"]["optimal"] == 12'
ok $? "idle link probed at probe-idle-interval: ~25.5 datagrams/s mean"

# 6b. Route quality on the 32-PoP AWS matrix (the issue's target): never
# slower than direct, at least 98 % of the optimal gain; also with 2 ms of
# jitter per datagram, where the first samples' error must not stick.
A32=$srcdir/tests/data/aws32_rtt_p50_ms.csv
run "$T/q0.json" -m "$A32" -w 10s -d 20s
check "$T/q0.json" 'last["quality"]["reached"] == 992 and last["quality"]["worse_than_direct"] == 0 and last["quality"]["gain_fraction"] >= 0.98'
ok $? "aws32: none worse than direct, >= 98 % of the optimal gain"
run "$T/q2.json" -m "$A32" -w 10s -d 20s -j 2ms
check "$T/q2.json" 'last["quality"]["reached"] == 992 and last["quality"]["worse_than_direct"] == 0 and last["quality"]["gain_fraction"] >= 0.98 and r["flaps"]["fast_reverts"] == 0'
ok $? "aws32 with 2 ms jitter: the same, no fast reverts"

# 6c. An origin served by 4 egresses of aws32 (#0, #8, #16, #24), which
# the other PoPs learn from the database: last-mile costs move PoPs, and
# when three of the origins fail every PoP but those three egresses
# leaves by the fourth within a second; back when they recover.
run "$T/any.json" -m "$A32" --anycast 4 -w 10s -d 20s \
    -e '10s lastmile #0 5ms' -e '10s lastmile #8 40ms' \
    -e '10s lastmile #16 5ms' -e '10s lastmile #24 60ms' \
    -e '12s origin-down #0' -e '12s origin-down #8' \
    -e '12s origin-down #16' -e '16s origin-up #16'
check "$T/any.json" 'w[0]["anycast"]["unreachable"] == 0 and w[1]["anycast"]["egresses_used"] == 4'
ok $? "anycast: every PoP learns the origin; all 4 egresses used"
check "$T/any.json" 'w[8]["anycast"]["on_failing_egress"] == 0 and w[8]["anycast"]["unreachable"] == 0 and w[8]["anycast"]["egresses_used"] == 4 and w[8]["anycast"]["last_move_ms"] < 1000' 'str(w[8]["anycast"])'
ok $? "three origins fail: every other PoP on #24 within 1 s"
check "$T/any.json" 'last["anycast"]["on_failing_egress"] == 0 and last["anycast"]["moves"] > 0 and last["anycast"]["last_move_ms"] < 1000' 'str(last["anycast"])'
ok $? "one comes back: PoPs return to it within 1 s"

# 6c. Cache tiers of the anycast origin on detour.csv, egresses a and c
# with last miles of 10 and 40 ms (hop-cost 0.5 ms per link). Smart: a is
# the upper tier; b reaches it via c (50 ms + 2 hops), c direct, d direct
# (60 ms, against 70 via c): mean (10 + 61 + 30.5 + 70.5) / 4 = 43 ms,
# worst d at 70.5, and a is also the best single egress. When a's origin
# fails, c is the only candidate: (60.5 + 70.5 + 40 + 90.5) / 4.
run "$T/tier.json" -m "$D/detour.csv" --anycast 2 -w 5s -O 5s \
    -e '0s lastmile a 10' -e '0s lastmile c 40' -e '10s origin-down a'
check "$T/tier.json" 'w[3]["tiers"]["mode"] == "smart" and w[3]["tiers"]["uppers"] == 1 and w[3]["tiers"]["lowers"] == 3 and w[3]["tiers"]["disagree"] == 0 and abs(w[3]["tiers"]["mean_ms"] - 43) < 0.01 and abs(w[3]["tiers"]["worst_ms"] - 70.5) < 0.01' 'str(w[3]["tiers"])'
ok $? "tiers smart: one upper tier everywhere, mean 43 ms, worst 70.5 ms"
check "$T/tier.json" 'w[3]["tiers"]["best_exact"] and w[3]["tiers"]["best_set"] == [0] and abs(w[3]["tiers"]["best_mean_ms"] - 43) < 0.01 and w[3]["tiers"]["parent_changes"] == 0'
ok $? "tiers smart: the best single egress is a, as chosen; no parent change"
check "$T/tier.json" 'last["tiers"]["best_set"] == [2] and abs(last["tiers"]["mean_ms"] - 65.375) < 0.01 and last["tiers"]["parent_changes"] == 4 and r["tier_flaps"]["parent_changes"] == 4' 'str(last["tiers"])'
ok $? "tiers smart: a's origin fails, all four PoPs move to c at once"
run "$T/tierr.json" -m "$D/detour.csv" --anycast 2 --tiers regional:1 \
    -w 5s -O 5s -e '0s lastmile a 10' -e '0s lastmile c 40'
check "$T/tierr.json" 'last["tiers"]["mode"] == "regional" and last["tiers"]["k"] == 1 and abs(last["tiers"]["mean_ms"] - last["tiers"]["best_mean_ms"]) < 0.01 and last["tiers"]["best_set"] == [0]' 'str(last["tiers"])'
ok $? "tiers regional, K 1: the best upper tier of every PoP (a)"
"$SIM" -m "$D/detour.csv" --tiers regional -d 2s >/dev/null 2>"$T/bt.txt"
[ $? -ne 0 ] && grep -q 'give --anycast' "$T/bt.txt"
ok $? "--tiers without --anycast is refused"
"$SIM" -m "$D/detour.csv" --anycast 2 --tiers regional:0 -d 2s \
    >/dev/null 2>"$T/bt2.txt"
[ $? -ne 0 ] && grep -q 'K from 1' "$T/bt2.txt"
ok $? "--tiers regional:0 is refused"

# 6d. Loss is judged by a sequential test (probe.c, loss_test()): 1.5 %
# each way (about 3 % of probes lost) under the 5 % threshold for 10
# simulated minutes stays up (20 congested transitions before any
# confidence rule; with a 100-probe window and a Wilson bound, 8 in 24
# seeds x 10 minutes; with the test 0); 4.2 % each way (about 8 %) is
# congested. Nor does such a link go down: silence detection scales its
# multiplier with the loss (4 at 3 %), and a PoP slowing its probes keeps
# the old pace until the peer has heard (engine-nbr.c); before, 15 downs
# in 24 seeds x 5 minutes, now 1 in 24 x 10 (4 datagrams lost in a row).
run "$T/l3.json" -m "$D/detour.csv" -l 1.5 -w 5s -d 605s
check "$T/l3.json" 'last["link_events"]["congested"] == 0 and last["link_events"]["down"] == 0' 'str(last["link_events"])'
ok $? "3 % probe loss for 10 minutes: no link congested or down"
run "$T/l8.json" -m "$D/detour.csv" -l 4.2 -w 5s -d 125s
check "$T/l8.json" 'last["link_events"]["congested"] > 0' 'str(last["link_events"])'
ok $? "8 % probe loss: congested"

# 6e. Partition of a 6-PoP mesh into {#0,#1,#2} and {#3,#4,#5} for 10 s,
# then heal (argod.8, "Partitions"). While it is detected each of the 18
# pairs across changes at most twice (before the rule: up to 10
# temporary paths per PoP, 48 changes, 6 loop episodes); on heal nothing
# is withdrawn: a row not refreshed during
# the partition does not carry routes onto links its fresh row says are
# down.
run "$T/p.json" -n 6 -w 8s -c "$D/partition.scen" -d 30s
ok $? "partition.scen runs"
check "$T/p.json" 'w[10]["event"].startswith("10s fail-link #2 #5") and w[10]["routes"]["max_per_pair"] <= 2 and w[10]["routes"]["withdrawn"] == 18 and w[10]["routes"]["changes"] <= 36' 'str(w[10]["routes"])'
ok $? "partition: at most 2 route changes per pair, the 18 pairs across withdrawn"
check "$T/p.json" 'w[10]["routes"]["final_ms"] < 1000 and w[10]["quality"]["reached"] == 12' 'str(w[10]["quality"]["reached"])'
ok $? "partition: routes final within 1 s, each side still routes within itself"
check "$T/p.json" 'last["event"].startswith("20s restore-link #2 #5") and last["routes"]["withdrawn"] == 0 and last["quality"]["reached"] == 30 and last["db"]["agreed"]' 'str(last["routes"])'
ok $? "heal: no route withdrawn, every pair reached, databases agree"

# 7. Errors name the line.
printf '1s fail-link a\n' >"$T/bad.scen"
"$SIM" -m "$D/detour.csv" -c "$T/bad.scen" >/dev/null 2>"$T/bad.txt"
[ $? -ne 0 ] && grep -q "bad.scen:1:" "$T/bad.txt"
ok $? "a bad scenario line is reported with file:line"
"$SIM" -m "$D/detour.csv" -e '1s fail-link a zz' -d 2s >/dev/null 2>"$T/bad2.txt"
[ $? -ne 0 ] && grep -q "unknown node" "$T/bad2.txt"
ok $? "an unknown node is an error"

[ $fail -eq 0 ]
