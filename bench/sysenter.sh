#!/usr/bin/env bash
# bench/sysenter.sh: what bpfjail's tp_btf/sys_enter program (kill mode and
# syscall-entry audit, for kernels without BPF LSM) costs, on this host.
#
# 1. getpid: a C loop of syscall(SYS_getpid) (bench/getpid_loop.c) in a
#    process that is NOT jailed, with
#      none      nothing attached to sys_enter
#      empty     an empty tp_btf/sys_enter program (bench/empty_sysenter.bpf.c,
#                attached by bench/empty_sysenter.c)
#      bj-idle   bpfjail's bj_sys_enter attached, no table (nothing jailed)
#      bj-jail   bj_sys_enter attached and one process jailed elsewhere: a
#                syscall that is never judged leaves on its number, a judged
#                one on the caller's jailbits bit
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
# round). Each getpid figure is the best of BEST_OF runs; open-loop figures
# are single runs, CPU time = user+sys of the run (bpfjail's own included
# under `run`) minus that of a 1-iteration run, per iteration. Tables give
# medians over the rounds with min-max; ratios are of the CPU medians, with
# the range of the per-round ratios. CPU time is what the goals are judged
# on: this machine is shared and wall time moves with other load.
#
# It unloads bpfjail (`bpfjail unload --force`) between variants and at the
# end: every jail on the host ends. Root needed.
#
#   bench/sysenter.sh            defaults: 11 rounds, best of 3 x 1M getpid, 100k opens
#   ROUNDS=3 GETPID_N=500000 BEST_OF=2 OPEN_N=50000 bench/sysenter.sh
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
import glob, json, os, re, statistics, subprocess, sys, time

ROOT = sys.argv[1]
OUT = os.path.join(ROOT, "build", "bench")
BJ = os.path.join(ROOT, "build", "bpfjail")
VICTIM = os.path.join(ROOT, "build", "go", "victim")
ROUNDS = int(os.environ.get("ROUNDS", "11"))
GETPID_N = int(os.environ.get("GETPID_N", "1000000"))
BEST_OF = int(os.environ.get("BEST_OF", "3"))
OPEN_N = int(os.environ.get("OPEN_N", "100000"))
DEPTH = int(os.environ.get("DEPTH", "20"))
POL = ["--policy", "example.com/poisoned=confined"]
JAIL = [BJ, "run", "--mode", "kill", "--policy", "example.com/benchcold=confined", "--"]


def sh(*cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit(f"sysenter: {' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()}")
    return p


def getpid():
    """Best of BEST_OF runs: (wall ns, CPU ns) per call."""
    best = None
    for _ in range(BEST_OF):
        out = sh(os.path.join(OUT, "getpid_loop"), str(GETPID_N)).stdout
        m = re.search(r"ns_per_call=([\d.]+) cpu_ns_per_call=([\d.]+)", out)
        v = (float(m.group(1)), float(m.group(2)))
        if best is None or v[1] < best[1]:
            best = v
    return best



def open_loop(prefix=()):
    """(wall ns/iter from benchprog, CPU ns/iter, frames). CPU: the run's
    user+sys CPU (bpfjail's too, under run) minus that of a 1-iteration run,
    over N-1 iterations: start-up costs cancel out."""
    cpu = []
    for n in (OPEN_N, 1):
        pid = os.fork()
        if pid == 0:
            fd = os.open("/dev/null", os.O_WRONLY)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.execv(prefix[0] if prefix else os.path.join(OUT, "benchprog"),
                     [*prefix, os.path.join(OUT, "benchprog"), "open-loop", "/etc/passwd", str(n), str(DEPTH)]
                     if prefix else ["benchprog", "open-loop", "/etc/passwd", str(n), str(DEPTH)])
        _, status, ru = os.wait4(pid, 0)
        if status != 0:
            sys.exit(f"sysenter: open-loop {'under bpfjail run ' if prefix else ''}exited {status}")
        cpu.append(ru.ru_utime + ru.ru_stime)
    return (cpu[0] - cpu[1]) * 1e9 / (OPEN_N - 1)


def open_loop_wall(prefix=()):
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
        for _ in range(100):  # programs go after an RCU grace period
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
            dump = sh("bpftool", "-j", "map", "dump", "pinned", glob.glob("/sys/fs/bpf/bpfjail/*/maps/tables")[0]).stdout
            tables = sum(1 for e in json.loads(dump) if e["formatted"]["value"]["valid"])
            if (tables > 0) != (name == "bj-jail"):
                sys.exit(f"sysenter: {name}: {tables} tables")
        time.sleep(0.05)


def med(xs):
    return statistics.median(xs)


def spread(xs):
    return f"{min(xs):.0f}-{max(xs):.0f}" if max(xs) >= 100 else f"{min(xs):.1f}-{max(xs):.1f}"


st = State()
G = ("none", "empty", "bj-idle", "bj-jail")
O = ("unjailed", "unjailed-bj", "jailed")
wall = {k: [] for k in G + O}
cpu = {k: [] for k in G + O}
frames = set()
t0 = time.monotonic()
try:
    for r in range(ROUNDS):
        for name in G[r % 4:] + G[:r % 4]:
            st.set(name)
            w, c = getpid()
            wall[name].append(w)
            cpu[name].append(c)
            if name == "none":
                w, fr = open_loop_wall()
                wall["unjailed"].append(w)
                cpu["unjailed"].append(open_loop())
                frames.add(fr)
            elif name == "bj-jail":
                # adjacent pair, order alternating by round
                pair = [((), "unjailed-bj"), (tuple(JAIL), "jailed")]
                for prefix, k in (pair if r % 2 == 0 else pair[::-1]):
                    w, fr = open_loop_wall(prefix)
                    wall[k].append(w)
                    cpu[k].append(open_loop(prefix))
                    frames.add(fr)
        print(f"# round {r + 1}/{ROUNDS} (cpu ns): " + " ".join(f"{k}={v[-1]:.0f}" for k, v in cpu.items()), flush=True)
finally:
    st.none()


def table(keys, base, unit):
    print(f"| variant | CPU {unit} | wall {unit} | CPU vs {base} |")
    print("|---|---|---|---|")
    for k in keys:
        print(f"| {k} | {med(cpu[k]):.1f} [{spread(cpu[k])}] | {med(wall[k]):.1f} [{spread(wall[k])}] "
              f"| {med(cpu[k]) / med(cpu[base]):.3f}x |")


def ratio(a, b):
    pr = [x / y for x, y in zip(cpu[a], cpu[b])]
    return med(cpu[a]) / med(cpu[b]), min(pr), max(pr), med(pr)


print(f"\n## getpid, not jailed: ns per call, {ROUNDS} rounds, each the best of {BEST_OF} x {GETPID_N} calls "
      f"(median [min-max])")
table(G, "none", "ns/call")
g, lo, hi, mr = ratio("bj-jail", "empty")
print(f"\nbj-jail / empty (CPU) = {g:.3f}x (per-round ratios: median {mr:.3f}, {lo:.3f}-{hi:.3f}); "
      f"bj-jail - empty = {med(cpu['bj-jail']) - med(cpu['empty']):+.1f} ns, "
      f"empty - none = {med(cpu['empty']) - med(cpu['none']):+.1f} ns per syscall; "
      f"goal <= 1.10x: {'met' if g <= 1.10 else 'MISSED'}")
print(f"\n## open+close loop (Go, {sorted(frames)} frames at openat, one openat judged per iteration): "
      f"ns per iteration, {ROUNDS} rounds x {OPEN_N} (median [min-max])")
table(O, "unjailed", "ns/iter")
g2, lo, hi, mr = ratio("jailed", "unjailed")
g3, lo3, hi3, mr3 = ratio("jailed", "unjailed-bj")
print(f"\njailed / unjailed (CPU) = {g2:.3f}x (per-round {lo:.3f}-{hi:.3f}); jailed / unjailed-bj "
      f"(adjacent runs) = {g3:.3f}x (per-round median {mr3:.3f}, {lo3:.3f}-{hi3:.3f}); "
      f"jailed - unjailed = {med(cpu['jailed']) - med(cpu['unjailed']):+.0f} ns per judged openat; "
      f"goal <= 1.3x: {'met' if g2 <= 1.3 else 'MISSED'}")
print(f"# sysenter: {time.monotonic() - t0:.0f} s, loadavg after {open('/proc/loadavg').read().split()[:3]}")
PY
