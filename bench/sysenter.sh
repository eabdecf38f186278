#!/usr/bin/env bash
# bench/sysenter.sh: what bpfjail's tp_btf/sys_enter program (kill mode and
# syscall-entry audit, for kernels without BPF LSM) costs, on this host.
#
# 1. getpid: a C loop of syscall(SYS_getpid) (bench/getpid_loop.c) in a
#    process that is NOT jailed, with
#      none      nothing attached to sys_enter
#      empty     an empty tp_btf/sys_enter program (bench/empty_sysenter.bpf.c,
#                attached by bench/empty_sysenter.c)
#      bj-idle   bpfjail's bj_sys_enter attached, no table (nothing jailed:
#                it leaves after one array lookup)
#      bj-jail   bj_sys_enter attached and one process jailed elsewhere: every
#                syscall takes the task-storage "jailed?" path
#    goal: bj-jail within 1.10x of empty.
# 2. open+close: benchprog open-loop (bench/go, Go, ~25 frames deep, one
#    openat judged per iteration) with
#      unjailed     nothing attached
#      unjailed-bj  bj_sys_enter attached with a jail elsewhere (not this one)
#      jailed       `bpfjail run --mode kill --policy example.com/benchcold=confined`:
#                   the confined module is in the binary but never on the
#                   stack, so every openat is walked and allowed
#    goal: jailed at most 1.3x unjailed.
#
# Variants alternate inside each round (the order rotates from round to
# round); figures are medians over the rounds with min-max, ratios are of the
# medians, with the range of the per-round ratios.
#
# It unloads bpfjail (`bpfjail unload --force`) between variants and at the
# end: every jail on the host ends. Root needed.
#
#   bench/sysenter.sh            defaults: 7 rounds, 5M getpid, 200k opens
#   ROUNDS=3 GETPID_N=2000000 OPEN_N=100000 bench/sysenter.sh
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
OUT=$ROOT/build/bench
mkdir -p "$OUT"
[ "$(id -u)" = 0 ] || { echo "sysenter: needs root" >&2; exit 1; }

# ---- build ----------------------------------------------------------------
[ -x build/bpfjail ] || make -s >/dev/null || { echo "sysenter: make failed" >&2; exit 1; }
bash tests/go/build.sh >/dev/null || { echo "sysenter: tests/go/build.sh failed" >&2; exit 1; }
if [ ! -x "$OUT/benchprog" ] || [ -n "$(find bench/go tests/go/poisoned -newer "$OUT/benchprog" -type f -print -quit)" ]; then
	(cd bench/go && CGO_ENABLED=0 GOPROXY=off GOFLAGS="-mod=mod -buildvcs=false" GOWORK=off \
		GOCACHE=${GOCACHE:-$ROOT/build/go-cache} go build -o "$OUT/benchprog.tmp" .) &&
		mv -f "$OUT/benchprog.tmp" "$OUT/benchprog" || { echo "sysenter: building bench/go failed" >&2; exit 1; }
fi
LIBBPF_A=$(ls /usr/lib/"$(gcc -print-multiarch)"/libbpf.a 2>/dev/null | head -n 1)
if [ ! -x "$OUT/empty_sysenter" ] || [ bench/empty_sysenter.c -nt "$OUT/empty_sysenter" ] ||
	[ bench/empty_sysenter.bpf.c -nt "$OUT/empty_sysenter.bpf.o" ] || [ bench/getpid_loop.c -nt "$OUT/getpid_loop" ]; then
	clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -Ivmlinux -c bench/empty_sysenter.bpf.c \
		-o "$OUT/empty_sysenter.bpf.o" &&
		gcc -O2 -Wall -o "$OUT/empty_sysenter" bench/empty_sysenter.c "${LIBBPF_A:--lbpf}" -lelf -lz -lzstd &&
		gcc -O2 -Wall -o "$OUT/getpid_loop" bench/getpid_loop.c ||
		{ echo "sysenter: building the C helpers failed" >&2; exit 1; }
fi

echo "# sysenter: host $(uname -r), $(nproc) CPUs, loadavg before $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
exec python3 - "$ROOT" <<'PY'
import glob, os, re, statistics, subprocess, sys, time

ROOT = sys.argv[1]
OUT = os.path.join(ROOT, "build", "bench")
BJ = os.path.join(ROOT, "build", "bpfjail")
VICTIM = os.path.join(ROOT, "build", "go", "victim")
ROUNDS = int(os.environ.get("ROUNDS", "7"))
GETPID_N = int(os.environ.get("GETPID_N", "5000000"))
OPEN_N = int(os.environ.get("OPEN_N", "200000"))
DEPTH = int(os.environ.get("DEPTH", "20"))
POL = ["--policy", "example.com/poisoned=confined"]


def sh(*cmd, check=True):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and p.returncode != 0:
        sys.exit(f"sysenter: {' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()}")
    return p


def getpid():
    out = sh(os.path.join(OUT, "getpid_loop"), str(GETPID_N)).stdout
    return float(re.search(r"ns_per_call=([\d.]+)", out).group(1))


def open_loop(prefix=()):
    p = sh(*prefix, os.path.join(OUT, "benchprog"), "open-loop", "/etc/passwd", str(OPEN_N), str(DEPTH))
    m = re.search(r"frames=(\d+) .*ns_per_iter=([\d.]+) poisoned=(\w+)", p.stdout)
    if not m or m.group(3) != "ok":
        sys.exit(f"sysenter: bad open-loop output: {p.stdout!r} {p.stderr!r}")
    return float(m.group(2)), int(m.group(1))


def bj_progs():
    out = sh("bpftool", "prog", "show").stdout
    return len(re.findall(r": tracing\s+name (bj_sys_enter|empty_sys_enter)", out))


class State:
    """What is attached to sys_enter: none, empty, bj-idle, bj-jail."""

    def __init__(self):
        self.empty = None
        self.sleeper = None

    def none(self):
        if self.empty:
            self.empty.stdin.close()
            self.empty.wait()
            self.empty = None
        if self.sleeper:
            self.sleeper.kill()
            self.sleeper.wait()
            self.sleeper = None
        sh(BJ, "unload", "--force")
        for _ in range(50):  # programs go after an RCU grace period
            if bj_progs() == 0:
                return
            time.sleep(0.05)
        sys.exit("sysenter: a sys_enter program is still loaded after unload")

    def set(self, name):
        self.none()
        if name == "empty":
            self.empty = subprocess.Popen([os.path.join(OUT, "empty_sysenter"),
                                           os.path.join(OUT, "empty_sysenter.bpf.o")],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            if self.empty.stdout.readline().strip() != "attached":
                sys.exit("sysenter: empty_sysenter did not attach")
        elif name in ("bj-idle", "bj-jail"):
            self.sleeper = subprocess.Popen([VICTIM, "sleep", "3600"], stdout=subprocess.DEVNULL)
            time.sleep(0.05)
            sh(BJ, "attach", "--mode", "kill", *POL, str(self.sleeper.pid))
            if name == "bj-idle":  # loaded, nothing jailed: no table
                sh(BJ, "detach", str(self.sleeper.pid))
            gen = sh("bpftool", "-j", "map", "dump", "pinned", glob.glob("/sys/fs/bpf/bpfjail/*/maps/gen")[0]).stdout
            tables = int(re.search(r'"tables":\s*(\d+)', gen).group(1))
            if (tables > 0) != (name == "bj-jail"):
                sys.exit(f"sysenter: {name}: {tables} tables")


def med(xs):
    return statistics.median(xs)


st = State()
res = {k: [] for k in ("none", "empty", "bj-idle", "bj-jail", "unjailed", "unjailed-bj", "jailed")}
frames = set()
order = ["none", "empty", "bj-idle", "bj-jail"]
t0 = time.monotonic()
try:
    for r in range(ROUNDS):
        rot = order[r % 4:] + order[:r % 4]
        for name in rot:
            st.set(name)
            res[name].append(getpid())
            if name == "none":
                ns, fr = open_loop()
                res["unjailed"].append(ns)
                frames.add(fr)
            elif name == "bj-jail":
                ns, fr = open_loop()
                res["unjailed-bj"].append(ns)
                ns, fr = open_loop((BJ, "run", "--mode", "kill", "--policy", "example.com/benchcold=confined", "--"))
                res["jailed"].append(ns)
                frames.add(fr)
        print(f"# round {r + 1}/{ROUNDS}: " + " ".join(f"{k}={v[-1]:.0f}" for k, v in res.items()), flush=True)
finally:
    st.none()

print(f"\n## getpid: ns per call, {ROUNDS} rounds x {GETPID_N} calls (median [min-max])")
print(f"| variant | ns/call | vs none | vs empty |")
print(f"|---|---|---|---|")
for k in ("none", "empty", "bj-idle", "bj-jail"):
    v = res[k]
    print(f"| {k} | {med(v):.1f} [{min(v):.1f}-{max(v):.1f}] | {med(v) / med(res['none']):.3f}x "
          f"| {med(v) / med(res['empty']):.3f}x |")
pr = [a / b for a, b in zip(res["bj-jail"], res["empty"])]
g1 = med(res["bj-jail"]) / med(res["empty"])
print(f"\nbj-jail / empty = {g1:.3f}x (per-round ratios {min(pr):.3f}-{max(pr):.3f}); "
      f"bj-jail - empty = {med(res['bj-jail']) - med(res['empty']):+.1f} ns per syscall; "
      f"goal <= 1.10x: {'met' if g1 <= 1.10 else 'MISSED'}")

print(f"\n## open+close loop (Go, {sorted(frames)} frames at openat): ns per iteration, "
      f"{ROUNDS} rounds x {OPEN_N} (median [min-max])")
print(f"| variant | ns/iter | vs unjailed |")
print(f"|---|---|---|")
for k in ("unjailed", "unjailed-bj", "jailed"):
    v = res[k]
    print(f"| {k} | {med(v):.0f} [{min(v):.0f}-{max(v):.0f}] | {med(v) / med(res['unjailed']):.3f}x |")
pr = [a / b for a, b in zip(res["jailed"], res["unjailed"])]
g2 = med(res["jailed"]) / med(res["unjailed"])
print(f"\njailed / unjailed = {g2:.3f}x (per-round ratios {min(pr):.3f}-{max(pr):.3f}); "
      f"goal <= 1.3x: {'met' if g2 <= 1.3 else 'MISSED'}")
print(f"# sysenter: {time.monotonic() - t0:.0f} s, loadavg after {open('/proc/loadavg').read().split()[:3]}")
PY
