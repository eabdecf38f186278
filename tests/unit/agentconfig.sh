#!/usr/bin/env bash
# Unit tests of the agent's configuration layer (user/agent: config, policy
# files, selectors, trust checks, merge, inotify), built with ASan/UBSan.
# Fixtures: tests/agent/. Files whose permissions matter are made in /tmp.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=build/test
mkdir -p "$out"
CC=${CC:-gcc}

if ! $CC -std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-D_GNU_SOURCE -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Iuser -Ibpf tests/unit/agentconfig_test.c \
	user/agent/ayaml.c user/agent/config.c user/agent/selector.c user/agent/watch.c \
	user/policy/*.c -lyaml -lnettle \
	-o "$out/agentconfig_test" >"$out/agentconfig_test.log" 2>&1; then
	echo "not ok - agentconfig_test builds: $(head -c 2000 "$out/agentconfig_test.log" | tr '\n' ' ')"
	exit 1
fi
echo "ok - agentconfig_test builds"

# LeakSanitizer needs ptrace; where that is forbidden (some containers) it
# aborts, so only ask for it when it works.
leaks=1
if ! ASAN_OPTIONS=detect_leaks=1 "$out/agentconfig_test" /nonexistent >/dev/null 2>"$out/lsan-probe-agent.log" &&
	grep -q "LeakSanitizer has encountered a fatal error" "$out/lsan-probe-agent.log"; then
	leaks=0
fi
ASAN_OPTIONS=detect_leaks=$leaks:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	"$out/agentconfig_test" tests/agent
