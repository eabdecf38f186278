#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host tier: `bpfjail run` on a kernel where BPF LSM programs cannot be
# loaded (this project's machines). Never a silent unenforced run:
#   --mode enforce / --require enforce: exit 5, one clear error line, and the
#     program never runs (its harmless side effect does not happen);
#   the default (--mode auto): a warning that says kill mode, then a confined
#     module's guarded syscall kills the program (msg=killed), while main's
#     own operations still work.
# Where BPF LSM works, enforcement is tested by the VM tier instead: skip.
set -u
. "$(dirname "$0")/../lib.sh"

nolsm_victim run_nolsm
P=(--policy example.com/poisoned=confined)

for opt in "--mode enforce" "--require enforce"; do
	rm -f "$tmp/mark"
	# shellcheck disable=SC2086 # two words on purpose
	timeout 60 "$BPFJAIL" run $opt "${P[@]}" -- "$V" self-open-write "$tmp/mark" \
		>"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	n=$(wc -l <"$tmp/err")
	if [ $rc -eq 5 ] && [ "$n" -eq 1 ] && grep -q 'BPF LSM is not usable' "$tmp/err" &&
		[ ! -e "$tmp/mark" ] && [ ! -s "$tmp/out" ]; then
		ok "run_nolsm: run $opt exits 5 with one 'BPF LSM is not usable' line and never starts the program"
	else
		notok "run_nolsm: run $opt exits 5 and never starts the program" \
			"exit $rc, $n stderr lines: $(cat "$tmp/err"); stdout: $(cat "$tmp/out"); mark $([ -e "$tmp/mark" ] && echo created || echo absent)"
	fi
done

# --mode auto (the default) falls back to kill mode, loudly.
timeout 60 "$BPFJAIL" run "${P[@]}" -- "$V" open-read /etc/passwd >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
if [ $rc -eq 137 ] && grep -q '^bpfjail: warning: BPF LSM is not usable on this kernel: kill mode' "$tmp/err" &&
	grep -Eq '^level=WARN msg=killed op=[a-z0-9_]+ class=rpath module=example\.com/poisoned .*func=example\.com/poisoned\.OpenRead ' "$tmp/err" &&
	! grep -q '^ok ' "$tmp/out"; then
	ok "run_nolsm: default mode warns 'kill mode'; poisoned's open kills the program (137, msg=killed func=example.com/poisoned.OpenRead)"
else
	notok "run_nolsm: default mode falls back to kill mode, loudly" "exit $rc; stderr: $(cat "$tmp/err"); stdout: $(cat "$tmp/out")"
fi
rm -f "$tmp/mark"
timeout 60 "$BPFJAIL" run "${P[@]}" -- "$V" self-open-write "$tmp/mark" >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
if [ $rc -eq 0 ] && [ -e "$tmp/mark" ] && ! grep -q '^level=' "$tmp/err"; then
	ok "run_nolsm: in kill mode main's own operations run (exit 0, file written, nothing logged)"
else
	notok "run_nolsm: in kill mode main's own operations run" "exit $rc; stderr: $(cat "$tmp/err")"
fi
# Kill mode judges at syscall entry and the syscall still completes before
# the SIGKILL lands: a denied create leaves its file (docs: kill mode). Not
# asserted either way here; enforce mode (VM tier) leaves nothing.
t_done
