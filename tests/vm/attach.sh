#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# VM tier: `bpfjail attach` in enforce mode (BPF LSM), on a running victim
# (tests/go/victim/serve.go: one SPEC per stdin line, "R SPEC => RESULT").
#   - the confined module's ops get EPERM, main's keep working, the process
#     keeps running; the jail outlives the attach command;
#   - `list -j` counts the denials; detach restores the ops;
#   - audit mode (LSM): the op succeeds, "audited" grows;
#   - a PIE victim; --require enforce succeeds here.
# Ends with `bpfjail unload --force`. tests/vm/attach.prep builds the victims.
set -u
cd "${BPFJAIL_ROOT:-$(dirname "$0")/../..}" || exit 1
. tests/lib.sh
. tests/vm/serve.lib
BJ=${BPFJAIL:-bpfjail}
POL=(--policy example.com/poisoned=confined)
MAIN_OP="self open-read /etc/passwd"
CONF_OP="p open-read /etc/passwd"
VPID=

for v in build/go/victim build/go/victim-pie; do
	if [ ! -x "$v" ]; then
		notok "attach: $v missing (tests/vm/attach.prep)"
		exit 1
	fi
done

# field PID NAME: a field of PID's entry in `bpfjail list -j` ("" if absent).
field() {
	"$BJ" list -j | tr '{' '\n' | grep "\"pid\":$1," | sed -n "s/.*\"$2\":\\(\"[^\"]*\"\\|[0-9]*\\).*/\\1/p" | tr -d '"'
}

cleanup() {
	stop_victim
	"$BJ" unload --force >/dev/null 2>&1
}
trap cleanup EXIT

# ---- enforce --------------------------------------------------------------
if ! start_victim build/go/victim; then
	notok "attach enforce: victim did not start"
	exit 1
fi
res=$(op "$MAIN_OP")
assert_eq "attach enforce: victim runs unjailed" ok "$res"
res=$(op "$CONF_OP")
assert_eq "attach enforce: confined op succeeds before attach" ok "$res"

out=$("$BJ" attach --require enforce "${POL[@]}" "$VPID" 2>&1)
rc=$?
if [ $rc -eq 0 ] && printf '%s' "$out" | grep -q "^attached to PID $VPID (.*victim): mode enforce, .*confined: example.com/poisoned"; then
	ok "attach enforce: --require enforce exits 0, mode enforce"
else
	notok "attach enforce: --require enforce exits 0, mode enforce" "exit $rc: $out"
fi
# The attach command has exited; the jail is in the pinned maps.
res=$(op "$CONF_OP")
assert_match "attach enforce: confined module's op gets EPERM" '^errno=1 EPERM' "$res"
res=$(op "$MAIN_OP")
assert_eq "attach enforce: main module's op still works" ok "$res"
res=$(op "p call $MAIN_OP")
assert_match "attach enforce: main's op with the confined module on the stack gets EPERM" '^errno=1 EPERM' "$res"
res=$(op "p go $CONF_OP")
assert_match "attach enforce: a goroutine the confined module starts gets EPERM" '^errno=1 EPERM' "$res"
# A child forked after attach (os/exec of /proc/self/exe): its confined op
# fails (victim exits 1), its main op works.
res=$(op "self reexec open-read /etc/passwd")
assert_match "attach enforce: a child forked after attach is jailed (exit 1)" '^exit 1 pid ' "$res"
res=$(op "self reexec self-open-read /etc/passwd")
assert_match "attach enforce: the child's main op works (exit 0)" '^exit 0 pid ' "$res"
res=$(op "$CONF_OP")
assert_match "attach enforce: the process keeps running (another denial)" '^errno=1 EPERM' "$res"
if kill -0 "$VPID" 2>/dev/null; then
	ok "attach enforce: the process is alive after the denials"
else
	notok "attach enforce: the process is alive after the denials" "PID $VPID is gone"
fi
mode=$(field "$VPID" mode)
denied=$(field "$VPID" denied)
checked=$(field "$VPID" checked)
if [ "$mode" = enforce ] && [ "${denied:-0}" -ge 4 ] && [ "${checked:-0}" -ge "${denied:-0}" ]; then
	ok "attach enforce: list -j: mode enforce, denied $denied, checked $checked"
else
	notok "attach enforce: list -j: mode enforce, denied >= 4" "$("$BJ" list -j)"
fi
out=$("$BJ" list)
assert_match "attach enforce: list (text) has the row" "^$VPID +enforce .*example.com/poisoned" "$(printf '%s\n' "$out" | grep "^$VPID ")"

out=$("$BJ" detach "$VPID" 2>&1)
assert_eq "detach: exit 0" "detached PID $VPID" "$out"
res=$(op "$CONF_OP")
assert_eq "detach: the confined module's op works again" ok "$res"
assert_eq "detach: the process leaves the list" "" "$(field "$VPID" mode)"

# ---- audit (LSM) ----------------------------------------------------------
out=$("$BJ" attach --mode audit "${POL[@]}" "$VPID" 2>&1)
rc=$?
assert_match "attach audit: exit 0, mode audit, no fallback warning" "^0:attached to PID $VPID .*mode audit[^|]*$" "$rc:$(printf '%s' "$out" | tr '\n' '|')"
a1=$(field "$VPID" audited)
r1=$(op "$CONF_OP")
r2=$(op "$CONF_OP")
a2=$(field "$VPID" audited)
if [ "$r1 $r2" = "ok ok" ] && [ "${a2:-0}" -gt "${a1:-0}" ] && [ "$(field "$VPID" denied)" = 0 ]; then
	ok "attach audit: ops succeed, audited grows ($a1 -> $a2), denied 0"
else
	notok "attach audit: ops succeed, audited grows, denied 0" "results '$r1' '$r2', audited $a1 -> $a2, $("$BJ" list -j)"
fi
"$BJ" detach "$VPID" >/dev/null 2>&1
stop_victim

# ---- PIE ------------------------------------------------------------------
if ! start_victim build/go/victim-pie; then
	notok "attach enforce PIE: victim did not start"
	exit 1
fi
out=$("$BJ" attach "${POL[@]}" "$VPID" 2>&1)
rc=$?
r1=$(op "$CONF_OP")
r2=$(op "$MAIN_OP")
if [ $rc -eq 0 ] && [ "${r1#errno=1 EPERM}" != "$r1" ] && [ "$r2" = ok ]; then
	ok "attach enforce PIE: confined op EPERM, main op ok"
else
	notok "attach enforce PIE: confined op EPERM, main op ok" "attach exit $rc: $out; results '$r1' '$r2'"
fi
stop_victim

out=$("$BJ" unload --force 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ -z "$(ls /sys/fs/bpf/bpfjail 2>/dev/null)" ]; then
	ok "attach: unload --force removes the pins"
else
	notok "attach: unload --force removes the pins" "exit $rc: $out; $(ls -R /sys/fs/bpf/bpfjail 2>&1)"
fi
t_done
