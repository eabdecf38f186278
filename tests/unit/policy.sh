#!/usr/bin/env bash
# Unit tests of user/policy (go.mod comments, YAML schema, precedence,
# matching), built with ASan/UBSan. Fixtures: tests/policy/.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=build/test
mkdir -p "$out"
CC=${CC:-gcc}

if ! $CC -std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-D_GNU_SOURCE -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Iuser tests/unit/policy_test.c user/policy/*.c -lyaml \
	-o "$out/policy_test" >"$out/policy_test.log" 2>&1; then
	echo "not ok - policy_test builds: $(head -c 2000 "$out/policy_test.log" | tr '\n' ' ')"
	exit 1
fi
echo "ok - policy_test builds"

# LeakSanitizer needs ptrace; where that is forbidden (some containers) it
# aborts, so only ask for it when it works.
leaks=1
if ! ASAN_OPTIONS=detect_leaks=1 "$out/policy_test" /nonexistent >/dev/null 2>"$out/lsan-probe.log" &&
	grep -q "LeakSanitizer has encountered a fatal error" "$out/lsan-probe.log"; then
	leaks=0
fi
ASAN_OPTIONS=detect_leaks=$leaks:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	"$out/policy_test" tests/policy
