#!/usr/bin/env bash
# bench/enforce-vm.sh: the guest side of bench/enforce.sh. Runs inside the
# BPF LSM test VM (scripts/vmrun), in ONE boot, and prints one line per
# measured run:
#
#   RESULT TEST VARIANT ROUND key=value...
#
# which bench/enforce.sh turns into medians and ratios. Lines starting with
# "CHECK-FAIL" mean a run did not do what its variant claims (a jailed run
# whose confined module was not denied, ...): its figures are not valid.
#
# Order matters: test d's first "before" run happens before anything of
# bpfjail was ever loaded in this boot (programs stay pinned afterwards);
# later "before" runs follow `bpfjail unload`, which detaches and frees
# every program.
#
# Environment (bench/enforce.sh sets them):
#   BENCH_PROG     benchprog (bench/go)            BENCH_VICTIM  tests/go victim
#   BENCH_ATTACH, BENCH_EMPTY_LSM, BENCH_EMPTY_SYSENTER  the loader and the
#                  empty programs of the floors of tests d (lsm/file_open,
#                  bench/empty_lsm.bpf.c) and k (bench/empty_sysenter.bpf.c)
#   BENCH_ITERS    open+close iterations per run   (default 20000)
#   BENCH_ROUNDS   rounds of test a/b              (default 5)
#   BENCH_D_ROUNDS rounds of test d                (default 8: its ratio sits at the floor)
#   BENCH_C_ROUNDS rounds of test c                (default 3)
#   BENCH_DEPTH    extra frames in main before the loop (default 14: 25
#                  physical frames at the openat)
#   BENCH_STRACE_DIV  strace runs BENCH_ITERS / this iterations (default 25)
#   BENCH_NREQ     HTTP requests per workload run  (default 300)
#   BENCH_NFILES   files in the generated tree     (default 2000)
#   BENCH_K_ROUNDS rounds of test k                (default 5)
#   BENCH_ONLY     space-separated subset of "d a c k" (default all)
set -uo pipefail

B=${BENCH_PROG:?BENCH_PROG not set}
V=${BENCH_VICTIM:?BENCH_VICTIM not set}
BJ=${BPFJAIL:-bpfjail}
N=${BENCH_ITERS:-20000}
R=${BENCH_ROUNDS:-5}
RD=${BENCH_D_ROUNDS:-8}
RC=${BENCH_C_ROUNDS:-3}
DEPTH=${BENCH_DEPTH:-14}
NS=$((N / ${BENCH_STRACE_DIV:-25}))
NREQ=${BENCH_NREQ:-300}
NFILES=${BENCH_NFILES:-2000}
RK=${BENCH_K_ROUNDS:-5}
ONLY=" ${BENCH_ONLY:-d a c k} "
F=/etc/passwd
TREE=/tmp/bench-tree
# --mode enforce: BPF LSM or fail (never the kill-mode fallback of "auto").
POLICY=(--mode enforce --policy example.com/poisoned=confined)
ALLPOL=/tmp/bench-allow-all.yaml
LOG=/tmp/bench-bpfjail.log

now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }

# field KEY LINE: value of KEY=... in LINE
field() {
	local w
	for w in $2; do
		case $w in "$1"=*) echo "${w#*=}"; return ;; esac
	done
}

pins() { ls -d /sys/fs/bpf/bpfjail* 2>/dev/null; }

# run TEST VARIANT ROUND EXPECT_KEY EXPECT_VALUE CMD...: one measured run.
run() {
	local test=$1 variant=$2 round=$3 key=$4 want=$5 t0 t1 out rc
	shift 5
	t0=$(now_us)
	out=$("$@" 2>>"$LOG")
	rc=$?
	t1=$(now_us)
	out=$(printf '%s\n' "$out" | grep -E '^(open-loop|workload) ' | tail -n 1)
	if [ $rc -ne 0 ] || [ -z "$out" ]; then
		echo "CHECK-FAIL $test $variant $round: exit $rc, output '$out' (last log lines: $(tail -n 3 "$LOG" | tr '\n' ' '))"
		return 1
	fi
	if [ "$(field "$key" "$out")" != "$want" ]; then
		echo "CHECK-FAIL $test $variant $round: expected $key=$want: $out"
	fi
	echo "RESULT $test $variant $round wall_ms=$(((t1 - t0) / 1000)) ${out#* }"
}

loop() { echo "$B open-loop $F $1 $2"; }

# with_empty OBJ TEST VARIANT ROUND: one open-loop run (unjailed) while the
# first program of OBJ is attached (bench/empty_sysenter.c keeps it while its
# stdin, a FIFO held open here, lasts).
with_empty() {
	local obj=$1 pid
	[ -n "${BENCH_ATTACH:-}" ] || return 0
	rm -f /tmp/bench-empty.fifo && mkfifo /tmp/bench-empty.fifo
	"$BENCH_ATTACH" "$obj" </tmp/bench-empty.fifo >/tmp/bench-empty.log 2>&1 &
	pid=$!
	exec 9>/tmp/bench-empty.fifo
	for _ in $(seq 1 300); do
		grep -q attached /tmp/bench-empty.log 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if grep -q attached /tmp/bench-empty.log; then
		# shellcheck disable=SC2046 # loop prints a command line to split
		run "$2" "$3" "$4" poisoned ok $(loop "$N" "$DEPTH")
	else
		echo "CHECK-FAIL $2 $3 $4: $obj did not attach: $(tr '\n' ' ' </tmp/bench-empty.log)"
	fi
	exec 9>&-
	wait "$pid" 2>/dev/null
}

echo "# enforce-vm: $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {print $2 / 1024 " MiB"}' /proc/meminfo)," \
	"clock ${BENCH_CLOCK:-real}, loadavg $(cut -d" " -f1-3 /proc/loadavg); N=$N R=$R RD=$RD RC=$RC DEPTH=$DEPTH strace N=$NS NREQ=$NREQ"
: >"$LOG"
cat >"$ALLPOL" <<'EOF'
# example.com/poisoned confined but granted every class: nothing is guarded,
# so the hooks run and find the process jailed, but no stack is walked.
modules:
  example.com/poisoned:
    allow: [exec, rpath, wpath, cpath, dpath, fattr, inet, unix, netlink, raw, packet,
            proc, ptrace, id, prot_exec, ioctl, fcntl, mount, bpf, kmod]
EOF

# ---- d: an unrelated, unjailed process, before and while jails are loaded --
if [[ $ONLY == *" d "* ]]; then
	if [ -n "$(pins)" ]; then
		echo "CHECK-FAIL d: bpfjail pins exist before the first run: $(pins)"
	fi
	echo "# d: warm-up (nothing loaded)"
	$B open-loop $F "$N" "$DEPTH" >/dev/null
	for r in $(seq 1 "$RD"); do
		echo "# d round $r/$RD"
		[ -z "$(pins)" ] || echo "CHECK-FAIL d before $r: programs still pinned"
		# shellcheck disable=SC2046 # loop prints a command line to split
		run d before "$r" poisoned ok $(loop "$N" "$DEPTH")
		# The floor: what any BPF LSM program on file_open costs (the
		# trampoline).
		[ -n "${BENCH_EMPTY_LSM:-}" ] && with_empty "$BENCH_EMPTY_LSM" d empty "$r"
		# Load: a long-running jailed process keeps the programs attached
		# and one table in the map.
		t0=$(now_us)
		$BJ -v run "${POLICY[@]}" -- "$V" sleep 3600 >/dev/null 2>"/tmp/bench-sleeper.log" &
		sleeper=$!
		for _ in $(seq 1 600); do
			grep -q 'LSM hooks' /tmp/bench-sleeper.log 2>/dev/null && pidof victim >/dev/null && break
			sleep 0.1
		done
		sleep 0.5
		if ! pidof victim >/dev/null; then
			echo "CHECK-FAIL d after $r: the jailed sleeper did not start: $(tr '\n' ' ' </tmp/bench-sleeper.log)"
		fi
		echo "# d: loaded in $((($(now_us) - t0) / 1000)) ms: $(grep -E 'loaded [0-9]+ programs|LSM hooks' /tmp/bench-sleeper.log | tr '\n' ' ')"
		# shellcheck disable=SC2046
		run d after "$r" poisoned ok $(loop "$N" "$DEPTH")
		kill -TERM "$sleeper" 2>/dev/null
		wait "$sleeper" 2>/dev/null
		if [ "$r" -lt "$RD" ]; then
			# Detach and free everything (rm of the pins if unload fails).
			if ! $BJ unload >/tmp/bench-unload.log 2>&1; then
				echo "# d: bpfjail unload failed ($(tr '\n' ' ' </tmp/bench-unload.log)); removing the pins"
				rm -rf /sys/fs/bpf/bpfjail*
			fi
			sleep 0.5
		fi
	done
fi

# ---- a + b: open+close loop (poisoned not on the stack) -------------------
if [[ $ONLY == *" a "* ]]; then
	variants=(unjailed fp kernel allow-all compare strace shallow-unjailed shallow-fp)
	cmd_of() { # VARIANT -> key want cmd...
		case $1 in
		unjailed) echo "poisoned ok $(loop "$N" "$DEPTH")" ;;
		fp) echo "poisoned denied $BJ run ${POLICY[*]} --stack-walk fp -- $(loop "$N" "$DEPTH")" ;;
		kernel) echo "poisoned denied $BJ run ${POLICY[*]} --stack-walk kernel -- $(loop "$N" "$DEPTH")" ;;
		compare) echo "poisoned denied $BJ run ${POLICY[*]} --stack-walk compare -- $(loop "$N" "$DEPTH")" ;;
		allow-all) echo "poisoned ok $BJ run --mode enforce --policy-file $ALLPOL -- $(loop "$N" "$DEPTH")" ;;
		strace) echo "poisoned ok strace -f --seccomp-bpf -e trace=openat -o /dev/null $(loop "$NS" "$DEPTH")" ;;
		shallow-unjailed) echo "poisoned ok $(loop "$N" 0)" ;;
		shallow-fp) echo "poisoned denied $BJ run ${POLICY[*]} --stack-walk fp -- $(loop "$N" 0)" ;;
		esac
	}
	have_strace=1
	command -v strace >/dev/null 2>&1 || { have_strace=0; echo "# a: no strace in the VM: variant strace skipped"; }
	echo "# a: warm-up (loads the programs if d did not)"
	for v in unjailed fp; do
		# shellcheck disable=SC2046
		run a "$v" 0 $(cmd_of "$v") >/dev/null
	done
	for r in $(seq 1 "$R"); do
		echo "# a round $r/$R"
		nv=${#variants[@]}
		for i in $(seq 0 $((nv - 1))); do
			v=${variants[$(((i + r) % nv))]} # rotate the order every round
			[ "$v" = strace ] && [ $have_strace = 0 ] && continue
			# shellcheck disable=SC2046
			run a "$v" "$r" $(cmd_of "$v")
		done
	done
fi

# ---- c: realistic workload (walk+hash a tree, HTTP to itself) -------------
if [[ $ONLY == *" c "* ]]; then
	echo "# c: generating $NFILES files in $TREE"
	$B gentree "$TREE" "$NFILES" >/dev/null || echo "CHECK-FAIL c: gentree failed"
	echo "# c: warm-up"
	run c unjailed 0 cold ok "$B" workload "$TREE" "$NREQ" >/dev/null
	run c jailed 0 cold denied "$BJ" run --mode enforce --policy example.com/benchcold=confined -- "$B" workload "$TREE" "$NREQ" >/dev/null
	for r in $(seq 1 "$RC"); do
		echo "# c round $r/$RC"
		if [ $((r % 2)) = 1 ]; then order="unjailed jailed"; else order="jailed unjailed"; fi
		for v in $order; do
			if [ "$v" = unjailed ]; then
				run c unjailed "$r" cold ok "$B" workload "$TREE" "$NREQ"
			else
				run c jailed "$r" cold denied "$BJ" run --mode enforce --policy example.com/benchcold=confined -- "$B" workload "$TREE" "$NREQ"
			fi
		done
	done
fi

# Expected: one "blocked" line per jailed run (the confined module's one
# operation), and for allow-all "nothing to enforce" (no class is guarded).
blocked=$(grep -c 'msg=blocked' "$LOG")
others=$(grep -v -e 'msg=blocked' -e 'nothing to enforce' "$LOG" | grep -c .)
echo "# bpfjail log: $blocked 'blocked' lines (one per jailed run expected)," \
	"$(grep -c 'nothing to enforce' "$LOG") 'nothing to enforce' (one per allow-all run), $others other lines"
grep -v -e 'msg=blocked' -e 'nothing to enforce' "$LOG" | sort | uniq -c | sort -rn | head -n 5 | sed 's/^/#   /'
echo "# enforce-vm: done, loadavg $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- k: kill mode (tp_btf/sys_enter), the mechanism for kernels without
# BPF LSM, measured here too: the host's own figures (bench/sysenter.sh) are
# wall-clock noisy. Last, and with everything unloaded before each round, so
# no other test runs with sys_enter attached: "unjailed" has nothing of
# bpfjail loaded. benchcold is confined (never on the stack: every openat is
# walked and allowed; poisoned's call at start would be killed).
if [[ $ONLY == *" k "* ]]; then
	KPOL=(--mode kill --policy example.com/benchcold=confined)
	echo "# k: warm-up"
	$BJ unload >/dev/null 2>&1
	run k kill 0 poisoned ok "$BJ" run "${KPOL[@]}" -- $(loop "$N" "$DEPTH") >/dev/null
	for r in $(seq 1 "$RK"); do
		echo "# k round $r/$RK"
		if [ $((r % 2)) = 1 ]; then order="unjailed empty kill"; else order="kill empty unjailed"; fi
		for v in $order; do
			$BJ unload >/dev/null 2>&1 || rm -rf /sys/fs/bpf/bpfjail*
			[ -z "$(pins)" ] || echo "CHECK-FAIL k $v $r: programs still pinned"
			if [ "$v" = unjailed ]; then
				# shellcheck disable=SC2046
				run k unjailed "$r" poisoned ok $(loop "$N" "$DEPTH")
			elif [ "$v" = empty ]; then
				[ -n "${BENCH_EMPTY_SYSENTER:-}" ] && with_empty "$BENCH_EMPTY_SYSENTER" k empty "$r"
			else
				# shellcheck disable=SC2046
				run k kill "$r" poisoned ok "$BJ" run "${KPOL[@]}" -- $(loop "$N" "$DEPTH")
			fi
		done
	done
fi
