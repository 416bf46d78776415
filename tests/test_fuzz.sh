#!/bin/sh
# Fuzzer regression: build the libFuzzer harnesses (clang, ASan+UBSan) and
# run each once over its seed corpus and the saved crash reproducers. No
# fuzzing happens here (that is fuzz/build.sh --run); this keeps fixed
# crashes fixed. Skipped (77) without clang's libFuzzer.
: "${top_srcdir:=$(dirname "$0")/..}"
. "$top_srcdir/tests/lib/preamble.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' \
    > "$T/probe.c"
if ! clang -fsanitize=fuzzer,address,undefined "$T/probe.c" -o "$T/probe" \
    2>/dev/null; then
	echo "SKIP: clang with libFuzzer not available"
	exit 77
fi
cd "$top_srcdir" || exit 1
# The harnesses include config.h: use the build tree's.
OUT="$T/out" CONFIG_DIR="$(cd "$OLDPWD" && cd "$top_builddir" && pwd)" \
    sh fuzz/build.sh >"$T/build.log" 2>&1 || {
	cat "$T/build.log"
	echo "not ok - fuzzers build"
	exit 1
}
rc=0
n=0
for f in wire lsa conf ctl; do
	n=$((n + 1))
	files=$(find fuzz/corpus/$f fuzz/crashes -type f 2>/dev/null |
	    grep -E "corpus/$f/|crashes/$f-" | sort)
	if "$T/out/fuzz_$f" -runs=0 $files >"$T/$f.log" 2>&1; then
		echo "ok $n - fuzz_$f: $(echo "$files" | wc -l) inputs replayed"
	else
		tail -30 "$T/$f.log"
		echo "not ok $n - fuzz_$f"
		rc=1
	fi
done
echo "1..$n"
exit $rc
