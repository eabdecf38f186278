#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# VM tier: enforcement on other builds and programs, and bpfjail run's
# refusals (tests/vm/enforce.prep builds everything on the host).
#
#   stripped  victim-stripped (-ldflags=-s -w), with a go.mod for another
#             main module: refused (exit 2) unless --force
#   pie       victim-pie (-buildmode=pie): the same checks; exit 1 / 0
#             passthrough of single operations
#   vi        the gomodjail README example (examples/gomodjail-vi): vi never
#             starts, the program prints its result
#   absent    a policy naming no module of the program: a warning, and
#             nothing is confined
#   refusals  a non-Go program: exit 4, never run
set -u
. "$(dirname "$0")/enforce.lib"
trap 'cleanup_sleepers; restore_vi' EXIT
restore_vi() { [ -e /usr/bin/vi.enforce-orig ] && mv -f /usr/bin/vi.enforce-orig /usr/bin/vi; }

EXGOMOD=$BPFJAIL_ROOT/examples/gomodjail-vi/go.mod
EXBIN=$BPFJAIL_ROOT/build/examples/gomodjail-vi
for f in "$GO/victim-stripped" "$GO/victim-pie" "$EXBIN" "$EXGOMOD"; do
	if [ ! -e "$f" ]; then
		notok "enforce_variants: $f missing (tests/vm/enforce.prep)"
		exit 1
	fi
done
rm -rf "${J:?}"/*
echo hello >"$J/r.txt"

# ---- refusals: never run the program --------------------------------------------------
TOUCH=$(command -v touch)
jrun notgo --policy example.com/poisoned=confined -- /bin/true
n=$(wc -l <"$W/notgo.err")
if [ $RC -eq 4 ] && [ "$n" -eq 1 ]; then
	ok "refusals: a non-Go program (/bin/true) -> exit 4, one error line: $(cat "$W/notgo.err")"
else
	notok "refusals: a non-Go program (/bin/true) -> exit 4, one error line" "exit $RC, $n lines: $(cat "$W/notgo.err")"
fi
jrun notgo2 --policy example.com/poisoned=confined -- "$TOUCH" "$J/touched"
if [ $RC -eq 4 ] && [ ! -e "$J/touched" ]; then
	ok "refusals: a non-Go program is never run ($TOUCH did not create its file)"
else
	notok "refusals: a non-Go program is never run" "exit $RC, $J/touched $( [ -e "$J/touched" ] && echo exists || echo absent)"
fi

# go.mod for example.com/hello, binary of example.com/victim: refused.
jrun mismatch --go-mod "$EXGOMOD" --policy example.com/poisoned=confined -- \
	"$GO/victim-stripped" self-open-write "$J/mismatch"
n=$(wc -l <"$W/mismatch.err")
if [ $RC -eq 2 ] && [ "$n" -eq 1 ] && grep -q -- '--force' "$W/mismatch.err" &&
	grep -q 'example.com/hello' "$W/mismatch.err" && [ ! -e "$J/mismatch" ]; then
	ok "refusals: go.mod's module differs from the binary's main module -> exit 2, one line naming both and --force, program not run"
else
	notok "refusals: main module mismatch -> exit 2, program not run" "exit $RC, $n lines: $(cat "$W/mismatch.err"); $J/mismatch $( [ -e "$J/mismatch" ] && echo created || echo absent)"
fi

# ---- stripped and PIE builds enforce the same ----------------------------------------
VSPECS=(
	"self connect @LISTENER" "self open-read $J/r.txt" "foo open-read $J/r.txt" "y open-read $J/r.txt"
	"p open-read $J/r.txt" "p create $J/v-new" "p connect @LISTENER" "p spawn /bin/true"
	"p call self open-read $J/r.txt" "p go self stat $J/r.txt" "p chan self open-read $J/r.txt"
	"self reexec inlined-open-read $J/r.txt"
)
variant() { # NAME BINARY bpfjail-run-options...
	local name=$1 bin=$2 r cpid re d
	shift 2
	rm -f "$J/v-new"
	EXE=$bin
	jrun "$name" "$@" -- "$bin" multi "${VSPECS[@]}"
	rc_is "$name" 0 "multi exits 0"
	if [ -z "$(vpid "$name")" ]; then
		notok "$name: victim started" "$(head -c 600 "$W/$name.err")"
		return
	fi
	for s in "self connect @LISTENER" "self open-read $J/r.txt" "foo open-read $J/r.txt" \
		"y open-read $J/r.txt" "p chan self open-read $J/r.txt"; do
		allowed "$name" "$s"
	done
	for d in "p open-read $J/r.txt|open-read|rpath|OpenRead" "p create $J/v-new|create|cpath|Create" \
		"p connect @LISTENER|socket|inet|Connect" "p spawn /bin/true|fork|proc|Spawn" \
		"p call self open-read $J/r.txt|open-read|rpath|Call" "p go self stat $J/r.txt|stat|rpath|Go.func1"; do
		IFS='|' read -r spec op class func <<<"$d"
		denied "$name" "$spec" "$op" "$class" "example.com/poisoned.$func"
	done
	# re-exec: same binary, new process (for PIE: a new load address)
	r=$(res "$name" "self reexec inlined-open-read $J/r.txt")
	cpid=${r##* pid }
	re=$(logre blocked open-read rpath example.com/poisoned example.com/poisoned.Small "$cpid")
	if [ "${r% pid *}" = "exit 1" ] && logged "$name" "$re"; then
		ok "$name: re-exec'd child: inlined poisoned.Small denied, logged func=example.com/poisoned.Small"
	else
		notok "$name: re-exec'd child: inlined poisoned.Small denied" "result '${r:-none}'; $(loghint "$name" "func=example.com/poisoned.Small")"
	fi
	[ -e "$J/v-new" ] && notok "$name: denied create left no file" "$J/v-new exists"
	unexpected "$name"
}

# stripped, policy from a go.mod written for another program: --force runs it
# (with a warning); --policy confines poisoned.
variant stripped "$GO/victim-stripped" --force --go-mod "$EXGOMOD" --policy example.com/poisoned=confined
if grep -q 'warning: .*example.com/hello.*differs.*example.com/victim.*--force' "$W/stripped.err"; then
	ok "stripped: --force runs despite the main module mismatch, with a warning"
else
	notok "stripped: --force warns about the main module mismatch" "$(grep -v '^level=' "$W/stripped.err" | head -c 400)"
fi
variant pie "$GO/victim-pie" --policy example.com/poisoned=confined

# Exit status of single operations: 1 when denied, 0 when allowed.
EXE=$GO/victim-pie
jrun pie-denied --policy example.com/poisoned=confined -- "$GO/victim-pie" open-read "$J/r.txt"
if [ $RC -eq 1 ] && grep -q 'errno=1 EPERM' "$W/pie-denied.err"; then
	ok "pie: 'victim-pie open-read' -> bpfjail exits 1 (the victim's status on a denial)"
else
	notok "pie: 'victim-pie open-read' -> exit 1" "exit $RC: $(head -c 400 "$W/pie-denied.err")"
fi
jrun pie-allowed --policy example.com/poisoned=confined -- "$GO/victim-pie" self-open-read "$J/r.txt"
if [ $RC -eq 0 ] && grep -q '^ok self-open-read' "$W/pie-allowed.out"; then
	ok "pie: 'victim-pie self-open-read' -> bpfjail exits 0"
else
	notok "pie: 'victim-pie self-open-read' -> exit 0" "exit $RC: $(head -c 400 "$W/pie-allowed.err")"
fi

# ---- the gomodjail README example -------------------------------------------------------
# /usr/bin/vi is replaced by a script that leaves a mark, so "vi started" is
# a file, not a guess.
if [ -e /usr/bin/vi ] || [ -L /usr/bin/vi ]; then mv -f /usr/bin/vi /usr/bin/vi.enforce-orig; fi
printf '#!/bin/sh\necho vi-ran >%s\n' "$J/vi-ran" >/usr/bin/vi
chmod 755 /usr/bin/vi
out=$("$EXBIN" </dev/null 2>&1)
if [ -e "$J/vi-ran" ] && printf '%s' "$out" | grep -qx 'result: 42'; then
	ok "vi: without bpfjail the example starts vi and prints 'result: 42'"
else
	notok "vi: without bpfjail the example starts vi" "output '$out', mark $( [ -e "$J/vi-ran" ] && echo present || echo absent)"
fi
rm -f "$J/vi-ran"
EXE=$EXBIN
jrun vi --go-mod "$EXGOMOD" -- "$EXBIN"
rc_is vi 0 "the example's own status"
re=$(logre blocked fork proc example.com/dependency example.com/dependency.Double '~[0-9]+')
if grep -qx 'result: 42' "$W/vi.out" && [ ! -e "$J/vi-ran" ] && logged vi "$re" &&
	grep -q '^dependency: could not start vi: .*operation not permitted' "$W/vi.err"; then
	ok "vi: under bpfjail vi never starts (blocked op=fork class=proc module=example.com/dependency), the program prints 'result: 42'"
else
	notok "vi: under bpfjail vi never starts, the program prints its result" "stdout '$(cat "$W/vi.out")', mark $( [ -e "$J/vi-ran" ] && echo present || echo absent), stderr: $(head -c 500 "$W/vi.err")"
fi
unexpected vi

# ---- a policy that names nothing the program contains --------------------------------------
rm -f "$J/vi-ran"
jrun absent --policy example.com/absent=confined -- "$EXBIN"
if [ $RC -eq 0 ] && grep -q 'warning: no module that the policy confines is present' "$W/absent.err" &&
	[ -e "$J/vi-ran" ]; then
	ok "absent: a policy naming no module of the program warns; nothing is confined (vi ran)"
else
	notok "absent: a policy naming no module of the program warns" "exit $RC, mark $( [ -e "$J/vi-ran" ] && echo present || echo absent), stderr: $(head -c 400 "$W/absent.err")"
fi

# ---- the fp walk finds the kernel's frames (--stack-walk compare) ---------------------------
# Compare mode walks each judged stack both ways (ours: window copies
# re-anchored past large frames, the chunk filter, the recursion cache; the
# kernel's bpf_get_task_stack) and logs reason=walk-mismatch where they
# differ. Shallow, deep (past the 2 KiB window) and confined stacks.
EXE=$VICTIM
CSPECS=(
	"self open-read $J/r.txt|ok"
	"self deep 30 self open-read $J/r.txt|ok"
	"self deep 100 self open-read $J/r.txt|ok"
	"p open-read $J/r.txt|errno=1 EPERM"
	"p deep 40 p open-read $J/r.txt|errno=1 EPERM"
	"p call self open-read $J/r.txt|errno=1 EPERM"
)
cargs=()
for e in "${CSPECS[@]}"; do cargs+=("${e%%|*}"); done
jrun compare --stack-walk compare --policy example.com/poisoned=confined -- "$VICTIM" multi "${cargs[@]}"
bad=""
for e in "${CSPECS[@]}"; do
	r=$(res compare "${e%%|*}")
	case $r in "${e##*|}"*) ;; *) bad+=" '${e%%|*}' -> '${r:-none}' (want ${e##*|});" ;; esac
done
if [ $RC -eq 0 ] && [ -z "$bad" ] && ! grep -q 'walk-mismatch' "$W/compare.err"; then
	ok "compare: --stack-walk compare: ${#CSPECS[@]} ops (0 to 100 extra frames) judged right, no walk-mismatch"
else
	notok "compare: --stack-walk compare: ops judged right, no walk-mismatch" \
		"exit $RC;$bad stderr: $(grep -m3 'walk-mismatch' "$W/compare.err" | cut -c1-300)"
fi

t_done
