#!/usr/bin/env bash
# Bad input for bpfjail inspect, against the ASan/UBSan build (make asan):
# exit statuses, one error line, no crash, no sanitizer report. The cases are
# in badinput.py. BPFJAIL_ASAN=path skips the build.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
need_cmd "badinput tests" python3 go make || exit 0
if [ -z "${BPFJAIL_ASAN:-}" ]; then
	if ! out=$(make -s asan 2>&1); then
		notok "badinput: build the ASan binary (make asan)" "$(printf '%s' "$out" | tail -n 5)"
		exit 1
	fi
fi
exec python3 tests/host/badinput.py
