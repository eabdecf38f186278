#!/usr/bin/env bash
# bench/attach.sh: how long `bpfjail attach` takes on a running 45 MB Go
# binary (buf 1.75.0, 58 519 functions, from scripts/fetch-go-binaries.sh)
# until enforcement is in force, i.e. until the command returns: the jail is
# in the pinned maps by then. Goal: under 150 ms with the programs pinned.
#
# buf runs as `buf lsp serve` (the language server waits on its stdin, which
# the benchmark keeps open); BUF_STOP=1 instead starts `buf --help` and stops
# it with SIGSTOP right after exec. Kill mode (this host has no BPF LSM).
# Variants, alternated inside each round (order rotating), detach between
# runs (not timed):
#   warm-1     programs pinned, --policy google.golang.org/protobuf=confined
#   warm-all   programs pinned, a YAML policy with `default: confined`
#              (every third-party module: the biggest table)
#   cold-1     first-time load: `bpfjail unload --force` first (not timed),
#              so attach loads and pins the programs, then as warm-1
#   inspect    for scale: `bpfjail -j inspect buf` (reads the whole binary)
# Figures: wall time of the command as a caller sees it (fork+exec
# included), median [min-max] over ROUNDS rounds (default 15).
#
# It ends with `bpfjail unload --force` (every jail on the host ends).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
[ "$(id -u)" = 0 ] || { echo "attach: needs root" >&2; exit 1; }
[ -x build/bpfjail ] || make -s >/dev/null || { echo "attach: make failed" >&2; exit 1; }
if ! bash scripts/fetch-go-binaries.sh buf-1.75.0 >/dev/null; then
	echo "attach: cannot fetch buf (scripts/fetch-go-binaries.sh buf-1.75.0 needs npm and the registry)" >&2
	exit 1
fi
BUF=${BPFJAIL_CACHE:-$ROOT/.cache}/npm/buf-1.75.0
echo "# attach: host $(uname -r), $(nproc) CPUs, loadavg before $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
exec python3 - "$ROOT" "$BUF" <<'PY'
import json, os, signal, statistics, subprocess, sys, tempfile, time

ROOT, BUF = sys.argv[1], sys.argv[2]
BJ = os.path.join(ROOT, "build", "bpfjail")
ROUNDS = int(os.environ.get("ROUNDS", "15"))
ONE = ["--policy", "google.golang.org/protobuf=confined"]
yml = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
yml.write("main_module: github.com/bufbuild/buf\ndefault: confined\n")
yml.close()
ALL = ["--policy-file", yml.name]


def sh(*cmd):
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return (time.perf_counter() - t) * 1e3, p


def must(*cmd):
    ms, p = sh(*cmd)
    if p.returncode != 0:
        sys.exit(f"attach: {' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()}")
    return ms, p


if os.environ.get("BUF_STOP") == "1":
    buf = subprocess.Popen([BUF, "--help"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.kill(buf.pid, signal.SIGSTOP)  # Popen returns after a successful exec
else:
    buf = subprocess.Popen([BUF, "lsp", "serve"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
time.sleep(0.5)
if buf.poll() is not None:
    sys.exit(f"attach: buf exited at once ({buf.returncode}); try BUF_STOP=1")
pid = str(buf.pid)
with open(f"/proc/{pid}/stat") as f:
    state = f.read().rsplit(")", 1)[1].split()[0]
print(f"# buf {os.path.getsize(BUF) / 1e6:.1f} MB, PID {pid} (state {state})")


def attach(pol, cold=False):
    if cold:
        must(BJ, "unload", "--force")
        time.sleep(0.05)
    ms, p = must(BJ, "attach", "--mode", "kill", *pol, pid)
    # Enforcement in force: the jail is in the pinned maps once attach returns.
    lst = {o["pid"]: o for o in json.loads(must(BJ, "list", "-j")[1].stdout)}
    if lst.get(int(pid), {}).get("mode") != "kill":
        sys.exit(f"attach: PID {pid} not jailed after attach: {lst}")
    must(BJ, "detach", pid)
    return ms, p.stdout


variants = {
    "warm-1": lambda: attach(ONE)[0],
    "warm-all": lambda: attach(ALL)[0],
    "cold-1": lambda: attach(ONE, cold=True)[0],
    "inspect": lambda: must(BJ, "-j", "inspect", BUF)[0],
}
_, out1 = attach(ONE)  # warm the page cache, load the programs once
_, outall = attach(ALL)
print(f"# warm-1: {out1.split('range(s)')[0].rsplit(',', 1)[1].strip()} ranges; "
      f"warm-all: {outall.split('range(s)')[0].rsplit(',', 1)[1].strip()} ranges, "
      f"{len(outall.split('confined:', 1)[1].split())} confined modules")
res = {k: [] for k in variants}
names = list(variants)
t0 = time.monotonic()
try:
    for r in range(ROUNDS):
        for k in names[r % len(names):] + names[:r % len(names)]:
            res[k].append(variants[k]())
finally:
    buf.kill()
    buf.wait()
    sh(BJ, "unload", "--force")
    os.unlink(yml.name)

print(f"\n## bpfjail attach to buf: wall ms, {ROUNDS} rounds (median [min-max], p25-p75)")
print("| variant | ms | p25-p75 |")
print("|---|---|---|")
for k in names:
    v = sorted(res[k])
    q = statistics.quantiles(v, n=4) if len(v) >= 2 else [v[0]] * 3
    print(f"| {k} | {statistics.median(v):.0f} [{v[0]:.0f}-{v[-1]:.0f}] | {q[0]:.0f}-{q[2]:.0f} |")
for k in ("warm-1", "warm-all"):
    m = statistics.median(res[k])
    print(f"{k}: goal < 150 ms: {'met' if m < 150 else 'MISSED'} ({m:.0f} ms)")
print(f"# attach: {time.monotonic() - t0:.0f} s, loadavg after {open('/proc/loadavg').read().split()[:3]}")
PY
