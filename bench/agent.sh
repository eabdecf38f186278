#!/usr/bin/env bash
# bench/agent.sh: what a running `bpfjail agent` costs on this host (kill
# mode: no BPF LSM here; the exec path is what is measured).
#
# 1. exec latency of binaries the agent does NOT select: fork+exec+wait4 of
#    /bin/true and of a small static Go program (tests/go/tiny), N=2000 per
#    variant per round, by bench/exec_loop.c:
#      none    nothing of bpfjail in the kernel (`bpfjail unload --force`)
#      agent   `bpfjail agent` running in kill mode with one policy (a path
#              glob) and its one binary preloaded: the programs attached,
#              one table live (so bj_sys_enter takes its "jailed?" path on
#              every syscall of the host)
#    Steady state: each agent variant execs every binary first (warm-up,
#    untimed), so its NOMATCH verdict is in the kernel's `binaries` map and
#    no exec is held (checked: bpfjail_exec_holds_total does not move during
#    the timed loops). Goal: agent at most 1.05x none.
#    Cold: the first exec of a never-seen binary is held (SIGSTOP) until the
#    agent judges it. Fresh copies (new inodes) of /bin/true and tiny, first
#    exec timed alone, in both variants (none: the same fresh-copy first exec,
#    nothing held).
# 2. exec latency of a MATCHING binary, for scale: a copy of tests/go/victim
#    selected by the glob (confining example.com/poisoned), running
#    `self-open-read /etc/hostname` (allowed: main module), N=400; jailed at
#    exec under the agent (checked: `open-read` through poisoned is killed),
#    unjailed under none.
# 3. memory per loaded binary table: a fresh agent whose glob selects
#    DIR/mem/m-*, then 1, 10, 50 distinct copies of the victim (each a file
#    of its own) created and preloaded: SIGHUP makes the agent reload and
#    judge what the glob matches now (preload() in user/agent/agent.c).
#    Not by a first exec: a held exec of a selected binary crashes this
#    agent (see bench/README.md). At 0, 1, 10, 50: the agent's VmRSS, RssAnon,
#    RssFile, VmHWM (/proc/PID/status); the kernel side: live tables and
#    their range counts (the pinned `tables` map), bytes_memlock of every
#    bpfjail map (the pinned maps and the per-table `bj_events` ring buffers,
#    from bpftool).
#
# Variants alternate inside each round (the order rotates: none first in
# even rounds, agent first in odd ones; the binaries' order rotates too).
# The agent is started afresh for each agent variant and everything is
# unloaded for each none variant. Figures: per exec, median over ROUNDS
# rounds [min-max]; ratios are of the medians, with the range of the
# per-round ratios (each round's agent over the same round's none). CPU =
# the child's user+sys (wait4) + the loop's own (fork, wait); the agent's
# own CPU over the timed loops is printed separately.
#
# It stops every process it starts (by pid), removes its temp dir and ends
# with `bpfjail unload --force` (every jail on the host ends). Root needed.
# Not part of `make test`. About 70 s.
#
#   bench/agent.sh                       defaults: 7 rounds, N=2000, 400 matching
#   ROUNDS=3 N=1000 NMATCH=200 COLD=1 bench/agent.sh
#   BPFJAIL=build-bench/bpfjail bench/agent.sh
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
[ "$(id -u)" = 0 ] || { echo "agent: needs root" >&2; exit 1; }
BPFJAIL=${BPFJAIL:-$ROOT/build/bpfjail}
case $BPFJAIL in /*) ;; *) BPFJAIL=$ROOT/$BPFJAIL ;; esac
if [ ! -x "$BPFJAIL" ]; then
	[ "$BPFJAIL" = "$ROOT/build/bpfjail" ] && make -s >/dev/null
	[ -x "$BPFJAIL" ] || { echo "agent: $BPFJAIL missing (make, or set BPFJAIL)" >&2; exit 1; }
fi
command -v bpftool >/dev/null || { echo "agent: bpftool not found" >&2; exit 1; }
command -v go >/dev/null || { echo "agent: go not found (golang-go)" >&2; exit 1; }

TMP=$(mktemp -d /tmp/bpfjail-bench-agent.XXXXXX) || exit 1
chmod 0755 "$TMP" # root's, not group/other-writable: the agent trusts it
trap 'rm -rf "$TMP"' EXIT
mkdir -m 0755 "$TMP/bin" "$TMP/pol" "$TMP/polmem" "$TMP/mem" "$TMP/cold" "$TMP/go"

# ---- build (into the temp dir) ----------------------------------------------
gcc -O2 -Wall -o "$TMP/exec_loop" bench/exec_loop.c || { echo "agent: building exec_loop failed" >&2; exit 1; }
export CGO_ENABLED=0 GOPROXY=off GOFLAGS="-mod=mod -buildvcs=false" GOWORK=off
case $(go env GOCACHE 2>/dev/null) in "" | off) export GOCACHE=$ROOT/build/go-cache ;; esac
for p in tiny victim; do
	(cd "tests/go/$p" && go build -o "$TMP/go/$p" .) || { echo "agent: go build tests/go/$p failed" >&2; exit 1; }
done

echo "# agent: host $(uname -r), $(nproc) CPUs, loadavg before $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
python3 - "$ROOT" "$BPFJAIL" "$TMP" <<'PY'
import glob, json, os, re, shutil, signal, socket, statistics, subprocess, sys, time
import urllib.error, urllib.request

ROOT, BJ, TMP = sys.argv[1:4]
ROUNDS = int(os.environ.get("ROUNDS", "7"))
N = int(os.environ.get("N", "2000"))
NMATCH = int(os.environ.get("NMATCH", "400"))
COLD = int(os.environ.get("COLD", "2"))          # fresh copies per binary per variant per round
MEM_STEPS = [int(x) for x in os.environ.get("MEM_STEPS", "0 1 10 50").split()]
LOOP = os.path.join(TMP, "exec_loop")
BIN = os.path.join(TMP, "bin")
TINY = os.path.join(BIN, "tiny")
VICTIM = os.path.join(BIN, "jail-victim")
HOSTNAME = "/etc/hostname"
MOD = "example.com/poisoned"
PIN_ROOT = "/sys/fs/bpf/bpfjail"
T0 = time.monotonic()

for src, dst in ((os.path.join(TMP, "go", "tiny"), TINY), (os.path.join(TMP, "go", "victim"), VICTIM)):
    shutil.copy(src, dst)
    os.chmod(dst, 0o755)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


PORT = free_port()


def write_config(name, poldir, globs):
    cfg = os.path.join(TMP, name)
    with open(cfg, "w") as f:
        f.write(f"metrics:\n  listen: 127.0.0.1:{PORT}\nevents:\n  output: {TMP}/events.jsonl\n"
                f"  burst: unlimited\npolicy_dir: {poldir}\ndefaults:\n  mode: kill\n")
    os.chmod(cfg, 0o600)
    pol = os.path.join(poldir, "10-bench.yaml")
    with open(pol, "w") as f:
        f.write("select:\n" + "".join(f"  - path: {g}\n" for g in globs) +
                f"policy:\n  modules:\n    {MOD}: confined\n")
    os.chmod(pol, 0o644)
    return cfg


CFG = write_config("agent.yaml", os.path.join(TMP, "pol"), [f"{BIN}/jail-*"])
CFG_MEM = write_config("agent-mem.yaml", os.path.join(TMP, "polmem"), [f"{TMP}/mem/m-*"])

# Fresh copies for the cold (first-exec) figures, made now so that no inode
# is freed and reused during the run (a reused inode would carry a verdict).
cold = {"true": [], "tiny": []}
for r in range(ROUNDS):
    for v in ("none", "agent"):
        for i in range(COLD):
            for k, src in (("true", "/bin/true"), ("tiny", TINY)):
                dst = os.path.join(TMP, "cold", f"{k}-{r}-{v}-{i}")
                shutil.copy(src, dst)
                os.chmod(dst, 0o755)
                cold[k].append(dst)
cold_iter = {k: iter(v) for k, v in cold.items()}


def sh(*cmd, check=True, timeout=60):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    if check and p.returncode != 0:
        sys.exit(f"agent: {' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()}")
    return p


def loop(n, *argv):
    """exec_loop: {wall, cpu, child, self, max} in ns per exec."""
    p = sh(LOOP, str(n), *argv, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"exec_loop {n} {' '.join(argv)}: {p.stderr.strip()}")
    d = dict(kv.split("=") for kv in p.stdout.split())
    return {"wall": float(d["wall_ns"]), "cpu": float(d["cpu_ns"]), "child": float(d["child_cpu_ns"]),
            "self": float(d["self_cpu_ns"]), "max": float(d["max_wall_ns"])}


def run_rc(*argv):
    return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, timeout=30).returncode


def http_get(path, timeout=2):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}{path}", timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""
    except (OSError, ValueError):
        return 0, ""


def metric_sum(name, **labels):
    st, body = http_get("/metrics")
    if st != 200:
        return None
    tot = 0.0
    for line in body.splitlines():
        m = re.match(r'^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$', line)
        if not m or m.group(1) != name:
            continue
        lab = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(lab.get(k) == v for k, v in labels.items()):
            tot += float(m.group(3))
    return tot


def bj_progs():
    out = sh("bpftool", "prog", "show").stdout
    return len(re.findall(r"name bj_\w+", out))


class Agent:
    def __init__(self, cfg):
        self.err = os.path.join(TMP, "agent.err")
        self.p = subprocess.Popen([BJ, "agent", "--config", cfg], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=open(self.err, "ab"))
        end = time.monotonic() + 20
        while time.monotonic() < end:
            if self.p.poll() is not None:
                break
            st, body = http_get("/healthz", 1)
            if st == 200 and body == "ok\n":
                return
            time.sleep(0.05)
        self.stop()
        sys.exit(f"agent: the agent did not become healthy: {open(self.err).read()[-2000:]}")

    def cpu_ns(self):
        with open(f"/proc/{self.p.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1e9 / os.sysconf("SC_CLK_TCK")

    def status(self):
        out = {}
        with open(f"/proc/{self.p.pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                    out[k] = int(v.split()[0])
        return out

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


agent = None


def teardown():
    global agent
    if agent:
        agent.stop()
        agent = None
    sh(BJ, "unload", "--force")
    for _ in range(100):  # programs go after an RCU grace period
        if bj_progs() == 0:
            return
        time.sleep(0.05)
    sys.exit("agent: bpfjail programs still loaded after unload --force")


def set_variant(v, cfg=CFG):
    global agent
    teardown()
    if v == "agent":
        agent = Agent(cfg)


def med(xs):
    return statistics.median(xs)


KINDS = ("true", "tiny", "match")
ARGV = {"true": ["/bin/true"], "tiny": [TINY], "match": [VICTIM, "self-open-read", HOSTNAME]}
NK = {"true": N, "tiny": N, "match": NMATCH}
res = {(k, v): [] for k in KINDS for v in ("none", "agent")}
coldres = {(k, v, w): [] for k in ("true", "tiny") for v in ("none", "agent") for w in ("first", "second")}
agent_cpu = []  # (agent's CPU ns, wall ns) over each agent variant's timed loops
holds_moved = []
mem = []

try:
    for r in range(ROUNDS):
        order = ("none", "agent") if r % 2 == 0 else ("agent", "none")
        for v in order:
            set_variant(v)
            # Warm-up (untimed): every binary's first exec (held under the
            # agent), the page cache, exec_loop itself.
            for k in KINDS:
                loop(20, *ARGV[k])
            rc = run_rc(VICTIM, "open-read", HOSTNAME)
            want = -signal.SIGKILL if v == "agent" else 0
            if rc != want:
                sys.exit(f"agent: {v}: 'jail-victim open-read' exited {rc}, want {want} "
                         f"({'jailed' if v == 'agent' else 'unjailed'})")
            h0 = metric_sum("bpfjail_exec_holds_total") if v == "agent" else None
            ks = list(KINDS[r % 3:] + KINDS[:r % 3])
            c0, w0 = (agent.cpu_ns() if agent else 0), time.monotonic()
            for k in ks:
                res[(k, v)].append(loop(NK[k], *ARGV[k]))
            if agent:
                agent_cpu.append((agent.cpu_ns() - c0, (time.monotonic() - w0) * 1e9))
            if v == "agent":
                holds_moved.append(metric_sum("bpfjail_exec_holds_total") - h0)
            for _ in range(COLD):
                for k in ("true", "tiny"):
                    path = next(cold_iter[k])
                    coldres[(k, v, "first")].append(loop(1, path))
                    coldres[(k, v, "second")].append(loop(1, path))
        print(f"# round {r + 1}/{ROUNDS} (CPU us/exec): " + " ".join(
            f"{k}:{v}={res[(k, v)][-1]['cpu'] / 1e3:.0f}" for k in KINDS for v in ("none", "agent")) +
            f"; cold true/tiny first exec under the agent (ms): "
            f"{coldres[('true', 'agent', 'first')][-1]['wall'] / 1e6:.2f}/"
            f"{coldres[('tiny', 'agent', 'first')][-1]['wall'] / 1e6:.2f}", flush=True)

    # ---- 3: memory per loaded table ---------------------------------------
    set_variant("agent", CFG_MEM)
    for k in KINDS:  # the warm-up execs of the other binaries, as above
        loop(5, *ARGV[k])
    pin = glob.glob(f"{PIN_ROOT}/*/maps")
    if len(pin) != 1:
        sys.exit(f"agent: pinned maps: {pin}")
    pin = pin[0]

    def kernel_side():
        maps = {}
        for f in sorted(os.listdir(pin)):
            j = json.loads(sh("bpftool", "-j", "map", "show", "pinned", os.path.join(pin, f)).stdout)
            maps[j["id"]] = j
        for j in json.loads(sh("bpftool", "-j", "map", "show").stdout):
            if j.get("name") == "bj_events":
                maps[j["id"]] = j
        tabs = json.loads(sh("bpftool", "-j", "map", "dump", "pinned", os.path.join(pin, "tables")).stdout)
        live = [e["formatted"]["value"] if "formatted" in e else e["value"] for e in tabs]
        live = [t for t in live if isinstance(t, dict) and t.get("valid")]
        return {
            "memlock": sum(m.get("bytes_memlock", 0) for m in maps.values()),
            "rings": sum(1 for m in maps.values() if m.get("name") == "bj_events"),
            "ring_memlock": sum(m.get("bytes_memlock", 0) for m in maps.values() if m.get("name") == "bj_events"),
            "tables": len(live),
            "ranges": sorted(t["range_cnt"] for t in live),
            "sizes": {m["name"]: (m.get("bytes_key"), m.get("bytes_value"), m.get("max_entries"))
                      for m in maps.values()},
        }

    kernel_side()  # bpftool's own first exec is held: before the baseline
    made = 0
    for step in MEM_STEPS:
        while made < step:
            made += 1
            path = os.path.join(TMP, "mem", f"m-{made:03d}")
            shutil.copy(VICTIM, path)
            os.chmod(path, 0o755)
        # SIGHUP: reload, and preload() judges what the glob matches now (a
        # first exec would be held instead; see the README for why not).
        t = time.monotonic()
        agent.p.send_signal(signal.SIGHUP)
        end = t + 20
        while metric_sum("bpfjail_binaries_loaded") != step and time.monotonic() < end:
            time.sleep(0.02)
        dt = time.monotonic() - t
        time.sleep(0.3)
        loaded = metric_sum("bpfjail_binaries_loaded")
        if loaded != step:
            sys.exit(f"agent: memory step {step}: bpfjail_binaries_loaded = {loaded} (agent exit "
                     f"{agent.p.poll()}: {open(agent.err).read()[-1500:]})")
        mem.append((step, agent.status(), kernel_side(), dt))
        print(f"# memory: {step} tables: agent {mem[-1][1]}, kernel memlock "
              f"{mem[-1][2]['memlock'] / 1024:.0f} KiB, SIGHUP to loaded {dt * 1e3:.0f} ms", flush=True)
    if made and run_rc(os.path.join(TMP, "mem", "m-001"), "open-read", HOSTNAME) != -signal.SIGKILL:
        sys.exit("agent: memory: m-001 open-read was not killed (not jailed?)")
finally:
    teardown()

# ---- report ---------------------------------------------------------------------


def us(x):
    return f"{x / 1e3:.0f}" if x >= 1e5 else f"{x / 1e3:.1f}"


def rng(xs):
    return f"{us(min(xs))}-{us(max(xs))}"


print(f"\n## exec latency, us per exec: {ROUNDS} rounds x N per variant (median [min-max])")
print("| binary | N | variant | CPU | wall | ratio CPU | ratio wall |")
print("|---|---|---|---|---|---|---|")
summary = {}
for k in KINDS:
    for v in ("none", "agent"):
        c = [x["cpu"] for x in res[(k, v)]]
        w = [x["wall"] for x in res[(k, v)]]
        if v == "none":
            print(f"| {k} | {NK[k]} | none | {us(med(c))} [{rng(c)}] | {us(med(w))} [{rng(w)}] | | |")
            continue
        cn = [x["cpu"] for x in res[(k, "none")]]
        wn = [x["wall"] for x in res[(k, "none")]]
        rc = [a / b for a, b in zip(c, cn)]
        rw = [a / b for a, b in zip(w, wn)]
        gc, gw = med(c) / med(cn), med(w) / med(wn)
        summary[k] = (gc, min(rc), max(rc), gw, min(rw), max(rw))
        print(f"| {k} | {NK[k]} | agent | {us(med(c))} [{rng(c)}] | {us(med(w))} [{rng(w)}] | "
              f"**{gc:.3f}x** [{min(rc):.3f}-{max(rc):.3f}] | "
              f"{gw:.3f}x [{min(rw):.3f}-{max(rw):.3f}] |")
for k in ("true", "tiny"):
    gc, lo, hi, gw, wlo, whi = summary[k]
    print(f"{k} (not selected): agent / none = {gc:.3f}x CPU (per round {lo:.3f}-{hi:.3f}), {gw:.3f}x wall "
          f"(per round {wlo:.3f}-{whi:.3f}); goal <= 1.05x: {'met' if gc <= 1.05 else 'MISSED'} (CPU), "
          f"{'met' if gw <= 1.05 else 'MISSED'} (wall)")
gc, lo, hi, gw, wlo, whi = summary["match"]
print(f"match (jailed under the agent): {gc:.3f}x CPU, {gw:.3f}x wall (no goal)")
print(f"exec holds during the timed loops: {holds_moved} (0: steady state, every verdict cached)")
ac, aw = sum(c for c, _ in agent_cpu), sum(w for _, w in agent_cpu)
print(f"the agent process's own CPU over the timed loops: {ac / 1e6:.0f} ms in {aw / 1e9:.1f} s "
      f"({100 * ac / aw:.2f} %; time-driven: heartbeat, gauges; /proc ticks of 10 ms)")

print(f"\n## first exec of a never-seen binary (fresh copy, new inode), ms wall: median [min-max] of "
      f"{len(coldres[('true', 'agent', 'first')])}")
print("| binary | variant | first exec | second exec | first - second |")
print("|---|---|---|---|---|")


def ms(x):
    return f"{x / 1e6:.2f}"


for k in ("true", "tiny"):
    for v in ("none", "agent"):
        f = [x["wall"] for x in coldres[(k, v, "first")]]
        s = [x["wall"] for x in coldres[(k, v, "second")]]
        print(f"| {k} | {v} | {ms(med(f))} [{ms(min(f))}-{ms(max(f))}] | {ms(med(s))} [{ms(min(s))}-{ms(max(s))}] "
              f"| {ms(med(f) - med(s))} |")
print("\n## memory per loaded binary table (distinct copies of the victim, preloaded by the glob at SIGHUP)")
print("| tables | agent VmRSS KiB | RssAnon | RssFile | VmHWM | kernel tables | ranges per table "
      "| bj_events rings | bpfjail maps memlock KiB | SIGHUP to loaded |")
print("|---|---|---|---|---|---|---|---|---|---|")
for step, st, ks, dt in mem:
    rr = ks["ranges"]
    print(f"| {step} | {st.get('VmRSS')} | {st.get('RssAnon')} | {st.get('RssFile')} | {st.get('VmHWM')} | "
          f"{ks['tables']} | {(str(rr[0]) if rr and rr[0] == rr[-1] else (f'{rr[0]}-{rr[-1]}' if rr else '-'))} "
          f"| {ks['rings']} | {ks['memlock'] / 1024:.0f} | {dt * 1e3:.0f} ms |")
if len(mem) >= 2 and mem[-1][0] > mem[0][0]:
    (n0, s0, k0, _), (n1, s1, k1, _) = mem[0], mem[-1]
    d = n1 - n0
    sizes = k1["sizes"]
    tv = sizes.get("tables", (0, 0, 0))[1] or 0
    rv = sizes.get("ranges", (0, 0, 0))[1] or 0
    nr = med(k1["ranges"]) if k1["ranges"] else 0
    print(f"per table ({n0} -> {n1}): agent VmRSS {(s1['VmRSS'] - s0['VmRSS']) / d:.0f} KiB "
          f"(RssAnon {(s1['RssAnon'] - s0['RssAnon']) / d:.0f}, RssFile {(s1['RssFile'] - s0['RssFile']) / d:.0f}), "
          f"VmHWM {(s1['VmHWM'] - s0['VmHWM']) / d:.0f} KiB; kernel: memlock "
          f"{(k1['memlock'] - k0['memlock']) / 1024 / d:.1f} KiB (of which the bj_events ring "
          f"{(k1['ring_memlock'] - k0['ring_memlock']) / 1024 / d:.1f} KiB), plus slots in the preallocated "
          f"arrays: 1 x {tv} B (tables) + {nr:.0f} x {rv} B (ranges) = {(tv + nr * rv) / 1024:.1f} KiB "
          f"(no new memory: `tables` and `ranges` are ARRAYs, their memlock is fixed)")
    print("map sizes (key B, value B, max_entries): " +
          ", ".join(f"{n} {v}" for n, v in sorted(sizes.items()) if n != "bj_events"))
print(f"# agent: {time.monotonic() - T0:.0f} s, loadavg after {open('/proc/loadavg').read().split()[:3]}")
PY
rc=$?
exit $rc
