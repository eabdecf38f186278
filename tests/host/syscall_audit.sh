#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host tier: what the sys_enter program judges (kill mode, and audit where
# BPF LSM is missing), one class at a time. Runs the victim's "multi" under
# `bpfjail run --mode audit` (sys_enter on this kernel: ops run, would-block
# lines are logged): each op from the confined module must log a
# would-block line with its syscall and class, and main's ops none.
# Covers both passes of bj_sys_enter's classification: syscalls judged from
# their registers alone (open, exec, kill, fcntl, mmap) and those whose class
# needs reads first (connect/listen/sendto: the socket's family).
set -u
. "$(dirname "$0")/../lib.sh"

nolsm_victim syscall_audit
echo data >"$tmp/r.txt"

# Targets for kill: SIGTERM, audit mode lets it happen.
sleep 300 & SLEEP_P=$!
sleep 300 & SLEEP_S=$!
trap 'kill $SLEEP_P $SLEEP_S 2>/dev/null; rm -rf "$tmp"' EXIT

# p-spec | self-spec | op | class   (op: the syscall's name, as logged)
cases=(
	"open-read $tmp/r.txt|open-read $tmp/r.txt|openat|rpath"
	"open-write $tmp/w1|open-write $tmp/w2|openat|cpath"
	"spawn /bin/true|spawn /bin/true|clone|proc"
	"kill $SLEEP_P|kill $SLEEP_S|kill|proc"
	"fcntl $tmp/r.txt|fcntl $tmp/r.txt|fcntl|fcntl"
	"mmap-exec|mmap-exec|mmap|prot_exec"
	"connect-fd 127.0.0.1:9|connect-fd 127.0.0.1:9|connect|inet"
	"listen-fd|listen-fd|listen|inet"
	"sendto-fd 127.0.0.1:9|sendto-fd 127.0.0.1:9|sendto|inet"
	"socket-unix|socket-unix|socket|unix"
)
specs=()
for c in "${cases[@]}"; do
	IFS='|' read -r pspec sspec _ _ <<<"$c"
	specs+=("p $pspec" "self $sspec")
done
# Last: an exec replaces the victim (the spawned child's own execve is
# judged too: the fork copied the confined frames).
specs+=("p exec-sys /bin/true")
timeout 60 "$BPFJAIL" run --mode audit --policy example.com/poisoned=confined -- "$V" multi "${specs[@]}" \
	>"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
if [ $rc -ne 0 ]; then
	notok "syscall_audit: the audited run exits 0" "exit $rc; stderr: $(head -c 1500 "$tmp/err")"
	exit 1
fi
ok "syscall_audit: the audited run exits 0 (audit mode lets every op run)"
pid=$(sed -n 's/^pid \([0-9]*\)$/\1/p' "$tmp/out")
for c in "${cases[@]}"; do
	IFS='|' read -r spec _ op class <<<"$c"
	n=$(grep -c "msg=would-block op=$op class=$class module=example.com/poisoned pid=$pid " "$tmp/err")
	if ! grep -q "^R p $spec => " "$tmp/out" || ! grep -q "^R self " "$tmp/out"; then
		notok "syscall_audit: p $spec ran" "no result line; stdout: $(head -c 800 "$tmp/out")"
	elif [ "$n" -ge 1 ]; then
		ok "syscall_audit: p $spec -> would-block op=$op class=$class"
	else
		notok "syscall_audit: p $spec -> would-block op=$op class=$class" \
			"none; stderr: $(grep would-block "$tmp/err" | head -c 1500)"
	fi
done
# Main's own ops: every would-block line names the confined module, and
# main's ops add none (10 ops from p, 10 from main: a line per p op, plus
# the spawned child's execve and the final exec).
if grep would-block "$tmp/err" | grep -vq "module=example.com/poisoned "; then
	notok "syscall_audit: main's own ops log nothing" "$(grep would-block "$tmp/err" | grep -v 'module=example.com/poisoned ' | head -c 800)"
else
	ok "syscall_audit: main's own ops log nothing (every would-block line is the confined module's)"
fi
if grep -q "msg=would-block op=execve class=exec module=example.com/poisoned pid=$pid " "$tmp/err"; then
	ok "syscall_audit: p exec-sys -> would-block op=execve class=exec (then the exec replaces the victim)"
else
	notok "syscall_audit: p exec-sys -> would-block op=execve class=exec" "$(grep would-block "$tmp/err" | head -c 1500)"
fi
