#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# VM tier smoke test: proves the whole chain. The VM's kernel lists bpf as an
# active LSM, and a BPF LSM program loaded and attached by bpfjail (probe's
# lsm/file_open program) really denies an open() with EPERM.
set -u
BPFJAIL=${BPFJAIL:-bpfjail}

lsm=$(cat /sys/kernel/security/lsm 2>&1)
case ",$lsm," in
*,bpf,*) echo "ok - smoke: bpf is an active LSM ($lsm)" ;;
*) echo "not ok - smoke: bpf is not in /sys/kernel/security/lsm: $lsm" ;;
esac

out=$("$BPFJAIL" -j probe 2>&1)
rc=$?
detail=$(printf '%s\n' "$out" | sed -n 's/.*"enforce":{"verified":[a-z]*,"detail":"\([^"]*\)".*/\1/p')
if [ $rc -ne 0 ]; then
	echo "not ok - smoke: bpfjail probe exited $rc: $out"
elif printf '%s\n' "$out" | grep -q '"enforce":{"verified":true'; then
	echo "ok - smoke: LSM program denied open with EPERM"
else
	echo "not ok - smoke: LSM program did not deny open with EPERM: ${detail:-$out}"
fi

# --require enforce must agree with the report.
"$BPFJAIL" probe --require enforce >/dev/null 2>&1
rc=$?
if [ $rc -eq 0 ]; then
	echo "ok - smoke: probe --require enforce exits 0 where BPF LSM works"
else
	echo "not ok - smoke: probe --require enforce exited $rc in the VM"
fi
