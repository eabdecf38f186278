#!/usr/bin/env bash
# Unit tests of gosym's Go-name handling and module attribution (symname.c,
# modules.c, ranges.c, buildinfo.c) on hand-made inputs, built with
# ASan/UBSan. Real binaries are the host tier's business.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=build/test
mkdir -p "$out"
CC=${CC:-cc}

if ! $CC -std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-D_GNU_SOURCE -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Iuser tests/unit/symname_test.c user/gosym/*.c -lelf -lpthread \
	-o "$out/symname_test" >"$out/symname_test.log" 2>&1; then
	echo "not ok - symname_test builds: $(head -c 2000 "$out/symname_test.log" | tr '\n' ' ')"
	exit 1
fi
echo "ok - symname_test builds"

# LeakSanitizer needs ptrace; where that is forbidden (some containers) it
# aborts, so only ask for it when it works.
leaks=1
if ! ASAN_OPTIONS=detect_leaks=1 "$out/symname_test" >/dev/null 2>"$out/symname-lsan-probe.log" &&
	grep -q "LeakSanitizer has encountered a fatal error" "$out/symname-lsan-probe.log"; then
	leaks=0
fi
ASAN_OPTIONS=detect_leaks=$leaks:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	"$out/symname_test"
