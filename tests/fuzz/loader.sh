#!/usr/bin/env bash
# Bounded libFuzzer run of the Go binary loader (tests/fuzz/loader_fuzz.c,
# built by `make fuzz-build` with ASan+UBSan), seeded with small Go 1.19
# fixtures (tests/go/tiny, also shrunk by mkseed.py), with a dictionary of
# Go table magics and names (loader.dict).
#
#   BPFJAIL_FUZZ_SECS   run time in seconds (default 60)
#
# Crashing inputs are kept in build/fuzz/crashes/; reproduce one with
#   build/fuzz/loader_fuzz build/fuzz/crashes/crash-...
# Inputs in tests/fuzz/regress/ (if any: copy fixed crashes there) are run
# first as regression tests.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

SECS=${BPFJAIL_FUZZ_SECS:-60}
NAME="fuzz loader ${SECS}s"
FUZZER=build/fuzz/loader_fuzz
CRASHES=build/fuzz/crashes

need_cmd "$NAME" clang make python3 go || exit 0

if ! out=$(make -s fuzz-build 2>&1); then
	notok "$NAME" "make fuzz-build failed: $(printf '%s' "$out" | tail -n 5)"
	exit 1
fi
if ! out=$(bash tests/go/build.sh 2>&1); then
	notok "$NAME" "tests/go/build.sh failed: $(printf '%s' "$out" | tail -n 5)"
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/bpfjail-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$CRASHES"
cp build/go/tiny-stripped "$work/corpus/tiny-stripped"
python3 tests/fuzz/mkseed.py build/go/tiny-stripped "$work/corpus/tiny-compact" &&
	python3 tests/fuzz/mkseed.py build/go/tiny-pie-stripped "$work/corpus/tiny-pie-compact" || {
	notok "$NAME" "tests/fuzz/mkseed.py failed"
	exit 1
}
maxlen=0
for f in "$work"/corpus/*; do
	s=$(stat -c %s "$f")
	[ "$s" -gt "$maxlen" ] && maxlen=$s
done

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

# Regression inputs: each must run clean.
if [ -d tests/fuzz/regress ] && [ -n "$(ls -A tests/fuzz/regress 2>/dev/null)" ]; then
	if "$FUZZER" -rss_limit_mb=2048 -timeout=20 tests/fuzz/regress/* >"$work/regress.log" 2>&1; then
		ok "fuzz loader: regression inputs ($(ls tests/fuzz/regress | wc -l))"
	else
		notok "fuzz loader: regression inputs" \
			"$(grep -m1 -E 'Running:|SUMMARY|ERROR' "$work/regress.log" | tail -n 1); $(grep -m1 'SUMMARY' "$work/regress.log")"
	fi
fi

"$FUZZER" -max_total_time="$SECS" -rss_limit_mb=2048 -timeout=20 -max_len="$maxlen" \
	-dict=tests/fuzz/loader.dict -print_final_stats=1 -artifact_prefix="$CRASHES/" \
	"$work/corpus" >"$work/fuzz.log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -n 1)
[ -n "$execs" ] || execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/fuzz.log" | tail -n 1)
if [ $rc -eq 0 ]; then
	ok "$NAME (${execs:-?} execs)"
else
	artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$work/fuzz.log" | tail -n 1)
	why=$(grep -m1 -E '^SUMMARY|invariant violated|ERROR: libFuzzer|==ERROR' "$work/fuzz.log")
	cp "$work/fuzz.log" "$CRASHES/last-fuzz.log"
	notok "$NAME" "exit $rc after ${execs:-?} execs: ${why:-see $CRASHES/last-fuzz.log}; input: ${artifact:-none}; reproduce: $FUZZER ${artifact:-}"
fi
t_done
