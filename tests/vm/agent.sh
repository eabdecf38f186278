#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# VM tier: `bpfjail agent` in enforce mode (BPF LSM). The host counterpart,
# tests/host/agent.sh, covers kill mode (no BPF LSM there).
#
# A config and a policy directory under a mktemp directory (root-owned, not
# group/other-writable); one policy selects DIR/bin/jail-* by path glob,
# confines example.com/poisoned and says `mode: enforce` (the config's
# default is kill, so a policy mode that is not applied shows as kill).
#   - the agent starts in enforce mode (its startup line; list -j of a jailed
#     `victim serve`: mode enforce, command agent:10-path.yaml);
#   - jail-victim: the confined op gets EPERM, main's op works, exit 0 (not
#     killed); a decision event (module, verdict deny, ...) in the event file;
#   - free-victim (a copy the glob does not match): the confined op works;
#   - kill -9 of the agent: the serve victim jailed before still gets EPERM,
#     so does a new exec; a restarted agent adopts the jail and jails new
#     execs again;
#   - a second policy with mode: kill (the agent attaches sys_enter on
#     demand) kills its binary, and the enforce policy still denies.
# /metrics is checked with busybox wget where the agent serves it
# (build/bpfjail-static has no HTTP server: skipped, with the reason).
# Ends with `bpfjail unload --force` (as tests/vm/attach.sh). Programs from
# tests/vm/agent.prep.
set -u
cd "${BPFJAIL_ROOT:-$(dirname "$0")/../..}" || exit 1
. tests/lib.sh
. tests/vm/serve.lib
BJ=${BPFJAIL:-bpfjail}
VICTIM=$BPFJAIL_ROOT/build/go/victim
MOD=example.com/poisoned
PORT=19477

if [ ! -x "$VICTIM" ]; then
	notok "agent: $VICTIM missing (tests/vm/agent.prep)"
	exit 1
fi

T=$(mktemp -d /tmp/bpfjail-agent.XXXXXX) || { notok "agent: mktemp" "failed"; exit 1; }
chmod 755 "$T"
BIN=$T/bin POL=$T/pol CONFIG=$T/agent.yaml EVENTS=$T/events.jsonl DATA=$T/data.txt
mkdir -m 755 "$BIN" "$POL"
for v in jail-victim free-victim kill-victim; do cp "$VICTIM" "$BIN/$v"; done
chmod 755 "$BIN"/*
echo hello >"$DATA"
CONF_OP="p open-read $DATA"
MAIN_OP="self open-read $DATA"
APID= VPID=

now() { cut -d' ' -f1 /proc/uptime; }
T0=$(now)

# ---- processes ------------------------------------------------------------------
# start_agent N: `bpfjail agent` in the background (stderr in $T/agent-N.err);
# APID its pid. Waits (at most 40 s) for the "agent running" line.
start_agent() {
	local i
	"$BJ" agent --config "$CONFIG" </dev/null >>"$T/agent.stdout" 2>"$T/agent-$1.err" &
	APID=$!
	for i in $(seq 400); do
		grep -q '^bpfjail: agent running' "$T/agent-$1.err" 2>/dev/null && return 0
		kill -0 "$APID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# stop_agent SIG: signal the agent and wait for it (at most 10 s; then SIGKILL).
# The exit status in ARC.
stop_agent() {
	local i
	ARC=
	[ -n "$APID" ] || return
	kill "-$1" "$APID" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$APID" 2>/dev/null && [ "$(awk '{ print $3 }' "/proc/$APID/stat" 2>/dev/null)" != Z ] || break
		sleep 0.1
	done
	kill -0 "$APID" 2>/dev/null && [ "$(awk '{ print $3 }' "/proc/$APID/stat" 2>/dev/null)" != Z ] &&
		kill -KILL "$APID" 2>/dev/null
	wait "$APID" 2>/dev/null
	ARC=$?
	APID=
}

# vrun NAME BINARY ARGS...: run it (at most 30 s, SIGKILL: a held process is
# stopped); stdout in $T/NAME.out, stderr in $T/NAME.err, status in RC.
vrun() {
	local name=$1
	shift
	{ timeout -s KILL 30 "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null; RC=$?; } 2>/dev/null
}
# res NAME SPEC: RESULT of the line "R SPEC => RESULT" of NAME's stdout.
res() { awk -v p="R $2 => " 'index($0, p) == 1 { print substr($0, length(p) + 1); exit }' "$T/$1.out"; }
# vpid NAME: the victim's pid (first stdout line "pid N").
vpid() { sed -n 's/^pid \([0-9]*\)$/\1/p' "$T/$1.out" | head -n 1; }

# field PID NAME: a field of PID's entry in `bpfjail list -j` ("" if absent).
field() {
	timeout -s KILL 30 "$BJ" list -j | tr '{' '\n' | grep "\"pid\":$1," |
		sed -n "s/.*\"$2\":\\(\"[^\"]*\"\\|[0-9]*\\).*/\\1/p" | tr -d '"'
}

# decision PID: the first decision event of PID in the event file ("" if none
# within 10 s: the agent reads the ring buffer asynchronously).
decision() {
	local i l
	for i in $(seq 100); do
		l=$(grep '"event":"decision"' "$EVENTS" 2>/dev/null | grep -m 1 "\"pid\":$1,")
		[ -n "$l" ] && { printf '%s' "$l"; return; }
		sleep 0.1
	done
}

# jailed_run NAME WHAT: check a `jail-victim multi CONF_OP MAIN_OP` run: the
# confined op EPERM, main's op ok, exit 0 (not killed).
jailed_run() {
	local r1 r2
	r1=$(res "$1" "$CONF_OP")
	r2=$(res "$1" "$MAIN_OP")
	if [ "$RC" = 0 ] && [ "${r1%%:*}" = "errno=1 EPERM" ] && [ "$r2" = ok ]; then
		ok "$2: confined op -> EPERM, main's op -> ok, exit 0 (denied, not killed)"
	else
		notok "$2: confined op -> EPERM, main's op -> ok, exit 0 (denied, not killed)" \
			"exit $RC (137: SIGKILL), results '${r1:-none}' '${r2:-none}'; stderr: $(head -c 300 "$T/$1.err")"
	fi
}

# decided NAME WHAT PID: the agent's decision event for PID's denial.
decided() {
	local e want k bad=
	e=$(decision "$3")
	for want in '"event":"decision"' "\"exe\":\"$BIN/jail-victim\"" "\"module\":\"$MOD\"" \
		'"op":"open-read"' '"class":"rpath"' '"verdict":"deny"' '"reason":"confined"' \
		"\"func\":\"$MOD.OpenRead\"" '"pc":"0x[0-9a-f]+"'; do
		printf '%s' "$e" | grep -Eq -- "$want" || bad="$bad $want"
	done
	if [ -n "$e" ] && [ -z "$bad" ]; then
		ok "$2: decision event: pid $3, module $MOD, op open-read, class rpath, verdict deny, reason confined, func, pc"
	else
		notok "$2: decision event for pid $3 (module $MOD, verdict deny)" \
			"${e:+missing$bad in: }${e:-no decision event for pid $3; events: $(tail -n 3 "$EVENTS" 2>/dev/null)}"
	fi
}

cleanup() {
	stop_victim
	[ -n "$APID" ] && stop_agent KILL
	timeout -s KILL 60 "$BJ" unload --force >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

# ---- config and policy ------------------------------------------------------------
cat >"$CONFIG" <<YAML
# tests/vm/agent.sh
metrics:
  listen: 127.0.0.1:$PORT
events:
  output: $EVENTS
  burst: unlimited
policy_dir: $POL
defaults:
  mode: kill        # 10-path.yaml says enforce
YAML
chmod 600 "$CONFIG"
cat >"$POL/10-path.yaml" <<YAML
select:
  - path: $BIN/jail-*
mode: enforce
policy:
  modules:
    $MOD: confined
YAML
chmod 644 "$POL/10-path.yaml"
out=$(timeout -s KILL 30 "$BJ" agent --config "$CONFIG" --check 2>&1)
rc=$?
if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -qx 'policy 10-path.yaml: ok (priority 0, 1 selector, mode enforce)'; then
	ok "agent --check: config ($(stat -c %a "$CONFIG")), policy dir ($(stat -c %a "$POL")), 10-path.yaml ($(stat -c %a "$POL/10-path.yaml")): mode enforce"
else
	notok "agent --check: the config and 10-path.yaml (mode enforce) are good" "exit $rc: $out"
fi

# ---- 1: the agent starts in enforce mode -----------------------------------------
if ! start_agent 1; then
	notok "agent: starts ('agent running' line within 40 s)" "$(cat "$T/agent-1.err")"
	exit 1
fi
line=$(grep '^bpfjail: agent running' "$T/agent-1.err")
if printf '%s' "$line" | grep -q '^bpfjail: agent running: 1 policies, 1 binaries preloaded, mode enforce' &&
	! grep -qi 'kill mode\|not usable' "$T/agent-1.err"; then
	ok "agent: starts in enforce mode, 1 binary preloaded ($(printf '%s' "$line" | sed 's/^bpfjail: //'))"
else
	notok "agent: starts in enforce mode, 1 binary preloaded" "$(cat "$T/agent-1.err")"
fi
if grep -q 'this static build has no HTTP server' "$T/agent-1.err"; then
	skip "agent: /metrics (bpfjail_build_info mode enforce)" \
		"$BJ is the static build, which has no HTTP server (see docs/operations.md); /metrics is tested in tests/host/agent.sh and metrics_http.sh"
elif ! command -v wget >/dev/null 2>&1; then
	skip "agent: /metrics (bpfjail_build_info mode enforce)" "no wget in the VM"
else
	m=$(timeout -s KILL 10 wget -q -T 5 -O - "http://127.0.0.1:$PORT/metrics" 2>&1)
	assert_match "agent: /metrics: bpfjail_build_info{...,mode=\"enforce\"} 1" \
		'^bpfjail_build_info\{.*mode="enforce".*\} 1$' "$(printf '%s\n' "$m" | grep '^bpfjail_build_info')"
fi
e=$(grep '"event":"policy-loaded"' "$EVENTS" 2>/dev/null | grep '"policy":"10-path.yaml"')
if [ -n "$e" ]; then
	ok "agent: policy-loaded event for 10-path.yaml"
else
	notok "agent: policy-loaded event for 10-path.yaml" "events: $(head -c 400 "$EVENTS" 2>/dev/null)"
fi

if ! start_victim "$BIN/jail-victim"; then
	notok "agent: 'jail-victim serve' starts" "no 'pid N' line"
	exit 1
fi
mode=$(field "$VPID" mode)
cmd=$(field "$VPID" command)
if [ "$mode" = enforce ] && [ "$cmd" = agent:10-path.yaml ]; then
	ok "agent: 'jail-victim serve' (pid $VPID) jailed at exec: list -j mode enforce, command agent:10-path.yaml"
else
	notok "agent: 'jail-victim serve' jailed at exec, list -j mode enforce" \
		"mode '$mode', command '$cmd': $(timeout -s KILL 30 "$BJ" list -j 2>&1)"
fi
r=$(op "$CONF_OP")
assert_match "agent: the serve victim's confined op -> EPERM" '^errno=1 EPERM' "$r"

# ---- 2, 3: a matching exec is denied (not killed); the decision event -----------
vrun match "$BIN/jail-victim" multi "$CONF_OP" "$MAIN_OP"
jailed_run match "path glob: 'jail-victim multi'"
MPID=$(vpid match)
if [ -n "$MPID" ]; then
	decided match "path glob: 'jail-victim multi'" "$MPID"
else
	notok "path glob: decision event" "no 'pid N' line from jail-victim"
fi
k=$(grep '"event":"decision"' "$EVENTS" | grep -v '"verdict":"deny"')
if [ -z "$k" ]; then
	ok "events: every decision so far is a deny ($(grep -c '"event":"decision"' "$EVENTS") events, none kill)"
else
	notok "events: every decision so far is a deny (none kill)" "$k"
fi

# ---- 4: a copy the glob does not match runs unjailed ---------------------------
vrun free "$BIN/free-victim" multi "$CONF_OP" "$MAIN_OP"
r1=$(res free "$CONF_OP")
r2=$(res free "$MAIN_OP")
if [ "$RC" = 0 ] && [ "$r1" = ok ] && [ "$r2" = ok ]; then
	ok "path glob: a copy it does not match ('free-victim multi'): the confined op -> ok, exit 0"
else
	notok "path glob: a copy it does not match: the confined op -> ok" \
		"exit $RC, results '${r1:-none}' '${r2:-none}'; stderr: $(head -c 300 "$T/free.err")"
fi

# ---- 5: kill -9 of the agent; restart ----------------------------------------------
stop_agent KILL
r1=$(op "$CONF_OP")
r2=$(op "$MAIN_OP")
if [ "${r1%%:*}" = "errno=1 EPERM" ] && [ "$r2" = ok ] && kill -0 "$VPID" 2>/dev/null; then
	ok "kill -9: the victim jailed before still gets EPERM for the confined op (main's op ok, still running)"
else
	notok "kill -9: the victim jailed before still gets EPERM" "results '${r1:-none}' '${r2:-none}'"
fi
vrun dead "$BIN/jail-victim" multi "$CONF_OP" "$MAIN_OP"
jailed_run dead "kill -9: a new exec of jail-victim with the agent dead"
mode=$(field "$VPID" mode)
assert_eq "kill -9: list -j still has the serve victim, mode enforce" enforce "$mode"

if ! start_agent 2; then
	notok "restart: the agent starts again with the same config" "$(cat "$T/agent-2.err")"
	exit 1
fi
line=$(grep '^bpfjail: agent running' "$T/agent-2.err")
assert_match "restart: the agent starts again, mode enforce" '^bpfjail: agent running: .* mode enforce' "$line"
mode=$(field "$VPID" mode)
cmd=$(field "$VPID" command)
r=$(op "$CONF_OP")
if [ "$mode" = enforce ] && [ "$cmd" = agent:10-path.yaml ] && [ "${r%%:*}" = "errno=1 EPERM" ]; then
	ok "restart: the serve victim is adopted (list -j mode enforce, agent:10-path.yaml) and its confined op -> EPERM"
else
	notok "restart: the serve victim is adopted and still denied" "mode '$mode', command '$cmd', result '${r:-none}'"
fi
vrun again "$BIN/jail-victim" multi "$CONF_OP" "$MAIN_OP"
jailed_run again "restart: a new exec of jail-victim"
APID2=$(vpid again)
if [ -n "$APID2" ]; then
	decided again "restart: a new exec of jail-victim" "$APID2"
else
	notok "restart: decision event" "no 'pid N' line from jail-victim"
fi
vrun free2 "$BIN/free-victim" multi "$CONF_OP"
assert_eq "restart: 'free-victim' still runs unjailed (confined op ok, exit 0)" "0 ok" "$RC $(res free2 "$CONF_OP")"

# ---- 6: a kill-mode policy next to the enforce one ---------------------------------
# 20-kill.yaml (mode: kill) selects kill-victim; the agent attaches sys_enter
# on demand, from a second kernel handle. Its first hold and event after that
# crashed it (use after free) before the fix in ensure_syscalls.
printf 'select:\n  - path: %s/kill-*\nmode: kill\npolicy:\n  modules:\n    %s: confined\n' "$BIN" "$MOD" >"$POL/.20-kill.yaml.tmp"
chmod 644 "$POL/.20-kill.yaml.tmp"
mv "$POL/.20-kill.yaml.tmp" "$POL/20-kill.yaml"
for i in $(seq 100); do
	grep -q '"policy":"20-kill.yaml"' "$EVENTS" && break
	sleep 0.1
done
if grep '"event":"policy-loaded"' "$EVENTS" | grep -q '"policy":"20-kill.yaml"'; then
	ok "kill policy: 20-kill.yaml (mode kill) is loaded on its own (inotify reload)"
else
	notok "kill policy: 20-kill.yaml is loaded (inotify reload)" "$(tail -n 3 "$EVENTS")"
fi
vrun kill "$BIN/kill-victim" multi "$MAIN_OP" "$CONF_OP"
KPID=$(vpid kill)
e=$(decision "${KPID:-none}")
if [ "$RC" = 137 ] && [ "$(res kill "$MAIN_OP")" = ok ] && [ -z "$(res kill "$CONF_OP")" ] &&
	printf '%s' "$e" | grep -q '"verdict":"kill"'; then
	ok "kill policy: 'kill-victim multi': main's op ok, then killed (SIGKILL) at the confined op, decision event verdict kill"
else
	notok "kill policy: 'kill-victim' killed at the confined op" \
		"exit $RC, results '$(res kill "$MAIN_OP")' '$(res kill "$CONF_OP")', event '${e:-none}'; agent: $(tail -c 300 "$T/agent-2.err")"
fi
vrun free3 "$BIN/free-victim" multi "$CONF_OP"
vrun enf "$BIN/jail-victim" multi "$CONF_OP" "$MAIN_OP"
jailed_run enf "kill policy: jail-victim (10-path.yaml) is still enforced"
if [ "$(res free3 "$CONF_OP")" = ok ] && kill -0 "$APID" 2>/dev/null; then
	ok "kill policy: the agent is alive and answers holds ('free-victim' held again after the reload, runs unjailed)"
else
	notok "kill policy: the agent is alive and answers holds" \
		"free-victim exit/result '$(res free3 "$CONF_OP")'; agent: $(tail -c 300 "$T/agent-2.err")"
fi

stop_victim
stop_agent TERM
assert_eq "SIGTERM: the agent exits 0" 0 "$ARC"
out=$(timeout -s KILL 60 "$BJ" unload --force 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ -z "$(ls /sys/fs/bpf/bpfjail 2>/dev/null)" ]; then
	ok "agent: unload --force removes the pins"
else
	notok "agent: unload --force removes the pins" "exit $rc: $out; $(ls -R /sys/fs/bpf/bpfjail 2>&1)"
fi
echo "# agent.sh: $(awk -v a="$T0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')s (guest clock)"
t_done
