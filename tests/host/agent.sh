#!/usr/bin/env bash
# `bpfjail agent` on this host's kernel (kill mode: tp_btf/sys_enter): a
# config and a policy directory under a mktemp directory, the Go victims
# selected by path glob, sha256, main_module and contains_module, policy
# reloads (inotify, SIGHUP, bad and group-writable files), /metrics with
# promtool and a real Prometheus on 127.0.0.1, kill -9 of the agent and
# adoption by a restarted one, a bounded load test. The cases are in
# agent.py; it ends with `bpfjail unload --force` (as attach.py does).
# Bounded to about 90 s.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
need_cmd "agent tests" python3 go sha256sum || exit 0
if ! out=$(bash tests/go/build.sh 2>&1); then
	notok "agent: build the Go victims (tests/go/build.sh)" "$(printf '%s' "$out" | tail -n 5)"
	exit 1
fi
exec timeout -k 5 150 python3 tests/host/agent.py
