#!/bin/sh
#
# Build the libFuzzer harnesses into fuzz/out/ and optionally run them.
#
#	fuzz/build.sh                   build fuzz_wire, fuzz_lsa, fuzz_conf,
#	                                fuzz_ctl
#	fuzz/build.sh --run SECONDS     build, then run each for SECONDS on
#	                                its corpus, one after the other
#	fuzz/build.sh --seeds           rewrite fuzz/corpus/{wire,lsa,ctl} seeds
#	                                from the harnesses' generator modes
#
# Needs clang with libFuzzer (clang 14 is known to work) and libsodium. The
# tree must have been configured (./configure writes config.h at the top).
# The harnesses link the modules of libargo.a (libargo_a_SOURCES in
# Makefile.am), compiled here with the sanitizers.
# CC, EXTRA_CFLAGS, FUZZERS (subset, e.g. "fuzz_wire fuzz_lsa") and
# FUZZ_ARGS (extra libFuzzer flags for --run) can be set in the environment;
# ARGO_SRC builds against another copy of src/ (to try a patch without
# touching the tree), OUT puts the build elsewhere than fuzz/out.
#
# Running one fuzzer uses one core. New corpus entries go to
# fuzz/out/corpus/NAME (the seed directory fuzz/corpus/NAME is only read),
# crash reproducers to fuzz/out/crashes/NAME/.

set -eu

fuzz=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$fuzz/.." && pwd)
out=${OUT:-$fuzz/out}
: "${CC:=clang}"
: "${EXTRA_CFLAGS:=}"
: "${FUZZERS:=fuzz_wire fuzz_lsa fuzz_conf fuzz_ctl}"
: "${FUZZ_ARGS:=}"
: "${ARGO_SRC:=$top/src}"

run=
seeds=
while [ $# -gt 0 ]; do
	case $1 in
	--run)
		[ $# -ge 2 ] || { echo "usage: $0 [--run SECONDS] [--seeds]" >&2; exit 2; }
		run=$2
		shift 2
		;;
	--seeds)
		seeds=1
		shift
		;;
	*)
		echo "usage: $0 [--run SECONDS] [--seeds]" >&2
		exit 2
		;;
	esac
done

# config.h: the source tree's, or an out-of-tree build's (CONFIG_DIR).
: "${CONFIG_DIR:=$top}"
if [ ! -f "$CONFIG_DIR/config.h" ]; then
	echo "$0: $CONFIG_DIR/config.h missing; run ./configure first" >&2
	exit 1
fi

SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-g -O1 -fno-omit-frame-pointer $SAN -I$CONFIG_DIR -I$ARGO_SRC \
	$(pkg-config --cflags libsodium 2>/dev/null || true) $EXTRA_CFLAGS"
LIBS="$(pkg-config --libs libsodium 2>/dev/null || echo -lsodium) -lm"

# The modules of libargo.a, as Makefile.am lists them (the sans-I/O engine
# and the config parser); the fixed list is the fallback.
mods=$(sed -n '/^libargo_a_SOURCES[[:space:]]*=/,/[^\\]$/p' "$top/Makefile.am" |
    sed 's/[[:space:]\\]/\n/g' | sed -n 's|^src/\(.*\)\.c$|\1|p')
[ -n "$mods" ] || mods="log units params wire replay probe lsdb spf engine \
    engine-flood engine-nbr engine-route conf-lex conf-parse conf-addr \
    conf-kern conf-check conf-print kern_conf prefix"

mkdir -p "$out/obj"
objs=
for m in $mods; do
	# shellcheck disable=SC2086
	$CC $CFLAGS -c "$ARGO_SRC/$m.c" -o "$out/obj/$m.o"
	objs="$objs $out/obj/$m.o"
done

# fuzz_ctl also takes the status socket's commands (ctl-cmd.c, jansson)
# and the kernel layer on its mock backend, as the unit tests do.
JCFLAGS=$(pkg-config --cflags jansson 2>/dev/null || true)
JLIBS=$(pkg-config --libs jansson 2>/dev/null || echo -ljansson)
for m in ctl-cmd kern kern_mock routelog; do
	# shellcheck disable=SC2086
	$CC $CFLAGS $JCFLAGS -c "$ARGO_SRC/$m.c" -o "$out/obj/$m.o"
done

for f in $FUZZERS; do
	extra=
	elibs=
	case $f in
	fuzz_ctl)
		extra="$out/obj/ctl-cmd.o $out/obj/kern.o $out/obj/kern_mock.o $out/obj/routelog.o"
		elibs=$JLIBS
		;;
	esac
	# shellcheck disable=SC2086
	$CC $CFLAGS $JCFLAGS -fsanitize=fuzzer -c "$fuzz/$f.c" -o "$out/obj/$f.o"
	# shellcheck disable=SC2086
	$CC $CFLAGS -fsanitize=fuzzer "$out/obj/$f.o" $extra $objs $LIBS \
	    $elibs -o "$out/$f"
	echo "built $out/$f"
done

if [ -n "$seeds" ]; then
	for f in fuzz_wire fuzz_lsa fuzz_ctl; do
		d=$fuzz/corpus/${f#fuzz_}
		mkdir -p "$d"
		ARGO_FUZZ_WRITE_SEEDS=$d "$out/$f"
		echo "seeds written to $d"
	done
fi

# The lsa harness can also write a dictionary of the node ids it knows.
if [ -x "$out/fuzz_lsa" ]; then
	ARGO_FUZZ_WRITE_DICT=$out/fuzz_lsa.dict "$out/fuzz_lsa" >/dev/null
fi

[ -n "$run" ] || exit 0

for f in $FUZZERS; do
	name=${f#fuzz_}
	mkdir -p "$out/corpus/$name" "$out/crashes/$name"
	dict=
	[ -f "$out/$f.dict" ] && dict=-dict=$out/$f.dict
	# Engine inputs are sequences of packets: let them be long from the
	# start. Config tokens reach TOKEN_MAX (4096) only in longer inputs.
	case $f in
	fuzz_lsa) args="-max_len=4096 -len_control=0" ;;
	fuzz_conf) args="-max_len=16384" ;;
	fuzz_ctl) args="-max_len=8192" ;;
	*) args= ;;
	esac
	echo "running $f for ${run}s"
	# From the top of the tree: the conf seeds name key files in tests/conf.
	# shellcheck disable=SC2086
	(cd "$top" && "$out/$f" -max_total_time="$run" -rss_limit_mb=2048 \
	    -timeout=10 -print_final_stats=1 -artifact_prefix="$out/crashes/$name/" \
	    $dict $args $FUZZ_ARGS "$out/corpus/$name" "$fuzz/corpus/$name") ||
	    echo "$f: stopped with status $? (see $out/crashes/$name/)"
done
