#!/usr/bin/env bash
# bench/enforce.sh: what enforcement costs, measured inside the BPF LSM test
# VM (this host's kernel refuses BPF LSM programs) in one boot, variants
# alternated round by round. Under TCG absolute times mean little: read the
# ratios. See bench/README.md for what each test measures.
#
#   bench/enforce.sh            all tests (one VM boot, about 2.5-3 minutes)
#   BENCH_ONLY="a" bench/enforce.sh      only test a (+b); "d", "c", "k" likewise
#   bench/enforce.sh --summary [LOG]     summarize a saved log again (no VM)
#
# Knobs (passed to the guest, see bench/enforce-vm.sh): BENCH_ITERS,
# BENCH_ROUNDS, BENCH_D_ROUNDS, BENCH_C_ROUNDS, BENCH_DEPTH, BENCH_STRACE_DIV,
# BENCH_NREQ, BENCH_NFILES, BENCH_ONLY; BENCH_VM_TIMEOUT (default 420 s).
# The raw log is kept in build/bench/enforce.log.
# Exit status: 0 ran (goals missed or not: the table says), 1 a run was
# invalid (CHECK-FAIL) or the VM failed.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
OUT=$ROOT/build/bench
mkdir -p "$OUT"
LOGFILE=$OUT/enforce.log
if [ "${1:-}" = --summary ]; then # re-read a saved log: no VM
	LOGFILE=${2:-$LOGFILE}
	[ -s "$LOGFILE" ] || { echo "enforce: no log $LOGFILE" >&2; exit 1; }
else

# ---- build: bpfjail-static (vmrun runs make static), victim, benchprog ----
bash tests/go/build.sh >/dev/null || { echo "enforce: tests/go/build.sh failed" >&2; exit 1; }
if [ ! -x "$OUT/benchprog" ] || [ -n "$(find bench/go tests/go/poisoned -newer "$OUT/benchprog" -type f -print -quit)" ]; then
	(cd bench/go && CGO_ENABLED=0 GOPROXY=off GOFLAGS="-mod=mod -buildvcs=false" GOWORK=off \
		GOCACHE=${GOCACHE:-$ROOT/build/go-cache} go build -o "$OUT/benchprog.tmp" .) &&
		mv -f "$OUT/benchprog.tmp" "$OUT/benchprog" || { echo "enforce: building bench/go failed" >&2; exit 1; }
fi
# Test d's floor: an empty lsm/file_open program and the loader that attaches it.
LIBBPF_A=${LIBBPF_A:-$(ls /usr/lib/x86_64-linux-gnu/libbpf.a 2>/dev/null)}
if [ ! -x "$OUT/empty_sysenter" ] || [ bench/empty_sysenter.c -nt "$OUT/empty_sysenter" ] ||
	[ bench/empty_lsm.bpf.c -nt "$OUT/empty_lsm.bpf.o" ] || [ ! -s "$OUT/empty_lsm.bpf.o" ] ||
	[ bench/empty_sysenter.bpf.c -nt "$OUT/empty_sysenter.bpf.o" ] || [ ! -s "$OUT/empty_sysenter.bpf.o" ]; then
	clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -Ivmlinux -c bench/empty_lsm.bpf.c \
		-o "$OUT/empty_lsm.bpf.o" &&
		clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -Ivmlinux -c bench/empty_sysenter.bpf.c \
		-o "$OUT/empty_sysenter.bpf.o" &&
		gcc -O2 -Wall -o "$OUT/empty_sysenter" bench/empty_sysenter.c "${LIBBPF_A:--lbpf}" -lelf -lz -lzstd ||
		{ echo "enforce: building the empty LSM program failed" >&2; exit 1; }
fi
adds=(--add "$OUT/benchprog" --add build/go/victim --add bench/enforce-vm.sh
	--add "$OUT/empty_sysenter" --add "$OUT/empty_lsm.bpf.o" --add "$OUT/empty_sysenter.bpf.o")
if command -v strace >/dev/null 2>&1; then
	adds+=(--add "$(command -v strace)")
else
	echo "enforce: strace not installed (scripts/install-deps.sh): test b skipped" >&2
fi
envs=(--env "BENCH_PROG=$OUT/benchprog" --env "BENCH_VICTIM=$ROOT/build/go/victim"
	--env "BENCH_ATTACH=$OUT/empty_sysenter" --env "BENCH_EMPTY_LSM=$OUT/empty_lsm.bpf.o"
	--env "BENCH_EMPTY_SYSENTER=$OUT/empty_sysenter.bpf.o")
for v in BENCH_ITERS BENCH_ROUNDS BENCH_D_ROUNDS BENCH_C_ROUNDS BENCH_K_ROUNDS BENCH_DEPTH \
	BENCH_STRACE_DIV BENCH_NREQ BENCH_NFILES BENCH_ONLY; do
	[ -n "${!v:-}" ] && envs+=(--env "$v=${!v}")
done

# The guest's clock. icount (default): QEMU counts guest instructions and
# the guest clock advances 1 ns per instruction (-icount shift=0,sleep=off, one
# vCPU): deterministic, immune to host load; a "ns" is an instruction. real:
# TCG with 2 vCPUs on the host's clock, as the VM tier runs: noisy.
clock=${BENCH_CLOCK:-icount}
case $clock in
icount)
	export BPFJAIL_VM_CPUS=${BPFJAIL_VM_CPUS:-1}
	export BPFJAIL_VM_QEMU_ARGS="${BPFJAIL_VM_QEMU_ARGS:-} -icount shift=0,sleep=off"
	;;
real) ;;
*) echo "enforce: BENCH_CLOCK must be icount or real, not '$clock'" >&2; exit 2 ;;
esac
envs+=(--env "BENCH_CLOCK=$clock")

echo "# enforce: host $(uname -r), $(nproc) CPUs, loadavg before $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
t0=$(date +%s)
scripts/vmrun --timeout "${BENCH_VM_TIMEOUT:-420}" "${adds[@]}" "${envs[@]}" -- \
	bash "$ROOT/bench/enforce-vm.sh" 2>&1 | tee "$LOGFILE" | grep --line-buffered -v '^RESULT '
rc=${PIPESTATUS[0]}
echo "# enforce: VM run took $(($(date +%s) - t0)) s (exit $rc), host loadavg after $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$rc" -ne 0 ]; then
	echo "enforce: the VM run failed (exit $rc); raw log in $OUT/enforce.log" >&2
	exit 1
fi
fi

python3 - "$LOGFILE" <<'EOF'
import re, statistics, sys
from collections import defaultdict

runs = defaultdict(dict)          # (test, variant) -> {round: {key: value}}
fails = []
for line in open(sys.argv[1], errors="replace"):
    line = line.strip()
    if line.startswith("CHECK-FAIL"):
        fails.append(line)
    if not line.startswith("RESULT "):
        continue
    _, test, variant, rnd, *kv = line.split()
    d = {}
    for w in kv:
        if "=" in w:
            k, v = w.split("=", 1)
            try:
                d[k] = float(v)
            except ValueError:
                d[k] = v
    if int(rnd) > 0:              # round 0 is the warm-up
        runs[(test, variant)][int(rnd)] = d

def vals(test, variant, key):
    r = runs.get((test, variant), {})
    return {k: v[key] for k, v in r.items() if isinstance(v.get(key), float)}

def fmt_spread(xs):
    m = statistics.median(xs)
    return f"{m:10.0f}  {min(xs):10.0f} {max(xs):10.0f}  {100 * (max(xs) - min(xs)) / m:5.1f}%"

print()
clock = "real"
for line in open(sys.argv[1], errors="replace"):
    if line.startswith("# enforce-vm:") and "clock icount" in line:
        clock = "icount"
unit = "ns = guest instructions (icount)" if clock == "icount" else "ns of TCG wall time"
print(f"per variant, clock {clock}: {unit}; absolute values say nothing about real hardware")
print(f"{'test':4} {'variant':17} {'metric':12} {'n':>2} {'median':>10}  {'min':>10} {'max':>10}  spread")
metric = {"a": "ns_per_iter", "d": "ns_per_iter", "c": "total_ms", "k": "ns_per_iter"}
for (test, variant) in sorted(runs, key=lambda x: ("dack".index(x[0]), x[1])):
    for key in [metric[test]] + (["walk_ms", "http_ms"] if test == "c" else []) + ["wall_ms"]:
        xs = list(vals(test, variant, key).values())
        if xs:
            print(f"{test:4} {variant:17} {key:12} {len(xs):2} {fmt_spread(xs)}")

def ratio(test, num, den, key):
    a, b = vals(test, num, key), vals(test, den, key)
    common = sorted(set(a) & set(b))
    if not common:
        return None
    per = [a[r] / b[r] for r in common]
    med = statistics.median(a.values()) / statistics.median(b.values())
    return statistics.median(per), min(per), max(per), med, len(per)

def frames_of(variant, test="a"):
    fr = [v.get("phys_frames") for v in runs.get((test, variant), {}).values()]
    return "%.0f" % fr[0] if fr and isinstance(fr[0], float) else "?"

deep, shallow = frames_of("fp"), frames_of("shallow-fp")
if deep == "?":
    deep = frames_of("kill", "k")
rows = [
    ("a", "fp", "unjailed", "ns_per_iter", 1.3, f"open+close, {deep} frames: jailed, --stack-walk fp / unjailed"),
    ("a", "kernel", "unjailed", "ns_per_iter", None, f"  the same, --stack-walk kernel (the reference walk, opt-in) / unjailed"),
    ("a", "allow-all", "unjailed", "ns_per_iter", None, "  jailed, every class granted (hooks run, no walk) / unjailed"),
    ("a", "compare", "unjailed", "ns_per_iter", None, "  jailed, --stack-walk compare (fp walk + kernel walk) / unjailed"),
    ("a", "shallow-fp", "shallow-unjailed", "ns_per_iter", None, f"  open+close, {shallow} frames: jailed fp / unjailed"),
    ("b", "strace", "unjailed", "ns_per_iter", None, "strace -f --seccomp-bpf -e trace=openat / unjailed"),
    ("c", "jailed", "unjailed", "total_ms", 1.05, "walk+hash a tree, HTTP to itself: jailed / unjailed"),
    ("c", "jailed", "unjailed", "walk_ms", None, "  its walk+hash phase"),
    ("c", "jailed", "unjailed", "http_ms", None, "  its HTTP phase"),
    ("d", "after", "before", "ns_per_iter", 1.02, "open+close, unjailed process: jails loaded / nothing loaded"),
    ("d", "empty", "before", "ns_per_iter", None, "  the floor: an empty lsm/file_open program / nothing loaded"),
    ("d", "after", "empty", "ns_per_iter", None, "  bpfjail's unjailed path over that floor"),
    ("k", "kill", "unjailed", "ns_per_iter", 1.3, f"open+close, {deep} frames: kill mode (sys_enter), jailed / nothing loaded"),
    ("k", "empty", "unjailed", "ns_per_iter", None, "  the floor: an empty tp_btf/sys_enter program / nothing loaded"),
    ("k", "kill", "empty", "ns_per_iter", None, "  kill mode over that floor"),
]
print()
print("summary: ratio = median of per-round ratios [min-max over rounds]; 'of medians' = median/median")
print(f"{'test':4} {'ratio':>6} {'[min - max]':>15} {'of medians':>10} {'n':>2}  {'goal':>6}  {'':4}  what")
missed = 0
for test, num, den, key, goal, what in rows:
    r = ratio("a" if test == "b" else test, num, den, key)
    if r is None:
        print(f"{test:4} {'-':>6} {'':15} {'':10} {'':2}  {'':6}  {'':4}  {what} (not measured)")
        continue
    med, lo, hi, om, n = r
    verdict = ""
    if goal:
        verdict = "ok" if med <= goal else "MISS"
        missed += verdict == "MISS"
    print(f"{test:4} {med:6.3f} [{lo:6.3f} - {hi:6.3f}] {om:10.3f} {n:2}  {('<= %.2f' % goal) if goal else '':>6}  {verdict:4}  {what}")

# Where the time goes (test a): per guarded call (one file_open per iteration).
def med(test, variant, key="ns_per_iter"):
    xs = list(vals(test, variant, key).values())
    return statistics.median(xs) if xs else None

u, fp, kr, al, cm, su, sf = (med("a", v) for v in
                             ("unjailed", "fp", "kernel", "allow-all", "compare", "shallow-unjailed", "shallow-fp"))
if None not in (u, fp, kr, al):
    print()
    print(f"where the time goes (test a, medians per open+close, {unit}; one guarded hook, file_open, per iteration):")
    print(f"  unjailed loop                            {u:8.0f}")
    print(f"  + LSM hooks find the process jailed      {al - u:+8.0f}   allow-all - unjailed (nothing guarded: no walk)")
    print(f"  + fp walk with range lookups             {fp - al:+8.0f}   fp - allow-all")
    print(f"  + kernel walk with range lookups         {kr - al:+8.0f}   kernel - allow-all")
    if cm is not None:
        look = (kr - al) - (cm - fp)
        print(f"    bpf_get_task_stack + compare loop      {cm - fp:+8.0f}   compare - fp")
        print(f"    range lookups (kernel mode's loop)     {look:+8.0f}   (kernel - allow-all) - (compare - fp)")
        if (fp - al) - look > 0:
            print(f"    fp walk without the lookups, about     {(fp - al) - look:+8.0f}   (fp - allow-all) - lookups")
        else:
            # The fp walk's own lookups are cheaper than kernel mode's loop,
            # so this difference would be negative: no estimate to give.
            print(f"    fp walk without the lookups            not separable: kernel mode's lookups alone cost more than the fp walk")
    if su and sf and deep != "?" and shallow != "?" and deep != shallow:
        df = float(deep) - float(shallow)
        per = ((fp - u) - (sf - su)) / df
        print(f"  fp cost per frame                        {per:+8.1f}   from {deep} vs {shallow} physical frames")
        print(f"  fp fixed cost (hook, copy, verdict)      {(sf - su) - per * float(shallow):+8.0f}   (shallow-fp - shallow-unjailed) - {shallow} frames")
rd = ratio("d", "after", "before", "ns_per_iter")
ra = ratio("a", "fp", "unjailed", "ns_per_iter")
rk = ratio("a", "kernel", "unjailed", "ns_per_iter")
if rd and ra and rk:
    print()
    print(f"test a's unjailed runs have the programs attached (d: x{rd[0]:.3f} for that alone); against a machine")
    print(f"with nothing loaded, jailed fp is about x{ra[0] * rd[0]:.2f} and jailed kernel about x{rk[0] * rd[0]:.2f} (a x d)")
if fails:
    print()
    print(f"{len(fails)} INVALID run(s):")
    for f in fails:
        print("  " + f)
    sys.exit(1)
print()
print(f"{missed} goal(s) missed" if missed else "all goals met")
EOF
