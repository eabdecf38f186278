#!/usr/bin/env bash
# Bounded libFuzzer run of the policy parsers (go.mod comments and YAML).
#   POLICY_FUZZ_SECONDS (default 20) sets the budget.
# Seeds: tests/policy fixtures, with the selector byte the target expects.
set -uo pipefail
cd "$(dirname "$0")/../.."
CLANG=${CLANG:-clang}
secs=${POLICY_FUZZ_SECONDS:-20}
out=build/fuzz/policy
mkdir -p "$out/corpus" "$out/artifacts"

if ! $CLANG -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -Iuser tests/fuzz/policy_fuzz.c user/policy/*.c -lyaml \
	-o "$out/policy_fuzz" >"$out/build.log" 2>&1; then
	if grep -q -e "libclang_rt.fuzzer" -e "fuzzer.*not found" "$out/build.log"; then
		echo "skip - policy fuzz: clang has no libFuzzer (install libclang-rt-dev)"
		exit 0
	fi
	echo "not ok - policy fuzz builds: $(head -c 2000 "$out/build.log" | tr '\n' ' ')"
	exit 1
fi
echo "ok - policy fuzz builds"

for f in tests/policy/gomod/*.mod; do
	{ printf '\0'; cat "$f"; } >"$out/corpus/gomod-$(basename "$f")"
done
for f in tests/policy/yaml/*.yaml; do
	{ printf '\1'; cat "$f"; } >"$out/corpus/yaml-$(basename "$f")"
done

# A private scratch corpus dir keeps the seeds clean; libFuzzer adds to the first dir.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$out/policy_fuzz" -max_total_time="$secs" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$out/artifacts/" -print_final_stats=1 \
	"$work" "$out/corpus" >"$out/fuzz.log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz.log")
if [ $rc -ne 0 ]; then
	echo "not ok - policy fuzz ${secs}s: exit $rc, see $out/fuzz.log: $(grep -m1 -e 'ERROR:' -e 'runtime error' "$out/fuzz.log")"
	exit 1
fi
echo "ok - policy fuzz ${secs}s without crashes (${runs:-?} runs)"
