# preamble.sh: the start every tests/test_*.sh shares. Sourced once
# top_srcdir is known:
#
#	: "${top_srcdir:=$(dirname "$0")/..}"
#	. "$top_srcdir/tests/lib/preamble.sh"
#
# make check sets top_srcdir, top_builddir and PYTHON3; by hand they
# default to the tree the script is in, the current directory and python3.
# The need_* functions end the test with status 77, which automake counts
# as a skip, when what it needs is missing.

: "${top_builddir:=.}"
: "${PYTHON3:=python3}"
export top_srcdir top_builddir PYTHON3

skip() {	# skip REASON
	echo "SKIP: $*"
	exit 77
}

need_root() {	# need_root [REASON]
	[ "$(id -u)" -eq 0 ] || skip "${1:-network namespaces need root}"
}

# Root is not always enough (a container may forbid namespaces): make one.
need_netns() {
	ip netns add "argod-probe-$$" 2>/dev/null ||
	    skip "cannot create network namespaces here"
	ip netns del "argod-probe-$$"
}

need_cmd() {	# need_cmd COMMAND [REASON]
	command -v "$1" >/dev/null 2>&1 || skip "${2:-$1 is not installed}"
}
