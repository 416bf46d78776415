#!/bin/sh
# Set up a fresh Debian 12 machine (as root) to build and run argod:
# install the build and test dependencies, generate the build system,
# configure and build. Extra arguments go to ./configure.
set -eu
cd "$(dirname "$0")"

PKGS="build-essential autoconf automake libtool pkg-config
libev-dev libc-ares-dev libnl-3-dev libnl-route-3-dev libjansson-dev
libcurl4-openssl-dev libncurses-dev libsodium-dev libmicrohttpd-dev
iproute2 iputils-ping python3 tmux clang libclang-rt-14-dev iperf3
mininet bridge-utils python3-matplotlib python3-jsonschema
nginx-light dnsmasq openssl systemd curl prometheus frr babeld"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "bootstrap: need root to install:$missing" >&2
		exit 1
	fi
	apt-get update -qq
	srv=""
	other=""
	for p in $missing; do
		case $p in
		nginx-light|dnsmasq|prometheus|frr|babeld) srv="$srv $p" ;;
		*) other="$other $p" ;;
		esac
	done
	[ -z "$other" ] || DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq $other >/dev/null
	# nginx-light and dnsmasq are test servers that the tests start on
	# their own configs in namespaces, and prometheus is there for
	# promtool only, frr and babeld are the peers of bench-peers, run
	# per namespace; their packages would also start them as system
	# services (ports 80, 53 and 9090 of this host, routing daemons on
	# its interfaces). A
	# policy-rc.d for the length of their install stops that, unless
	# one is in place already.
	if [ -n "$srv" ]; then
		rcd=""
		if [ ! -e /usr/sbin/policy-rc.d ]; then
			rcd=/usr/sbin/policy-rc.d
			printf '#!/bin/sh\nexit 101\n' >"$rcd"
			chmod 755 "$rcd"
			trap 'rm -f "$rcd"' EXIT
		fi
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $srv \
		    >/dev/null
		[ -z "$rcd" ] || rm -f "$rcd"
		trap - EXIT
	fi
fi

[ -x configure ] || autoreconf -fi
./configure -q "$@"
make -j"$(nproc)"
