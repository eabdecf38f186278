#!/usr/bin/env bash
# Unit tests of user/agent/metrics.c (registry, exposition text, bounded
# labels, listen addresses, the HTTP endpoint on 127.0.0.1), built with
# ASan/UBSan. A real Prometheus scrapes it in tests/host/metrics_http.sh.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=build/test
mkdir -p "$out"
CC=${CC:-gcc}

if ! $CC -std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-D_GNU_SOURCE -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Iuser tests/unit/metrics_test.c user/agent/metrics.c -lmicrohttpd -lpthread \
	-o "$out/metrics_test" >"$out/metrics_test.log" 2>&1; then
	echo "not ok - metrics_test builds: $(head -c 2000 "$out/metrics_test.log" | tr '\n' ' ')"
	exit 1
fi
echo "ok - metrics_test builds"

# The static build has no HTTP server (see the Makefile): it must still compile.
if ! $CC -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers \
	-D_GNU_SOURCE -DBPFJAIL_STATIC -Iuser -c user/agent/metrics.c \
	-o "$out/metrics_static.o" >"$out/metrics_static.log" 2>&1; then
	echo "not ok - metrics.c builds with -DBPFJAIL_STATIC: $(head -c 2000 "$out/metrics_static.log" | tr '\n' ' ')"
else
	echo "ok - metrics.c builds with -DBPFJAIL_STATIC"
fi

# LeakSanitizer needs ptrace; where that is forbidden (some containers) it
# aborts, so only ask for it when it works.
leaks=1
if ! ASAN_OPTIONS=detect_leaks=1 "$out/metrics_test" >/dev/null 2>"$out/metrics-lsan-probe.log" &&
	grep -q "LeakSanitizer has encountered a fatal error" "$out/metrics-lsan-probe.log"; then
	leaks=0
fi
ASAN_OPTIONS=detect_leaks=$leaks:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	"$out/metrics_test"
