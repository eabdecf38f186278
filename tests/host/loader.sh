#!/usr/bin/env bash
# Loader tests: bpfjail inspect on the Go 1.19 fixtures (tests/go/build.sh)
# and on real Go binaries (scripts/fetch-go-binaries.sh), against go tool nm,
# go version -m and go tool objdump. The checks are in loader.py.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
need_cmd "loader tests" python3 go || exit 0
exec python3 tests/host/loader.py
