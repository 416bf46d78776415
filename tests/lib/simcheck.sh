# simcheck.sh: TAP lines and checks of argosim's JSON report, shared by
# tests/test_sim.sh and tests/test_quality.sh. Source after preamble.sh.
#
#	ok STATUS DESCRIPTION       one TAP line; counts failures in $fail
#	check FILE EXPR [SHOW]      EXPR, a python expression over r (the
#	                            report), w (its windows), last (w[-1]) and
#	                            q (last["quality"]), must hold; SHOW, an
#	                            expression giving a string, is printed as
#	                            a TAP comment either way

n=0
fail=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fail=$((fail + 1))
	fi
}

check() {
	"$PYTHON3" - "$1" "$2" "${3:-}" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
w = r["windows"]
last = w[-1]
q = last.get("quality", {})
if sys.argv[3]:
    print("# " + eval(sys.argv[3]))
ok = eval(sys.argv[2])
if not ok:
    print("# failed: " + sys.argv[2])
sys.exit(0 if ok else 1)
PYEOF
}
