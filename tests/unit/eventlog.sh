#!/usr/bin/env bash
# Unit tests of user/agent/eventlog.c (JSON lines, rate limit, suppressed
# counts, file output and reopen), built with ASan/UBSan.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=build/test
mkdir -p "$out"
CC=${CC:-gcc}

if ! $CC -std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-D_GNU_SOURCE -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Iuser tests/unit/eventlog_test.c user/agent/eventlog.c -ljson-c -lpthread \
	-o "$out/eventlog_test" >"$out/eventlog_test.log" 2>&1; then
	echo "not ok - eventlog_test builds: $(head -c 2000 "$out/eventlog_test.log" | tr '\n' ' ')"
	exit 1
fi
echo "ok - eventlog_test builds"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# LeakSanitizer needs ptrace; where that is forbidden (some containers) it
# aborts, so only ask for it when it works.
leaks=1
if ! ASAN_OPTIONS=detect_leaks=1 "$out/eventlog_test" >/dev/null 2>"$out/eventlog-lsan-probe.log" &&
	grep -q "LeakSanitizer has encountered a fatal error" "$out/eventlog-lsan-probe.log"; then
	leaks=0
fi
ASAN_OPTIONS=detect_leaks=$leaks:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	"$out/eventlog_test" "$tmp"
