#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# VM tier: end-to-end enforcement by BPF LSM (Debian's 6.1 kernel in QEMU).
# tests/vm/enforce.prep builds the programs on the host first.
#
# Each bpfjail run below runs build/go/victim's "multi" subcommand, which
# tries many operations and prints the result of each (tests/go/victim/
# multi.go); every check asserts the exact errno and bpfjail's log line.
#
#   main     --policy poisoned=confined --policy yaml.v3=confined: every
#            guarded class from example.com/poisoned is EPERM and logged; the
#            same from main and from example.com/foo (unconfined) succeed;
#            closures, goroutines, channels, init(), inlining, the %2e
#            escape, deep stacks, re-exec, /bin/sh; exit status 42.
#   audit    --mode audit: msg=would-block, the operations succeed; SIGTERM
#            to bpfjail is forwarded (exit 143).
#   json     --json-log --on-unknown allow: the JSON line; stacks deeper
#            than the walk are allowed; the victim kills itself (143).
#   least    a YAML policy: poisoned may read /etc only (path rule), foo has
#            rpath+proc but not exec (os/exec is denied at execve),
#            yaml.v3 has exec only.
set -u
. "$(dirname "$0")/enforce.lib"
trap cleanup_sleepers EXIT

if [ ! -x "$VICTIM" ]; then
	notok "enforce: $VICTIM missing (tests/vm/enforce.prep)"
	exit 1
fi

# ---- files and processes the operations work on -------------------------------
rm -rf "${J:?}"/*
cd "$J" || exit 1
echo hello >r.txt
echo write-me >w.txt
echo keep >p-trunc
echo keep >s-trunc
touch p-unlink p-rename p-chmod s-unlink s-rename s-chmod f-unlink f-rename
chmod 644 p-chmod s-chmod
mkdir p-rmdir s-rmdir p-mnt s-mnt
ln -s r.txt link
cd / || exit 1
sleeper; SLEEP_P=$SLEEPER   # poisoned's kill/ptrace target: must survive
sleeper; SLEEP_S=$SLEEPER   # main's kill target: dies
sleeper; SLEEP_F=$SLEEPER   # foo's kill target: dies
sleeper; SLEEP_T=$SLEEPER   # main's ptrace target

# ---- main: confined poisoned and yaml.v3, enforce, logfmt ------------------------
P=(--policy example.com/poisoned=confined --policy example.com/yaml.v3=confined)
SELF=(
	"self connect @LISTENER" # first: the net package's one-time probes run in main
	"self open-read $J/r.txt" "self open-write $J/w.txt" "self create $J/s-new"
	"self unlink $J/s-unlink" "self rename $J/s-rename $J/s-renamed" "self mkdir $J/s-dir"
	"self rmdir $J/s-rmdir" "self chmod $J/s-chmod" "self chown $J/s-chmod"
	"self truncate $J/s-trunc" "self stat $J/r.txt" "self readlink $J/link"
	"self symlink r.txt $J/s-symlink" "self link $J/r.txt $J/s-link" "self mkfifo $J/s-fifo"
	"self exec /bin/true" "self spawn /bin/true" "self listen 127.0.0.1:0"
	"self connect-fd @LISTENER" "self listen-fd" "self sendto-fd 127.0.0.1:9"
	"self socket-unix" "self socket-raw" "self socket-netlink" "self socket-packet"
	"self kill $SLEEP_S" "self ptrace $SLEEP_T" "self setuid" "self mmap-exec"
	"self mprotect-exec" "self ioctl $J/r.txt" "self fcntl $J/r.txt" "self mount $J/s-mnt"
)
FOO=(
	"foo open-read $J/r.txt" "foo open-write $J/w.txt" "foo create $J/f-new"
	"foo unlink $J/f-unlink" "foo rename $J/f-rename $J/f-renamed" "foo mkdir $J/f-dir"
	"foo exec /bin/true" "foo connect @LISTENER" "foo listen 127.0.0.1:0" "foo socket-unix"
	"foo kill $SLEEP_F"
)
# SPEC|OP|CLASS|FUNC (example.com/poisoned.FUNC). At most 5 lines per
# (module, op) print within 10 s (the logger's rate limit): the run keeps
# poisoned's op=open-read lines (OpenRead, Call, the two re-exec'd children)
# and op=socket lines (4) under that.
PDENY=(
	"p open-read $J/r.txt|open-read|rpath|OpenRead"
	"p open-write $J/w.txt|open-write|wpath|OpenWrite"
	"p create $J/p-new|create|cpath|Create"
	"p unlink $J/p-unlink|unlink|cpath|Unlink"
	"p rename $J/p-rename $J/p-renamed|rename|cpath|Rename"
	"p mkdir $J/p-dir|mkdir|cpath|Mkdir"
	"p rmdir $J/p-rmdir|rmdir|cpath|Rmdir"
	"p chmod $J/p-chmod|setattr|fattr|Chmod"
	"p chown $J/p-chmod|chown|fattr|Chown"
	"p truncate $J/p-trunc|truncate|wpath|Truncate"
	"p stat $J/r.txt|stat|rpath|Stat"
	"p readlink $J/link|readlink|rpath|Readlink"
	"p symlink r.txt $J/p-symlink|symlink|cpath|Symlink"
	"p mkfifo $J/p-fifo|mknod|dpath|Mkfifo"
	"p exec-sys /bin/true|exec|exec|ExecSys"
	"p spawn /bin/true|fork|proc|Spawn"
	"p connect @LISTENER|socket|inet|Connect"
	"p connect-fd @LISTENER|connect|inet|ConnectFD"
	"p listen-fd|listen|inet|ListenFD"
	"p sendto-fd 127.0.0.1:9|sendto|inet|SendToFD"
	"p socket-unix|socket|unix|Socket"
	"p socket-raw|socket|raw|Socket"
	"p socket-netlink|socket|netlink|Socket"
	"p kill $SLEEP_P|kill|proc|Kill"
	"p ptrace $SLEEP_P|ptrace|ptrace|Ptrace"
	"p setuid|setuid|id|Setuid"
	"p mmap-exec|mmap-exec|prot_exec|MmapExec"
	"p mprotect-exec|mprotect-exec|prot_exec|MprotectExec"
	"p ioctl $J/r.txt|ioctl|ioctl|Ioctl"
	"p fcntl $J/r.txt|fcntl|fcntl|Fcntl"
	"p mount $J/p-mnt|mount|mount|Mount"
	"p bpf|bpf|bpf|BPF"
	# a closure of main called by poisoned: poisoned is on the stack
	"p call self open-read $J/r.txt|open-read|rpath|Call"
	# a goroutine poisoned starts runs main's closure: its stack starts in poisoned
	"p go self stat $J/r.txt|stat|rpath|Go.func1"
	# 200 frames of poisoned, then the operation
	"p deep 200 p link $J/r.txt $J/p-link|link|cpath|Link"
)
specs=("${SELF[@]}" "${FOO[@]}" "self bpf")
for d in "${PDENY[@]}"; do specs+=("${d%%|*}"); done
SH='self sh echo sh-pid=$$; cat '"$J"'/r.txt >/dev/null && mkdir '"$J"'/sh-dir && echo sh-ok'
specs+=(
	"y open-read $J/r.txt"
	# poisoned produces data, main acts on it: allowed
	"p chan self open-read $J/r.txt"
	"self deep 200 self open-read $J/r.txt"
	"self deep 400 self open-read $J/r.txt"
	"self reexec open-read $J/r.txt"
	"self reexec inlined-open-read $J/r.txt"
	"self reexec BPFJAIL_TEST_POISONED_INIT_MKDIR=$J/init-dir self-open-read $J/r.txt"
	"$SH"
	"self exit 42"
)
EXE=$VICTIM
jrun main "${P[@]}" -- "$VICTIM" multi "${specs[@]}"
VPID=$(vpid main)
if [ -z "$VPID" ]; then
	notok "main: victim started" "stdout: $(head -c 400 "$W/main.out"); stderr: $(head -c 600 "$W/main.err")"
	exit 1
fi
rc_is main 42 "victim's 'exit 42' passes through"

for s in "${SELF[@]}" "${FOO[@]}"; do allowed main "$s"; done
r=$(res main "self bpf")
case $r in
"errno=1 "*) notok "main: 'self bpf' not denied" "$r" ;;
"") notok "main: 'self bpf' not denied" "no result line" ;;
*) ok "main: 'self bpf' not denied ($r)" ;;
esac
for d in "${PDENY[@]}"; do
	IFS='|' read -r spec op class func <<<"$d"
	denied main "$spec" "$op" "$class" "example.com/poisoned.$func"
done

# A module whose last path element has a dot: symbols say yaml%2ev3.
denied main "y open-read $J/r.txt" open-read rpath "example.com/yaml%2ev3.OpenRead" example.com/yaml.v3

allowed main "p chan self open-read $J/r.txt"
# 200 frames in main: the walk (256 frames) reaches the bottom, no confined
# frame: allowed. 400 frames: truncated with no confined frame seen, which is
# "unknown": denied by default (--on-unknown deny), logged without a module.
allowed main "self deep 200 self open-read $J/r.txt"
denied main "self deep 400 self open-read $J/r.txt" open-read rpath '~[^ ]+' - "$VPID" stack-truncated

# Inlining: poisoned.Small's code lies inside main.main (checked on the host
# with go build -gcflags=-m, recorded by the prep).
inl=$(cat "$GO/victim.inline" 2>/dev/null)
case $inl in
*"in func main()"*) ok "inlined: $inl" ;;
*) notok "inlined: poisoned.Small is inlined into main.main (go build -gcflags=-m)" "${inl:-$GO/victim.inline missing}" ;;
esac

# Re-exec of /proc/self/exe stays jailed: the child's confined op still fails.
for c in "open-read|OpenRead" "inlined-open-read|Small"; do
	sub=${c%%|*}
	spec="self reexec $sub $J/r.txt"
	r=$(res main "$spec")
	cpid=${r##* pid }
	case $r in
	"exit 1 pid "*) ;;
	*) notok "main: '$spec': the child exits 1 (denied)" "result '${r:-none}'"; continue ;;
	esac
	if [ "$cpid" = "$VPID" ]; then
		notok "main: '$spec'" "child pid $cpid is the victim's"
		continue
	fi
	re=$(logre blocked open-read rpath example.com/poisoned "example.com/poisoned.${c#*|}" "$cpid")
	if logged main "$re"; then
		ok "main: '$spec': the re-exec'd child (pid $cpid) is still jailed: exit 1, blocked func=example.com/poisoned.${c#*|}"
	else
		notok "main: '$spec': re-exec'd child still jailed" "child exit 1 but no log line for pid $cpid ($(loghint main "pid=$cpid "))"
	fi
done

# init() of a confined module: the child runs poisoned's init with the env var set.
spec="self reexec BPFJAIL_TEST_POISONED_INIT_MKDIR=$J/init-dir self-open-read $J/r.txt"
r=$(res main "$spec")
cpid=${r##* pid }
re=$(logre blocked mkdir cpath example.com/poisoned "~example\\.com/poisoned\\.init(\\.[0-9]+)?" "$cpid")
if [ "${r% pid *}" != "exit 0" ]; then
	notok "main: init() of a confined module is confined" "child result '${r:-none}' (want exit 0)"
elif ! grep -qx "poisoned-init: mkdir $J/init-dir: errno=1" "$W/main.out"; then
	notok "main: init() of a confined module is confined" "init's mkdir: $(grep poisoned-init "$W/main.out")"
elif [ -e "$J/init-dir" ]; then
	notok "main: init() of a confined module is confined" "$J/init-dir was created"
elif ! logged main "$re"; then
	notok "main: init() of a confined module is confined" "no log line ($(loghint main "op=mkdir"))"
else
	ok "main: init() of a confined module is confined (mkdir EPERM, blocked func=example.com/poisoned.init.N, pid $cpid); main then runs"
fi

# A child of main that execs /bin/sh leaves the jail (another binary): the
# shell's own open/mkdir/fork succeed. Were it still jailed, its stack (no Go
# frame) would be "unknown" and denied under the default --on-unknown deny.
r=$(res main "$SH")
shpid=$(sed -n 's/^sh-pid=\([0-9]*\)$/\1/p' "$W/main.out")
if [ "$r" = ok ] && grep -qx sh-ok "$W/main.out" && [ -d "$J/sh-dir" ] &&
	! grep -q "^level=.* pid=${shpid:-none} " "$W/main.err"; then
	ok "main: /bin/sh exec'd by main leaves the jail (its cat, mkdir succeed; no log line for pid $shpid)"
else
	notok "main: /bin/sh exec'd by main leaves the jail" "result '$r', sh-pid '$shpid', $(grep -c sh-ok "$W/main.out") sh-ok; $(loghint main "pid=$shpid ")"
fi

# What the denied operations did not do, and what the allowed ones did.
left=""
[ -e "$J/p-new" ] && left="$left p-new created;"
[ -e "$J/p-unlink" ] || left="$left p-unlink removed;"
[ -e "$J/p-renamed" ] && left="$left p-rename renamed;"
[ -e "$J/p-dir" ] && left="$left p-dir created;"
[ -d "$J/p-rmdir" ] || left="$left p-rmdir removed;"
[ "$(mode "$J/p-chmod")" = 644 ] || left="$left p-chmod mode $(mode "$J/p-chmod");"
[ "$(cat "$J/p-trunc")" = keep ] || left="$left p-trunc truncated;"
[ "$(cat "$J/w.txt")" = own ] || left="$left w.txt is '$(cat "$J/w.txt")' (want main's write only);"
[ -L "$J/p-symlink" ] && left="$left p-symlink created;"
[ -e "$J/p-fifo" ] && left="$left p-fifo created;"
[ -e "$J/p-link" ] && left="$left p-link created;"
grep -q " $J/p-mnt " /proc/mounts && left="$left p-mnt mounted;"
alive "$SLEEP_P" || left="$left poisoned's kill target died;"
if [ -z "$left" ]; then
	ok "main: the denied operations left no trace (files, mounts, the kill target)"
else
	notok "main: the denied operations left no trace" "$left"
fi
done_=""
[ -f "$J/s-new" ] || done_="$done_ s-new missing;"
[ -e "$J/s-unlink" ] && done_="$done_ s-unlink still there;"
[ -e "$J/s-renamed" ] || done_="$done_ s-renamed missing;"
[ -d "$J/s-dir" ] || done_="$done_ s-dir missing;"
[ "$(mode "$J/s-chmod")" = 600 ] || done_="$done_ s-chmod mode $(mode "$J/s-chmod");"
[ -s "$J/s-trunc" ] && done_="$done_ s-trunc not truncated;"
[ -p "$J/s-fifo" ] || done_="$done_ s-fifo missing;"
[ -f "$J/f-new" ] || done_="$done_ f-new missing;"
[ -e "$J/f-renamed" ] || done_="$done_ f-renamed missing;"
alive "$SLEEP_S" && done_="$done_ main's kill target alive;"
alive "$SLEEP_F" && done_="$done_ foo's kill target alive;"
if [ -z "$done_" ]; then
	ok "main: the allowed operations took effect"
else
	notok "main: the allowed operations took effect" "$done_"
fi
unexpected main

# ---- audit: the same jail, --mode audit ----------------------------------------
sleeper; SLEEP_A=$SLEEPER
TOUCH=$(command -v touch)
aspecs=("self connect @LISTENER" "p open-read $J/r.txt" "p create $J/a-new"
	"p exec $TOUCH $J/a-exec" "p connect @LISTENER" "p kill $SLEEP_A" "self sleep 600")
t0=$(now)
"$BPFJAIL" run --mode audit --policy example.com/poisoned=confined -- "$VICTIM" multi "${aspecs[@]}" \
	>"$W/audit.out" 2>"$W/audit.err" </dev/null &
bj=$!
for _ in $(seq 600); do
	grep -q '^sleeping ' "$W/audit.out" && break
	kill -0 "$bj" 2>/dev/null || break
	sleep 0.1
done
asleep=$(sed -n 's/^sleeping \([0-9]*\)$/\1/p' "$W/audit.out")
kill -TERM "$bj" 2>/dev/null
wait "$bj"
RC=$?
echo "# audit: exit $RC after $(since "$t0")s"
: >>"$W/audit.expect"
if [ -n "$asleep" ] && [ $RC -eq 143 ] && [ ! -e "/proc/$asleep" ]; then
	ok "audit: SIGTERM to bpfjail is forwarded: the victim (pid $asleep) dies of it, bpfjail exits 143"
else
	notok "audit: SIGTERM to bpfjail is forwarded (exit 143)" "exit $RC, victim pid '${asleep:-never slept}'; stderr: $(head -c 400 "$W/audit.err")"
fi
APID=$(vpid audit)
for a in "p open-read $J/r.txt|open-read|rpath|OpenRead" "p create $J/a-new|create|cpath|Create" \
	"p exec $TOUCH $J/a-exec|fork|proc|Exec" "p connect @LISTENER|socket|inet|Connect" \
	"p kill $SLEEP_A|kill|proc|Kill"; do
	IFS='|' read -r spec op class func <<<"$a"
	r=$(res audit "$spec")
	re=$(logre would-block "$op" "$class" example.com/poisoned "example.com/poisoned.$func" "$APID")
	if [ "$r" = ok ] && logged audit "$re"; then
		ok "audit: '$spec' succeeds, logged level=INFO msg=would-block op=$op class=$class"
	else
		notok "audit: '$spec' succeeds, logged msg=would-block op=$op" "result '${r:-none}'; $(loghint audit "op=$op ")"
	fi
done
# the exec itself happens in the forked child (pid != victim's): logged too
re=$(logre would-block exec exec example.com/poisoned example.com/poisoned.Exec '~[0-9]+')
if logged audit "$re"; then
	ok "audit: the forked child's execve is logged op=exec class=exec"
else
	notok "audit: the forked child's execve is logged op=exec class=exec" "$(loghint audit "op=exec")"
fi
miss=""
[ -f "$J/a-new" ] || miss="$miss a-new not created;"
[ -f "$J/a-exec" ] || miss="$miss $TOUCH did not run;"
alive "$SLEEP_A" && miss="$miss kill target alive;"
if [ -z "$miss" ]; then
	ok "audit: the operations took effect"
else
	notok "audit: the operations took effect" "$miss"
fi
if grep -q '^level=WARN' "$W/audit.err"; then
	notok "audit: nothing blocked in audit mode" "$(grep '^level=WARN' "$W/audit.err" | head -n 3)"
else
	ok "audit: nothing blocked in audit mode (no level=WARN line)"
fi

# ---- json: --json-log, --on-unknown allow ------------------------------------------
jspecs=("p open-read $J/r.txt" "self deep 400 self open-read $J/r.txt"
	"p call self deep 400 self open-read $J/r.txt" "self kill-self")
jrun json --json-log --on-unknown allow --policy example.com/poisoned=confined -- "$VICTIM" multi "${jspecs[@]}"
rc_is json 143 "the victim killed itself with SIGTERM"
JPID=$(vpid json)
r=$(res json "p open-read $J/r.txt")
jre='^\{"level":"WARN","msg":"blocked","op":"open-read","class":"rpath","module":"example\.com/poisoned",'
jre="$jre\"reason\":\"confined\",\"pid\":$JPID,\"tid\":[0-9]+,\"comm\":\"victim\",\"exe\":\"$(ere "$VICTIM")\","
jre="$jre"'"func":"example\.com/poisoned\.OpenRead","pc":"0x[0-9a-f]+","truncated":false(,"suppressed":[0-9]+)?\}$'
if [ "${r%%:*}" = "errno=1 EPERM" ] && grep -Eq -- "$jre" "$W/json.err"; then
	ok "json: 'p open-read' -> EPERM, one JSON object per line with level, msg, op, class, module, reason, pid, tid, comm, exe, func, pc, truncated"
else
	notok "json: 'p open-read' -> EPERM, JSON line" "result '${r:-none}'; stderr: $(head -c 600 "$W/json.err")"
fi
nonjson=$(grep -v '^{' "$W/json.err")
if [ -z "$nonjson" ] && [ "$(grep -c '^{' "$W/json.err")" -eq 1 ]; then
	ok "json: the only log line is that JSON object (allowed unknowns are not logged)"
else
	notok "json: the only log line is the JSON object" "$(head -c 600 "$W/json.err")"
fi
# 400 frames of main: unknown, allowed by --on-unknown allow.
allowed json "self deep 400 self open-read $J/r.txt"
# The price of --on-unknown allow: a confined frame deeper than the walk's 256
# frames is not seen, so this open is allowed although poisoned is a caller.
allowed json "p call self deep 400 self open-read $J/r.txt"

# ---- least privilege: YAML grants and path rules ---------------------------------------
cat >"$W/least.yaml" <<'YAML'
# poisoned: nothing but reading under /etc; foo: rpath and proc but not exec;
# yaml.v3: exec and nothing else.
modules:
  example.com/poisoned:
    policy: confined
    allow: []
    paths:
      - {path: /etc, access: r}
  example.com/foo:
    allow: [rpath, proc]
  example.com/yaml.v3:
    allow: [exec]
YAML
echo w >/etc/bpfjail-test-w
rm -f /etc/bpfjail-test-new
sleeper; SLEEP_Y=$SLEEPER
lspecs=("p open-read /etc/passwd" "p stat /etc/passwd" "p open-read /proc/self/status"
	"p stat $J/r.txt" "p open-write /etc/bpfjail-test-w" "p create /etc/bpfjail-test-new"
	"foo open-read $J/r.txt" "foo kill $SLEEP_Y" "foo exec /bin/true"
	"y exec-sys /proc/self/exe exit 7")
jrun least --policy-file "$W/least.yaml" -- "$VICTIM" multi "${lspecs[@]}"
warn=$(grep -i 'path rules' "$W/least.err")
allowed least "p open-read /etc/passwd"
allowed least "p stat /etc/passwd"
[ -n "$warn" ] && notok "least: path rules are enforced" "bpfjail says: $warn"
denied least "p open-read /proc/self/status" open-read rpath example.com/poisoned.OpenRead
denied least "p stat $J/r.txt" stat rpath example.com/poisoned.Stat
denied least "p open-write /etc/bpfjail-test-w" open-write wpath example.com/poisoned.OpenWrite
denied least "p create /etc/bpfjail-test-new" create cpath example.com/poisoned.Create
allowed least "foo open-read $J/r.txt"
allowed least "foo kill $SLEEP_Y"
# os/exec from foo: /dev/null (rpath) and the fork (proc) pass, the execve in
# the forked child (its own pid, the parent's stack) is denied.
LPID=$(vpid least)
r=$(res least "foo exec /bin/true")
re=$(logre blocked exec exec example.com/foo example.com/foo.Op '~[0-9]+')
cline=$(grep -E -- "$re" "$W/least.err" | head -n 1)
cpid=$(printf '%s' "$cline" | sed -n 's/.* pid=\([0-9]*\) .*/\1/p')
printf '%s\n' "$re" >>"$W/least.expect"
case $r in
"errno=1 EPERM: fork/exec /bin/true: operation not permitted")
	if [ -n "$cline" ] && [ "$cpid" != "$LPID" ]; then
		ok "least: 'foo exec /bin/true' with rpath+proc -> EPERM at execve, blocked op=exec class=exec module=example.com/foo in the child (pid $cpid)"
	else
		notok "least: 'foo exec' blocked op=exec in the forked child" "line '$cline' (victim pid $LPID); $(loghint least "module=example.com/foo")"
	fi
	;;
*) notok "least: 'foo exec /bin/true' -> EPERM at execve" "result '${r:-none}'; $(loghint least "module=example.com/foo")" ;;
esac
# yaml.v3 may exec (and nothing else): execve of /proc/self/exe runs
# "victim exit 7" in place of the victim (no result line: the process image
# was replaced). A denial here means execve's own open of the file was
# judged as rpath.
r=$(res least "y exec-sys /proc/self/exe exit 7")
if [ $RC -eq 7 ] && [ -z "$r" ]; then
	ok "least: yaml.v3, granted exec only, execs /proc/self/exe ('victim exit 7': bpfjail exits 7)"
else
	notok "least: yaml.v3, granted exec only, execs /proc/self/exe (exit 7)" \
		"exit $RC, result '${r:-none}'; $(loghint least "module=example.com/yaml.v3")"
fi
unexpected least

t_done
