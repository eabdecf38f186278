#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host tier: `bpfjail probe` on the host kernel. Where BPF LSM programs
# cannot be loaded (this project's machines: EPERM), probe must say so and
# enforcement is reported as a skip: it is tested in the VM tier instead.
# A claim of working enforcement that the kernel contradicts, or a crash, is
# a failure. strace, when present, is the independent witness of what the
# kernel answered to BPF_PROG_LOAD of the BPF_PROG_TYPE_LSM program.
set -u
BPFJAIL=${BPFJAIL:-$(dirname "$0")/../../build/bpfjail}
SKIP_LINE="skip - lsm enforcement: BPF LSM unavailable on this kernel (tested in the VM tier)"

if [ ! -x "$BPFJAIL" ]; then
	echo "not ok - probe: $BPFJAIL not built"
	exit 1
fi

out=$("$BPFJAIL" -j probe 2>/tmp/probe-err.$$)
rc=$?
err=$(cat /tmp/probe-err.$$)
rm -f /tmp/probe-err.$$
if [ $rc -ne 0 ]; then
	echo "not ok - probe: bpfjail -j probe exited $rc (signal $((rc > 128 ? rc - 128 : 0))): $err"
	exit 1
fi
case $out in
'{'*'"enforce":{"verified":'*'}') echo "ok - probe: -j prints one JSON report" ;;
*) echo "not ok - probe: unexpected JSON: $out"; exit 1 ;;
esac

verified=false
printf '%s' "$out" | grep -q '"enforce":{"verified":true' && verified=true
lsm_loads=$(printf '%s' "$out" | sed -n 's/.*"lsm":{[^}]*"loads":\([a-z]*\).*/\1/p')
listed=$(printf '%s' "$out" | sed -n 's/.*"lsm":{[^}]*"listed":\([a-z]*\).*/\1/p')

# What did the kernel itself answer? (strace decodes bpf(BPF_PROG_LOAD).)
kernel_says=unknown
if command -v strace >/dev/null 2>&1; then
	trace=$(strace -f -e trace=bpf "$BPFJAIL" probe 2>&1 >/dev/null | grep 'prog_type=BPF_PROG_TYPE_LSM')
	if [ -z "$trace" ]; then
		kernel_says=unknown
	elif printf '%s\n' "$trace" | grep -qE '\) = [0-9]+$'; then
		kernel_says=loads
	else
		kernel_says="refuses ($(printf '%s\n' "$trace" | tail -n 1 | sed 's/.*) = //'))"
	fi
fi

if [ "$verified" = true ]; then
	if [ "$lsm_loads" != true ] || [ "$listed" != true ] || [ "${kernel_says%% *}" = refuses ]; then
		echo "not ok - probe: claims enforcement is verified, but lsm loads=$lsm_loads listed=$listed, kernel $kernel_says"
	else
		echo "ok - lsm enforcement: verified on this kernel (BPF LSM works here too)"
	fi
else
	if [ "${kernel_says%% *}" = loads ] && [ "$lsm_loads" != true ]; then
		echo "not ok - probe: says the LSM program does not load, but the kernel loaded it"
	elif [ "${kernel_says%% *}" = refuses ] && [ "$lsm_loads" = true ]; then
		echo "not ok - probe: says the LSM program loads, but the kernel $kernel_says"
	else
		echo "ok - probe: reports BPF LSM as unusable here (loads=$lsm_loads, kernel $kernel_says)"
	fi
	echo "$SKIP_LINE"
fi

# --require enforce agrees with the report: 0 if verified, 5 (EXIT_KERNEL) if not.
"$BPFJAIL" probe --require enforce >/dev/null 2>/tmp/probe-err.$$
rc=$?
err=$(cat /tmp/probe-err.$$)
rm -f /tmp/probe-err.$$
want=5
[ "$verified" = true ] && want=0
if [ $rc -eq $want ]; then
	echo "ok - probe: --require enforce exits $want"
else
	echo "not ok - probe: --require enforce exited $rc, expected $want ($err)"
fi
if [ $want -eq 5 ] && ! printf '%s' "$err" | grep -q "required feature 'enforce' is not available"; then
	echo "not ok - probe: --require enforce gave no clear error: $err"
fi

# JSON mode keeps a single document, with the error in it.
jout=$("$BPFJAIL" -j probe --require enforce 2>/dev/null)
if [ $want -eq 5 ]; then
	case $jout in
	'{'*'"error":"required feature '"'"'enforce'"'"' is not available'*'}') echo "ok - probe: -j --require reports the error in its JSON" ;;
	*) echo "not ok - probe: -j --require enforce printed: $jout" ;;
	esac
fi

# Human output: one aligned row per item.
hout=$("$BPFJAIL" probe 2>&1)
missing=
for row in "kernel" "btf" "lsm: listed" "lsm: loads" "lsm: attaches" "enforce" \
	"tp_btf sys_enter" "bpf_send_signal" "perf_event_max_stack"; do
	printf '%s\n' "$hout" | grep -qE "^$row +[^ ]" || missing="$missing [$row]"
done
if [ -z "$missing" ]; then
	echo "ok - probe: human output has every row"
else
	echo "not ok - probe: human output lacks$missing"
fi

"$BPFJAIL" probe --require nonsense >/dev/null 2>&1
rc=$?
if [ $rc -eq 2 ]; then
	echo "ok - probe: unknown --require feature is a usage error"
else
	echo "not ok - probe: --require nonsense exited $rc, expected 2"
fi
