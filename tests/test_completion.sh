#!/bin/sh
#
# argoctl's bash completion (completion/argoctl): sourced in bash, asked
# as bash asks it (COMP_WORDS, COMP_CWORD, then COMPREPLY), and checked
# against argoctl's own lists: its usage message, and the commands the
# daemon's help reply names. Peer and origin names come from a running
# argod; without one there are none and nothing is printed.
# Exit 0 pass, 77 skip, anything else fail.

set -u

: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
PY=$PYTHON3
ARGOD=$top_builddir/argod
ARGOCTL=$top_builddir/argoctl
COMPLETION=$(cd "$top_srcdir" && pwd)/completion/argoctl
PORT=47931
[ -x "$ARGOD" ] || skip "$ARGOD not built"
[ -x "$ARGOCTL" ] || skip "$ARGOCTL not built"
need_cmd bash
"$PY" -c 'import json' 2>/dev/null || skip "no usable $PY"

T=$(mktemp -d "${TMPDIR:-/tmp}/argocomp.XXXXXX") || exit 1
PID=
failed=0
n=0
cleanup() {
	if [ -n "$PID" ]; then
		kill "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	[ "$failed" -eq 0 ] || tail -n 20 "$T/argod.log" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

ok() {	# ok STATUS WHAT
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
	fi
}

# complete WORD...: COMPREPLY for a command line whose last word is the
# one being completed, one a line, sorted
BINDIR=$(cd "$top_builddir" && pwd)
complete() {
	PATH=$BINDIR:$PATH bash -c '. "$1"; shift
COMP_WORDS=(argoctl "$@"); COMP_CWORD=$#
_argoctl
printf "%s\n" "${COMPREPLY[@]}"' bash "$COMPLETION" "$@" | sed '/^$/d' |
	    LC_ALL=C sort
}

# expect WHAT WANT WORD...: the completion is WANT (words, any order)
expect() {
	what=$1
	want=$(printf '%s\n' $2 | sed '/^$/d' | LC_ALL=C sort)
	shift 2
	got=$(complete "$@")
	[ "$got" = "$want" ]
	ok $? "$what: $(echo $got)"
	[ "$got" = "$want" ] || echo "#   want: $(echo $want)"
}

# argoctl's own lists: the usage message
"$ARGOCTL" >/dev/null 2>"$T/usage"
USAGE_CMDS=$(sed -n '/^commands:/,$p' "$T/usage" | sed 's/^commands://' |
    tr ' ' '\n' | grep -E '^[a-z][a-z-]*$' | grep -vx -e on -e off)
USAGE_OPTS=$(sed -n 's/^usage: argoctl//p' "$T/usage" | grep -o '\[-[a-z]' |
    tr -d '[')
[ -n "$USAGE_CMDS" ] && [ -n "$USAGE_OPTS" ]
ok $? "usage lists commands and options"

expect "every command" "$USAGE_CMDS" ""
expect "every option" "$USAGE_OPTS" "-"
expect "prefix r" "$(printf '%s\n' $USAGE_CMDS | grep '^r')" r
expect "prefix dr" "dry-run" dr
expect "dry-run's argument" "on off" dry-run ""
expect "dry-run's argument, prefix o" "on off" dry-run o
expect "after an option" "$(printf '%s\n' $USAGE_CMDS | grep '^s')" -j s
expect "status takes nothing" "" status ""
expect "nothing after a complete line" "" dry-run on ""
touch "$T/sock-file"
expect "-s completes a file name" "$T/sock-file" -s "$T/sock-"
expect "genkey completes a file name" "$T/sock-file" genkey "$T/sock-"

# no daemon: no names, no message, not the wait of -t
start=$(date +%s)
out=$(PATH=$BINDIR:$PATH bash -c '. "$1"; COMP_WORDS=(argoctl -s "$2" peers "")
COMP_CWORD=4; _argoctl; echo "${#COMPREPLY[@]}"' bash "$COMPLETION" \
    "$T/none.sock" 2>&1)
[ "$out" = 0 ] && [ $(( $(date +%s) - start )) -lt 30 ]
ok $? "no daemon: no names and no message ($out)"

# a daemon: its peers and origins, and its help names argoctl's commands
need_root "argod binds its UDP port as root in this test"
cat >"$T/a.conf" <<EOF
node a
listen 127.0.0.1 port $PORT
key "$("$PY" -c 'import os; print(os.urandom(32).hex())')"
control "$T/a.sock"
pidfile "$T/a.pid"
peer berlin address 127.0.0.1 port $((PORT + 1))
peer bern address 127.0.0.1 port $((PORT + 2))
peer paris address 127.0.0.1 port $((PORT + 3))
origin web {
	prefix 192.0.2.0/24
	egress berlin
}
origin api {
	prefix 198.51.100.0/24
	egress paris
}
EOF
"$ARGOD" -d -c "$T/a.conf" >"$T/argod.log" 2>&1 &
PID=$!
i=0
until "$ARGOCTL" -s "$T/a.sock" -t 1 status >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$PID" 2>/dev/null; then
		ok 1 "argod answers on its socket"
		exit 1
	fi
	sleep 0.1
done

"$ARGOCTL" -s "$T/a.sock" -j help >"$T/help.json"
DAEMON_CMDS=$("$PY" -c 'import json, sys
print("\n".join(c["cmd"] for c in json.load(open(sys.argv[1]))["commands"]))' \
    "$T/help.json")
expect "every command: the daemon's and genkey" "$DAEMON_CMDS genkey" ""
expect "peer names from the daemon" "berlin bern paris" -s "$T/a.sock" peers ""
expect "peer names, prefix be" "berlin bern" -s "$T/a.sock" peers be
expect "peer names after -ssocket" "paris" "-s$T/a.sock" peers p
expect "origin names for routes" "api web" -s "$T/a.sock" routes ""
expect "origin names for changes, prefix w" "web" -j -s "$T/a.sock" changes w
expect "one name only" "" -s "$T/a.sock" peers bern ""

exit $failed
