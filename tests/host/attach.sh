#!/usr/bin/env bash
# attach / detach / list / unload and run's kill and audit modes on this
# host's kernel (tp_btf/sys_enter). The cases are in attach.py; it ends with
# `bpfjail unload --force`.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
need_cmd "attach tests" python3 go bpftool || exit 0
if ! out=$(bash tests/go/build.sh 2>&1); then
	notok "attach: build the Go victims (tests/go/build.sh)" "$(printf '%s' "$out" | tail -n 5)"
	exit 1
fi
exec timeout -k 5 120 python3 tests/host/attach.py
