#!/bin/bash
# Throughput benchmark: TCP (iperf3) from a client behind PoP A to an
# origin behind PoP C over the overlay path A -> B -> C (argod's VXLAN-GPE
# routes), against the same path routed plainly by static routes without
# the overlay. Plain veth links, no emulated delay: this measures the
# forwarding cost of the overlay itself. Root; cleans up in a trap.
set -u
: "${top_builddir:=.}"
B=$top_builddir
P=abt$$
NS="cli A B C org"
T=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for n in $NS; do ip netns del $P$n 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
command -v iperf3 >/dev/null || { echo "bench_throughput: iperf3 missing (apt-get install iperf3)"; exit 0; }

for n in $NS; do
	ip netns add $P$n
	ip -n $P$n link set lo up
	ip netns exec $P$n sysctl -qw net.ipv4.ip_forward=1 \
	    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
done
link() {	# link NS1 NS2 SUBNET
	ip link add bt$$a type veth peer name bt$$b
	ip link set bt$$a netns $P$1 name to$2
	ip link set bt$$b netns $P$2 name to$1
	ip -n $P$1 addr add $3.1/24 dev to$2
	ip -n $P$2 addr add $3.2/24 dev to$1
	ip -n $P$1 link set to$2 up
	ip -n $P$2 link set to$1 up
}
link cli A 10.211.0
link A B 10.212.0
link B C 10.213.0
link C org 10.214.0
ip -n ${P}cli route add default via 10.211.0.2
ip -n ${P}org route add default via 10.214.0.1
ip -n ${P}A addr add 10.77.0.1/32 dev lo
ip -n ${P}B addr add 10.77.0.2/32 dev lo
ip -n ${P}C addr add 10.77.0.3/32 dev lo
ip -n ${P}A route add 10.77.0.2 via 10.212.0.2 src 10.77.0.1
ip -n ${P}B route add 10.77.0.1 via 10.212.0.1 src 10.77.0.2
ip -n ${P}B route add 10.77.0.3 via 10.213.0.2 src 10.77.0.2
ip -n ${P}C route add 10.77.0.2 via 10.213.0.1 src 10.77.0.3
# Return traffic: the underlay, both runs.
ip -n ${P}C route add 10.211.0.0/24 via 10.213.0.1
ip -n ${P}B route add 10.211.0.0/24 via 10.212.0.1

key=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
conf() {	# conf NAME ADDR PEERS...
	{
		echo "node $1"; echo "listen $2"; echo "key \"$key\""
		echo "control \"$T/$1.sock\""; echo "pidfile \"$T/$1.pid\""
		shift 2
		for p in "$@"; do echo "peer ${p%=*} address ${p#*=}"; done
		echo "origin org { prefix 10.214.0.0/24; egress C }" |
		    sed 's/; /\n/; s/{ /{\n/; s/ }/\n}/'
	} > "$T/$name.conf"
}
name=A; conf A 10.77.0.1 B=10.77.0.2
name=B; conf B 10.77.0.2 A=10.77.0.1 C=10.77.0.3
name=C; conf C 10.77.0.3 B=10.77.0.2
for n in A B C; do
	ip netns exec $P$n "$B/argod" -d -c "$T/$n.conf" 2>"$T/$n.log" &
	pids+=($!)
done
for i in $(seq 100); do
	"$B/argoctl" -s "$T/A.sock" routes 2>/dev/null | grep -q "A>B>C.*installed" && break
	sleep 0.2
done
"$B/argoctl" -s "$T/A.sock" routes | sed 's/^/  /'

# The plain path is always in the main tables; in overlay mode argod's
# policy rules take packets into its table first. Switching with dry-run
# lets the two alternate, so load from elsewhere hits both alike.
ip -n ${P}A route add 10.214.0.0/24 via 10.212.0.2
ip -n ${P}B route add 10.214.0.0/24 via 10.213.0.2
mode() {	# mode on|off: dry-run on all three PoPs
	for n in A B C; do "$B/argoctl" -s "$T/$n.sock" dry-run $1 >/dev/null; done
	sleep 0.3
}
run() {
	ip netns exec ${P}org iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
	local s=$!
	sleep 0.5
	ip netns exec ${P}cli iperf3 -c 10.214.0.2 -p 5201 -t ${SECS:-3} -J 2>/dev/null |
	    python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"])'
	wait $s 2>/dev/null
}
ov=(); pl=()
for i in $(seq ${ROUNDS:-5}); do
	mode off; ov+=("$(run)")
	mode on; pl+=("$(run)")
done
python3 - "${ov[*]}" "${pl[*]}" <<'PY'
import statistics, sys
ov = [float(x) for x in sys.argv[1].split()]
pl = [float(x) for x in sys.argv[2].split()]
mo, mp = statistics.median(ov), statistics.median(pl)
print("throughput client -> origin over 3 PoPs (TCP, iperf3, %d alternating "
      "rounds, median):" % len(ov))
print("  overlay (VXLAN-GPE A>B>C): %.2f Gbit/s  (runs: %s)" % (
    mo / 1e9, " ".join("%.2f" % (x / 1e9) for x in ov)))
print("  plain routing, same path: %.2f Gbit/s  (runs: %s)" % (
    mp / 1e9, " ".join("%.2f" % (x / 1e9) for x in pl)))
print("  overlay / plain: %.1f %%" % (100 * mo / mp))
PY
