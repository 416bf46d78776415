#!/bin/sh
# A rolling upgrade with a real previous release (argod(8), "Wire
# versions"): builds the argod of the last commit before the current wire
# version from git history, in a temporary directory, and runs a mixed
# overlay in network namespaces (tests/integration/mixed_version.py).
# Needs root and a git clone; outside one (the tarball of make distcheck)
# it is skipped (77).
#
#	ARGO_OLD_REV=REV	build that commit instead of the one found
#	ARGO_OLD_ARGOD=PATH	use an argod built already (no git needed)
: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
need_root
need_netns

tmp=
cleanup() {
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if [ -z "${ARGO_OLD_ARGOD:-}" ]; then
	need_cmd git
	# the top of a work tree, not a tarball unpacked inside one (make
	# distcheck unpacks into the build tree)
	top=$(git -C "$top_srcdir" rev-parse --show-toplevel 2>/dev/null) ||
	    top=
	[ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = \
	    "$(cd "$top_srcdir" && pwd -P)" ] ||
	    skip "$top_srcdir is no git clone: the previous release cannot" \
	    "be built from history (set ARGO_OLD_ARGOD to an argod of it)"
	# The previous release: the parent of the commit that last changed
	# the wire version's #define (the version bump itself).
	rev=${ARGO_OLD_REV:-}
	if [ -z "$rev" ]; then
		bump=$(git -C "$top_srcdir" log -1 --format=%H \
		    -G '^#define WIRE_VERSION[[:space:]]' -- src/wire.h) ||
		    bump=
		[ -n "$bump" ] || skip "no wire version change in git history" \
		    "(a shallow clone?)"
		rev=$(git -C "$top_srcdir" rev-parse --verify -q "$bump^") ||
		    skip "the commit before $bump is not in this clone" \
		    "(a shallow clone?)"
	fi
	git -C "$top_srcdir" cat-file -e "$rev^{commit}" 2>/dev/null ||
	    skip "commit $rev is not in this clone"
	old_ver=$(git -C "$top_srcdir" show "$rev:src/wire.h" |
	    sed -n 's/^#define WIRE_VERSION[[:space:]]*\([0-9]*\).*/\1/p')
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/argod-old.XXXXXX")
	echo "# building argod of $(git -C "$top_srcdir" log -1 \
	    --format='%h (%s)' "$rev"), wire version $old_ver, in $tmp"
	start=$(date +%s)
	git -C "$top_srcdir" archive --format=tar "$rev" | tar -x -C "$tmp" ||
	    { echo "Bail out! git archive $rev failed"; exit 1; }
	# only argod, with what it links; a failed build is this test's
	# failure, its log goes to ours
	if ! (cd "$tmp" && autoreconf -fi >build.log 2>&1 &&
	    ./configure -q --disable-dependency-tracking >>build.log 2>&1 &&
	    make -j2 argod >>build.log 2>&1); then
		tail -n 40 "$tmp/build.log"
		echo "Bail out! the previous release ($rev) does not build"
		exit 1
	fi
	echo "# built in $(($(date +%s) - start)) s"
	ARGO_OLD_ARGOD=$tmp/argod
	ARGO_OLD_VERSION=$old_ver
fi
[ -x "$ARGO_OLD_ARGOD" ] || { echo "Bail out! $ARGO_OLD_ARGOD: no argod"; exit 1; }
export ARGO_OLD_ARGOD ARGO_OLD_VERSION
# not exec: the trap removes the build
"$PYTHON3" "$top_srcdir/tests/integration/mixed_version.py"
