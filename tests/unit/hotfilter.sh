#!/usr/bin/env bash
# Unit test of the walk's chunk filter (user/kernel/table.c, bj_hot_filter)
# against a brute-force model of what the BPF fast path trusts it for.
# Built with ASan/UBSan.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=build/test
mkdir -p "$out"
CC=${CC:-cc}

if ! $CC -std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-D_GNU_SOURCE -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Iuser -Ibpf tests/unit/hotfilter_test.c user/kernel/table.c user/gosym/*.c user/policy/*.c \
	-lelf -lyaml -lpthread -o "$out/hotfilter_test" >"$out/hotfilter_test.log" 2>&1; then
	echo "not ok - hotfilter_test builds: $(head -c 2000 "$out/hotfilter_test.log" | tr '\n' ' ')"
	exit 1
fi
echo "ok - hotfilter_test builds"
ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 "$out/hotfilter_test"
