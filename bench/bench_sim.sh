#!/bin/sh
# argosim benchmarks: prints figures, tests nothing (see sim/README).
#
#	bench/bench_sim.sh [all | failure | speed | aws32 | seattle | tiers | spf] [-- argosim options]
#
# failure  N synthetic PoPs (BENCH_NODES, default 300), default timers: the
#          busiest link fails at 12 s; routes final, loops, control traffic
#          per PoP, simulation speed
# speed    the failure run at each size in BENCH_SPEED_NODES (default
#          "100 300"; add 1000 by hand): simulated s per wall s and per
#          CPU s, peak memory, control traffic per PoP (mean, max; steady
#          and failure window), routes final after the failure. A size
#          runs under a memory limit (BENCH_MEM_MB, default 80 % of
#          MemAvailable) and is reported as not fitting if it hits it;
#          with "all", the size BENCH_NODES reuses the failure run
# aws32    route quality on the measured AWS matrix
# seattle  replay of seattle99 (BENCH_SNAPSHOTS snapshots, default 60, one
#          every BENCH_INTERVAL, default 10s): route changes per pair per
#          hour, reverts faster than the damping hold
# tiers    cache tiers of an anycast origin, last miles 5..40 ms: smart and
#          regional (K 3) on aws32 (4 egresses) with every link's delay
#          moved by up to 10 % every 10 s for BENCH_TIER_MIN minutes
#          (default 10), and regional on seattle99 (8 egresses,
#          BENCH_SNAPSHOTS): miss cost through the chosen tiers against
#          the best set of the same K, parent changes per PoP-hour
# spf      bench_spf full mesh at 330 and 1000 PoPs
#
# make bench-sim runs it all (about 20 minutes on 2 cores, 2.5 GB).
#
# Anything after "--" goes to every argosim run (e.g. -p probe-interval=500ms).
# Reports land in BENCH_OUT (default ./bench-sim). Runs one at a time, nice.
set -eu
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
SIM=${ARGOSIM:-$builddir/argosim}
PY=${PYTHON3:-python3}
OUT=${BENCH_OUT:-./bench-sim}
NODES=${BENCH_NODES:-300}
SNAPS=${BENCH_SNAPSHOTS:-60}
IVAL=${BENCH_INTERVAL:-10s}
SHARED=${SHARED_DATA:-$srcdir/../shared/data}
what=${1:-all}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
mkdir -p "$OUT"

sim() {	# sim NAME ARGS...
	name=$1
	shift
	echo "\$ argosim $* $EXTRA"
	# shellcheck disable=SC2086
	nice -n 10 "$SIM" --perf -o "$OUT/$name.json" "$@" $EXTRA \
	    2>"$OUT/$name.txt" || { cat "$OUT/$name.txt"; exit 1; }
}
EXTRA="$*"

show() {	# show NAME 'python expression printing figures'
	"$PY" - "$OUT/$1.json" "$2" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
w = r["windows"]
a = r["after_warmup"]
p = r.get("perf", {})
exec(sys.argv[2])
PYEOF
}

if [ "$what" = all ] || [ "$what" = failure ]; then
	sim failure -n "$NODES" -w 10s -e '12s fail-link busiest' -d 15s
	show failure '
f = w[2]
print("failure: %d PoPs, %s" % (r["input"]["nodes"], f["event"]))
print("  routes final after %.1f ms (%d changes at %d PoPs); databases agree after %s ms" % (
    f["routes"]["final_ms"], f["routes"]["changes"], f["routes"]["pops_changed"],
    f["db"]["converged_ms"]))
print("  transient loops: %d episodes, %.4f pair-s; black holes %.3f pair-s" % (
    f["loops"]["episodes"], f["loops"]["pair_s"], f["blackholes"]["pair_s"]))
s = w[1]["traffic"]
print("  control traffic per PoP (steady, probes + flooding, incl. IP/UDP): %.0f kbit/s mean, %.0f max, %.0f packets/s" % (
    s["per_pop_bps_mean"] / 1e3, s["per_pop_bps_max"] / 1e3, s["per_pop_pps_mean"]))
print("  by type (kbit/s): " + ", ".join("%s %.1f" % (k, v / 1e3) for k, v in s["per_pop_bps_by_type"].items()))
print("  start-up: databases agree after %s ms, LSA %.0f kbit/s per PoP" % (
    w[0]["db"]["converged_ms"], w[0]["traffic"]["per_pop_bps_by_type"]["lsa"] / 1e3))
print("  speed: %.4f simulated s per wall s (%.0f s wall, %.0f MB)" % (
    p["sim_s_per_wall_s"], p["wall_s"], p["max_rss_mb"]))'
fi

limited() {	# limited MB COMMAND...: in a subshell with that much memory
	mb=$1
	shift
	# shellcheck disable=SC3045 # dash and bash have ulimit -v
	(ulimit -v $((mb * 1024)) && "$@")
}

if [ "$what" = all ] || [ "$what" = speed ]; then
	mem=${BENCH_MEM_MB:-$(awk '/^MemAvailable:/ { printf "%d", $2 * 0.8 / 1024 }' /proc/meminfo)}
	for n in ${BENCH_SPEED_NODES:-100 300}; do
		name=speed-$n
		if [ "$what" = all ] && [ "$n" = "$NODES" ]; then
			name=failure	# the same run, done above
		elif ! limited "$mem" sim "$name" -n "$n" -w 10s \
		    -e '12s fail-link busiest' -d 15s; then
			echo "speed: $n PoPs did not run within $mem MB" \
			    "(BENCH_MEM_MB); see $OUT/$name.txt"
			continue
		fi
		show "$name" '
f, s = w[2], w[1]
print("speed: %d PoPs, %.3f simulated s per wall s, %.3f per CPU s (%.1f s wall, %.1f s CPU), peak %.0f MB" % (
    r["input"]["nodes"], p["sim_s_per_wall_s"], p["sim_s_per_cpu_s"], p["wall_s"], p["cpu_s"], p["max_rss_mb"]))
print("  control traffic per PoP (kbit/s, incl. IP/UDP): steady %.0f mean, %.0f max; failure window %.0f mean, %.0f max" % (
    s["traffic"]["per_pop_bps_mean"] / 1e3, s["traffic"]["per_pop_bps_max"] / 1e3,
    f["traffic"]["per_pop_bps_mean"] / 1e3, f["traffic"]["per_pop_bps_max"] / 1e3))
print("  %s: routes final after %s ms, %d loop episodes" % (f["event"], f["routes"]["final_ms"], f["loops"]["episodes"]))'
	done
fi

if [ "$what" = all ] || [ "$what" = aws32 ]; then
	for j in 0ms 2ms; do
	sim "aws32-j$j" -m "$srcdir/tests/data/aws32_rtt_p50_ms.csv" -w 10s \
	    -d 30s -j "$j"
	show "aws32-j$j" '
q = w[-1]["quality"]
print("aws32, jitter %.1f ms: %d pairs, %d reach, %d optimal, %d detoured; worse than direct: %d (by up to %.2f ms)" % (
    r["impairments"]["jitter_ms"], q["pairs"], q["reached"], q["optimal"], q["detoured"], q["worse_than_direct"], q["worst_excess_over_direct_ms"]))
print("  gain over direct %.1f ms of an optimal %.1f ms: %.2f %%; stretch mean %.4f max %.4f" % (
    q["gain_ms"], q["optimal_gain_ms"], 100 * q["gain_fraction"], q["stretch_mean"], q["stretch_max"]))'
	done
fi

if [ "$what" = all ] || [ "$what" = seattle ]; then
	data=$SHARED/seattle99/rtt_seconds_688x99x99.tsv.gz
	if [ -r "$data" ]; then
		sim seattle -s "$data" -k "0:$SNAPS" -i "$IVAL" -w 10s
		show seattle '
fl = r["flaps"]
q = [x["quality"] for x in w[1:]]
print("seattle99: %d snapshots every %.0f s, %d hosts" % (r["input"]["snapshots"], r["input"]["snapshot_s"], r["input"]["nodes"]))
print("  route changes per pair per hour: mean %.2f, p99 %.2f, max %.2f (%d changes)" % (
    fl["per_pair_hour_mean"], fl["per_pair_hour_p99"], fl["per_pair_hour_max"], fl["route_changes"]))
print("  reverts A->B->A: %d, faster than the %.0f ms hold: %d (quickest %s ms); pairs doing that more than once: %d" % (
    fl["reverts"], fl["damping_ms"], fl["fast_reverts"], fl["min_revert_ms"], fl["oscillating_pairs"]))
print("  loops: %d episodes, %.3f pair-s" % (a["loop_episodes"], a["loop_pair_s"]))
print("  quality at snapshot ends: gain fraction min %.3f, mean %.3f; worse than direct %d pair-snapshots" % (
    min(x["gain_fraction"] for x in q), sum(x["gain_fraction"] for x in q) / len(q), sum(x["worse_than_direct"] for x in q)))
print("  control traffic per PoP: %.0f kbit/s mean; speed %.3f simulated s per wall s" % (
    a["per_pop_bps_mean"] / 1e3, p["sim_s_per_wall_s"]))'
	else
		echo "seattle: $data not found (set SHARED_DATA), skipped"
	fi
fi

tiers_show() {	# tiers_show NAME: the last window's tiers and the flaps
	show "$1" '
t = w[-1]["tiers"]
f = r["tier_flaps"]
print("%s, %s K %d: miss cost %.1f ms mean, %.1f worst; best set of %d%s: %.1f mean, %.1f worst (%+.1f %%)" % (
    r["input"]["source"].split("/")[-1], t["mode"], t["k"], t["mean_ms"], t["worst_ms"], t["k"],
    "" if t["best_exact"] else " (local search)", t["best_mean_ms"], t["best_worst_ms"],
    100 * (t["mean_ms"] - t["best_mean_ms"]) / t["best_mean_ms"] if t["best_mean_ms"] else 0))
print("  %d PoPs: %d upper, %d lower, %d on another set; %d parent changes after warm-up, %.2f per PoP-hour (max %.2f)" % (
    t["pops"], t["uppers"], t["lowers"], t["disagree"], f["parent_changes"], f["per_pop_hour_mean"], f["per_pop_hour_max"]))'
}

if [ "$what" = all ] || [ "$what" = tiers ]; then
	min=${BENCH_TIER_MIN:-10}
	t=70
	: >"$OUT/tiers-noise.scen"
	while [ "$t" -lt $((60 + min * 60)) ]; do
		echo "${t}s shift 10" >>"$OUT/tiers-noise.scen"
		t=$((t + 10))
	done
	for mode in smart regional:3; do
		name=tiers-aws32-$(echo "$mode" | tr : -)
		sim "$name" -m "$srcdir/tests/data/aws32_rtt_p50_ms.csv" \
		    --anycast 4 --tiers "$mode" --lastmile 5:40 -w 60s \
		    -d $((60 + min * 60))s -c "$OUT/tiers-noise.scen"
		tiers_show "$name"
	done
	data=$SHARED/seattle99/rtt_seconds_688x99x99.tsv.gz
	if [ -r "$data" ]; then
		sim tiers-seattle -s "$data" -k "0:$SNAPS" -i "$IVAL" -w 10s \
		    --anycast 8 --tiers regional:3 --lastmile 5:40
		tiers_show tiers-seattle
	else
		echo "tiers: $data not found (set SHARED_DATA), seattle skipped"
	fi
fi

if [ "$what" = all ] || [ "$what" = spf ]; then
	if [ -x "$builddir/bench/bench_spf" ]; then
		nice -n 10 "$builddir/bench/bench_spf" \
		    "$srcdir/tests/data/aws32_rtt_p50_ms.csv" 330 1000
	else
		echo "spf: build bench/bench_spf first (make bench)"
	fi
fi
