#!/usr/bin/env python3
"""attach / detach / list / unload, and run's kill and audit modes, on this
host's kernel (no BPF LSM: tp_btf/sys_enter judges; enforce mode is tested in
the VM tier, tests/vm/attach.sh).

The victims are long-running Go programs (tests/go/victim/serve.go):
  victim serve                    runs one SPEC per stdin line, prints "R SPEC => RESULT"
  victim loop MS MAIN CONF        runs MAIN every MS ms ("L N main => ..."), and CONF
                                  too once a line arrives on stdin ("L N conf => ...")
so a test decides exactly when the confined module
(example.com/poisoned, "p ...") and the main module ("self ...") act.

Bad input: each case must exit with the status of user/bpfjail.h (2 usage or
policy mismatch, 4 not Go, 5 no BPF LSM, 6 process errors), print exactly one
"bpfjail: ..." line on stderr, and leave the kernel state as it was (jailed
processes, live tables, table metadata files).

At the end every victim is killed, every jail made here is gone, and
`bpfjail unload --force` removes the pinned programs: a pinned sys_enter
program runs on every syscall of the host. Run by tests/host/attach.sh."""
import glob
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib import BPFJAIL, GO_OUT, LineReader, Report, oneline, run  # noqa: E402

R = Report()
POLICY = ["--policy", "example.com/poisoned=confined"]
VICTIM = os.path.join(GO_OUT, "victim")
PIN_ROOT = "/sys/fs/bpf/bpfjail"
MAIN_OP = "self open-read /etc/passwd"
CONF_OP = "p open-read /etc/passwd"
victims = []
tmpdir = tempfile.mkdtemp(prefix="bpfjail-attach.")


def bj(*args, timeout=60):
    return run([BPFJAIL, *args], timeout=timeout)


class Victim(LineReader):
    """A Go victim with pipes; lines read with a deadline."""

    def __init__(self, argv, name=None):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        self.name = name or os.path.basename(argv[0])
        self.buf = b""
        self.lines = []
        victims.append(self)
        first = self.readline(10)
        m = re.match(r"pid (\d+)$", first or "")
        if not m:
            raise RuntimeError(f"{self.name}: no 'pid N' line, got {first!r}")
        self.pid = int(m.group(1))

    def readline(self, timeout=5):
        """Next stdout line (kept in self.lines), or None at EOF or timeout."""
        s = super().readline(timeout)
        if s is not None:
            self.lines.append(s)
        return s

    def send(self, line):
        try:
            self.p.stdin.write((line + "\n").encode())
            self.p.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False

    def do(self, spec, timeout=5):
        """serve: run SPEC, return its RESULT (None if no answer: died?)."""
        if not self.send(spec):
            return None
        prefix = f"R {spec} => "
        while True:  # skip what children print on the shared stdout
            line = self.readline(timeout)
            if line is None:
                return None
            if line.startswith(prefix):
                return line[len(prefix):]
            if line.startswith("R "):
                return f"?? {line}"

    def wait(self, timeout=5):
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stderr(self):
        if self.p.poll() is None:
            return ""
        return self.p.stderr.read().decode("utf-8", "replace")

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def jails():
    """{pid: entry} of `bpfjail list -j`."""
    r = bj("list", "-j")
    if r.rc != 0:
        raise RuntimeError(r.brief())
    return {o["pid"]: o for o in json.loads(r.out)}


def pin_dir():
    d = glob.glob(PIN_ROOT + "/*/maps/jails")
    return os.path.dirname(os.path.dirname(d[0])) if d else None


def kstate():
    """What a failed attach must not change: jailed PIDs (from the pinned
    jails map), the live-table count (valid entries of the tables map) and the
    table metadata files.
    Not through `bpfjail list`, which also garbage-collects tables."""
    d = pin_dir()
    if not d:
        return ("nothing pinned",)
    r = run(["bpftool", "-j", "map", "dump", "pinned", d + "/maps/jails"])
    pids = sorted(e["formatted"]["key"] if "formatted" in e else bytes(int(b, 16) for b in e["key"])
                  for e in json.loads(r.out or "[]")) if r.rc == 0 else r.brief()
    r = run(["bpftool", "-j", "map", "dump", "pinned", d + "/maps/tables"])
    tables = sum(1 for e in json.loads(r.out) if e["formatted"]["value"]["valid"]) if r.rc == 0 else r.brief()
    meta = sorted(os.path.basename(f) for f in glob.glob("/run/bpfjail/%s/table-*" % os.path.basename(d)))
    return pids, tables, meta


def bj_progs():
    """IDs of loaded BPF programs named bj_*. Programs of a failed load are
    freed after an RCU grace period: wait (1 s at most) until there are as
    many as pinned links."""
    d = pin_dir()
    nlinks = len(os.listdir(d + "/links")) if d and os.path.isdir(d + "/links") else 0
    for _ in range(20):
        r = run(["bpftool", "-j", "prog", "show"])
        ids = sorted(p["id"] for p in json.loads(r.out or "[]") if p.get("name", "").startswith("bj_"))
        if len(ids) == nlinks:
            break
        time.sleep(0.05)
    return ids


def attach(pid, *args, mode="kill"):
    return bj("attach", "--mode", mode, *POLICY, *args, str(pid))


def exited_by_sigkill(v, timeout=5):
    rc = v.wait(timeout)
    return rc == -signal.SIGKILL, rc


# ---------------------------------------------------------------------------


def test_kill_loop():
    """Loop victim: main's op every 100 ms; attach in kill mode; main keeps
    working; the first confined op kills it."""
    name = "attach kill"
    v = Victim([VICTIM, "loop", "100", MAIN_OP, CONF_OP])
    for _ in range(2):
        line = v.readline()
        if line is None or not line.endswith("main => ok"):
            R.notok(f"{name}: victim runs unjailed", f"got {line!r}")
            return
    r = attach(v.pid)
    if r.rc != 0:
        R.notok(f"{name}: exit 0", r.brief())
        return
    want = f"attached to PID {v.pid} ({VICTIM}): mode kill, "
    if r.out.startswith(want) and r.out.rstrip().endswith("confined: example.com/poisoned"):
        R.ok(f"{name}: exit 0, prints what it attached")
    else:
        R.notok(f"{name}: exit 0, prints what it attached", f"stdout {r.out!r}")
    j = jails().get(v.pid)
    if j and j["mode"] == "kill" and j["confined"] == ["example.com/poisoned"] and j["exe"] == VICTIM \
            and j["state"] == "active" and j["policy"] == "--policy example.com/poisoned=confined" \
            and j["command"] == "attach":
        R.ok(f"{name}: list -j shows the jail after attach has exited (pinned)")
    else:
        R.notok(f"{name}: list -j shows the jail after attach has exited (pinned)", f"entry {j}")
    # Main's ops keep succeeding while jailed: three more iterations.
    n_after = 0
    for _ in range(3):
        line = v.readline()
        if line and re.match(r"L \d+ main => ok$", line):
            n_after += 1
    if n_after == 3:
        R.ok(f"{name}: main module's ops succeed in the jail")
    else:
        R.notok(f"{name}: main module's ops succeed in the jail", f"lines {v.lines[-4:]}")
    v.send("go")
    killed, rc = exited_by_sigkill(v)
    rest = []
    while True:
        line = v.readline(1)
        if line is None:
            break
        rest.append(line)
    conf_lines = [x for x in v.lines if " conf => " in x]
    if killed and not conf_lines:
        R.ok(f"{name}: the first confined op kills the process (SIGKILL, no op result)")
    else:
        R.notok(f"{name}: the first confined op kills the process (SIGKILL, no op result)",
                f"exit {rc}, conf lines {conf_lines}, stderr {v.stderr()!r}")
    if v.pid not in jails():
        R.ok(f"{name}: the exited process is removed from the jails")
    else:
        R.notok(f"{name}: the exited process is removed from the jails", f"{jails()[v.pid]}")


def serve_kill(name, binary, *, deleted=False, replaced=False):
    """serve victim from binary: attach in kill mode, main op ok, confined op kills."""
    path = binary
    if deleted or replaced:
        path = os.path.join(tmpdir, os.path.basename(binary) + (".del" if deleted else ".repl"))
        shutil.copy(binary, path)
    v = Victim([path, "serve"], name)
    if v.do(MAIN_OP) != "ok":
        R.notok(f"{name}: victim runs", f"lines {v.lines}")
        return
    if deleted:
        os.unlink(path)
    if replaced:
        # A new file (a non-Go program) under the same name: attach must
        # read the running binary through /proc/PID/exe, not the path.
        tmp = path + ".new"
        shutil.copy("/bin/true", tmp)
        os.rename(tmp, path)
    r = attach(v.pid)
    if r.rc != 0:
        R.notok(f"{name}: attach exits 0", r.brief())
        v.kill()
        return
    R.ok(f"{name}: attach exits 0")
    if deleted:
        exe = jails().get(v.pid, {}).get("exe", "")
        if exe == path + " (deleted)":
            R.ok(f"{name}: list shows the deleted exe")
        else:
            R.notok(f"{name}: list shows the deleted exe", f"exe {exe!r}")
    res = v.do(MAIN_OP)
    if res == "ok":
        R.ok(f"{name}: main op succeeds after attach")
    else:
        R.notok(f"{name}: main op succeeds after attach", f"result {res!r}")
    res = v.do(CONF_OP)
    killed, rc = exited_by_sigkill(v)
    if killed and res is None:
        R.ok(f"{name}: confined op kills the process")
    else:
        R.notok(f"{name}: confined op kills the process", f"result {res!r}, exit {rc}, stderr {v.stderr()!r}")


def test_children_and_threads():
    """Every thread and every child forked after attach is jailed."""
    name = "attach kill: children"
    v = Victim([VICTIM, "serve"], name)
    r = attach(v.pid)
    if r.rc != 0:
        R.notok(f"{name}: attach", r.brief())
        v.kill()
        return
    # A child (fork + exec of /proc/self/exe): main's op works there...
    res = v.do("self reexec self-open-read /etc/passwd", timeout=10)
    if res and res.startswith("exit 0 pid "):
        R.ok(f"{name}: a child's main-module op succeeds")
    else:
        R.notok(f"{name}: a child's main-module op succeeds", f"result {res!r}")
    # ...and the confined module's op kills the child, not the parent.
    res = v.do("self reexec open-read /etc/passwd", timeout=10)
    if res and res.startswith("exit -1 pid "):
        R.ok(f"{name}: a child forked after attach is jailed (killed by its confined op)")
    else:
        R.notok(f"{name}: a child forked after attach is jailed (killed by its confined op)",
                f"result {res!r}")
    # A goroutine the confined module starts (may run on any thread).
    res = v.do("p go self open-read /etc/passwd")
    killed, rc = exited_by_sigkill(v)
    if killed and res is None:
        R.ok(f"{name}: the confined module's goroutine is judged on its thread (killed)")
    else:
        R.notok(f"{name}: the confined module's goroutine is judged on its thread (killed)",
                f"result {res!r}, exit {rc}")


def test_threads_all():
    """Threads that existed before attach: run the confined op on many
    goroutines at once (several OS threads); the process dies."""
    name = "attach kill: threads"
    v = Victim([VICTIM, "serve"], name)
    nthreads = len(os.listdir(f"/proc/{v.pid}/task"))
    r = attach(v.pid)
    if r.rc != 0:
        R.notok(f"{name}: attach", r.brief())
        v.kill()
        return
    tids_before = set(os.listdir(f"/proc/{v.pid}/task"))
    res = v.do("p go p open-read /etc/passwd")
    killed, rc = exited_by_sigkill(v)
    if killed and res is None:
        R.ok(f"{name}: a process with {nthreads} threads at attach time dies at the confined op")
    else:
        R.notok(f"{name}: a process with {nthreads} threads at attach time dies at the confined op",
                f"result {res!r}, exit {rc}, threads {sorted(tids_before)}")


def test_audit_detach():
    name = "attach audit"
    v = Victim([VICTIM, "loop", "50", MAIN_OP, CONF_OP], name)
    v.readline()
    r = attach(v.pid, mode="audit")
    if r.rc != 0:
        R.notok(f"{name}: exit 0", r.brief())
        v.kill()
        return
    if "mode audit" in r.out and "warning: BPF LSM is not usable" in r.err:
        R.ok(f"{name}: exit 0, mode audit (sys_enter, with a warning)")
    else:
        R.notok(f"{name}: exit 0, mode audit (sys_enter, with a warning)", f"out {r.out!r} err {r.err!r}")
    v.send("go")

    def conf_results(n, timeout=5):
        got, end = [], time.monotonic() + timeout
        while len(got) < n and time.monotonic() < end:
            line = v.readline(timeout)
            if line is None:
                break
            m = re.match(r"L \d+ conf => (.*)$", line)
            if m:
                got.append(m.group(1))
        return got

    got = conf_results(3)
    if got == ["ok"] * 3:
        R.ok(f"{name}: confined ops succeed (nothing denied)")
    else:
        R.notok(f"{name}: confined ops succeed (nothing denied)", f"results {got}, stderr {v.stderr()!r}")
    a1 = jails().get(v.pid, {})
    conf_results(3)
    a2 = jails().get(v.pid, {})
    if a1.get("audited", 0) > 0 and a2.get("audited", 0) > a1["audited"] and a2.get("denied") == 0 \
            and a2.get("mode") == "audit":
        R.ok(f"{name}: list -j 'audited' grows ({a1['audited']} -> {a2['audited']}), denied 0")
    else:
        R.notok(f"{name}: list -j 'audited' grows, denied 0", f"{a1} then {a2}")
    # Text list: one row for the pid.
    r = bj("list")
    row = [x for x in r.out.splitlines() if x.split()[:1] == [str(v.pid)]]
    if r.rc == 0 and r.out.startswith("PID ") and len(row) == 1 and "example.com/poisoned" in row[0] \
            and " audit " in row[0]:
        R.ok(f"{name}: list (text) shows pid, mode, confined modules")
    else:
        R.notok(f"{name}: list (text) shows pid, mode, confined modules", f"rc {r.rc} out {r.out!r}")

    r = bj("detach", str(v.pid))
    if r.rc == 0 and r.out.strip() == f"detached PID {v.pid}" and v.pid not in jails():
        R.ok("detach: exit 0, the process leaves the list")
    else:
        R.notok("detach: exit 0, the process leaves the list", r.brief())
    st = kstate()
    got = conf_results(3)
    st2 = kstate()
    if got == ["ok"] * 3 and v.p.poll() is None and v.pid not in (st2[0] if len(st2) == 3 else []):
        R.ok("detach: ops keep succeeding, no jail entry comes back")
    else:
        R.notok("detach: ops keep succeeding, no jail entry comes back", f"results {got}, state {st} {st2}")
    v.p.stdin.close()
    if v.wait(5) != 0:
        R.notok(f"{name}: victim exits 0 at EOF", f"exit {v.p.returncode}")
    # Detached in kill mode too: the confined op no longer kills (a serve
    # victim: nothing confined runs between attach and detach).
    v = Victim([VICTIM, "serve"], "detach kill")
    r = attach(v.pid, mode="kill")
    res1 = v.do(MAIN_OP)
    r2 = bj("detach", str(v.pid))
    res2 = v.do(CONF_OP)
    if r.rc == 0 and r2.rc == 0 and res1 == "ok" and res2 == "ok" and v.p.poll() is None:
        R.ok("detach: a kill-mode jail detached no longer kills")
    else:
        R.notok("detach: a kill-mode jail detached no longer kills",
                f"attach {r.brief()} detach {r2.brief()} results {res1!r} {res2!r}")
    v.kill()


def test_exit_removes():
    name = "jailed process exits"
    v = Victim([VICTIM, "serve"], name)
    r = attach(v.pid, mode="audit")
    present = v.pid in jails()
    v.p.stdin.close()
    rc = v.wait(5)
    before = kstate()
    gone = v.pid not in before[0] if len(before) == 3 else False
    if r.rc == 0 and present and rc == 0 and gone:
        R.ok(f"{name}: it is removed from the jails map")
    else:
        R.notok(f"{name}: it is removed from the jails map", f"attach {r.brief()} present {present} rc {rc} {before}")
    jails()  # list collects the unused table
    after = kstate()
    if len(after) == 3 and after[1] == before[1] - 1:
        R.ok(f"{name}: its table is freed by the next list ({before[1]} -> {after[1]})")
    else:
        R.notok(f"{name}: its table is freed by the next list", f"{before} -> {after}")


def test_policy_sources():
    """go.mod and YAML policies; list names where the policy came from."""
    name = "attach: policy sources"
    gomod = os.path.join(tmpdir, "go.mod")
    with open(gomod, "w") as f:
        f.write("module example.com/victim\n\ngo 1.19\n\nrequire example.com/poisoned v0.0.0 // gomodjail:confined\n")
    yml = os.path.join(tmpdir, "policy.yaml")
    with open(yml, "w") as f:
        f.write("modules:\n  example.com/poisoned:\n    policy: confined\n")
    for opt, path in (("--go-mod", gomod), ("--policy-file", yml)):
        v = Victim([VICTIM, "serve"], name)
        r = bj("attach", "--mode", "kill", opt, path, str(v.pid))
        j = jails().get(v.pid, {})
        res = v.do(CONF_OP)
        killed, rc = exited_by_sigkill(v)
        if r.rc == 0 and j.get("policy") == f"{opt} {path}" and j.get("confined") == ["example.com/poisoned"] \
                and killed and res is None:
            R.ok(f"{name}: {opt}: confined op killed, list policy '{opt} FILE'")
        else:
            R.notok(f"{name}: {opt}: confined op killed, list policy '{opt} FILE'",
                    f"{r.brief()} list {j} result {res!r} exit {rc}")


def test_concurrent():
    """Attaches running at the same time get distinct tables, and each victim
    is judged by its own mode (even PIDs' attach: kill, odd: audit)."""
    name = "concurrent attaches"
    problems = []
    for rnd in range(3):
        vs = [Victim([VICTIM, "serve"], f"{name} {i}") for i in range(8)]
        modes = ["kill" if i % 2 == 0 else "audit" for i in range(8)]
        atts = [subprocess.Popen([BPFJAIL, "attach", "--mode", m, *POLICY, str(v.pid)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for v, m in zip(vs, modes)]
        rcs = [a.wait(30) for a in atts]
        for a in atts:
            a.stdout.close()
            a.stderr.close()
        lst = jails()
        tables = [lst.get(v.pid, {}).get("table") for v in vs]
        if rcs != [0] * 8:
            problems.append(f"round {rnd}: attach exit statuses {rcs}")
        if len(set(tables)) != 8:
            problems.append(f"round {rnd}: table ids {tables} (shared)")
        for v, m in zip(vs, modes):
            res = v.do(CONF_OP)
            rc = v.wait(1)
            if (m == "kill") != (rc == -signal.SIGKILL):
                problems.append(f"round {rnd}: PID {v.pid} attached --mode {m}: result {res!r}, exit {rc}, "
                                f"list mode {lst.get(v.pid, {}).get('mode')}")
            v.kill()
        jails()  # free the tables
        if problems:
            break
    if problems:
        R.notok(f"{name}: distinct tables, each victim judged by its own mode", "; ".join(problems))
    else:
        R.ok(f"{name}: distinct tables, each victim judged by its own mode (3 rounds of 8)")


def test_pin_reuse():
    """Programs are loaded once: a second attach / run loads none."""
    v = Victim([VICTIM, "serve"], "reuse")
    progs = bj_progs()
    r = bj("-v", "attach", "--mode", "kill", *POLICY, str(v.pid))
    progs2 = bj_progs()
    if r.rc == 0 and not re.search(r"loaded \d+ programs", r.err) and progs == progs2 and progs:
        R.ok(f"pins: a second attach loads no programs ({len(progs)} bj_* programs, same IDs)")
    else:
        R.notok("pins: a second attach loads no programs", f"{r.brief()} progs {progs} -> {progs2}")
    bj("detach", str(v.pid))
    v.kill()


def test_run_modes():
    base = [*POLICY, "--", VICTIM]
    r = bj("run", "--mode", "kill", *base, "open-read")
    R.eq("run --mode kill: confined op kills (exit 137)", 137, r.rc)
    if "msg=killed" in r.err and "module=example.com/poisoned" in r.err:
        R.ok("run --mode kill: logs msg=killed with the module")
    else:
        R.notok("run --mode kill: logs msg=killed with the module", f"stderr {r.err!r}")
    r = bj("run", "--mode", "kill", *base, "self-open-read")
    if r.rc == 0 and r.out.startswith("ok self-open-read"):
        R.ok("run --mode kill: main module's op succeeds")
    else:
        R.notok("run --mode kill: main module's op succeeds", r.brief())
    r = bj("run", "--mode", "audit", *base, "open-read")
    wb = [x for x in r.err.splitlines() if "msg=would-block" in x]
    if r.rc == 0 and r.out.startswith("ok open-read") and len(wb) == 1 and "op=openat" in wb[0] \
            and "module=example.com/poisoned" in wb[0]:
        R.ok("run --mode audit: op succeeds, one msg=would-block line")
    else:
        R.notok("run --mode audit: op succeeds, one msg=would-block line", f"{r.brief()} stderr {r.err!r}")
    r = bj("run", *base, "open-read")
    warn = [x for x in r.err.splitlines() if x.startswith("bpfjail: warning:")]
    if r.rc == 137 and len(warn) == 1 and "kill mode" in warn[0]:
        R.ok("run (auto) without BPF LSM: kill mode, one warning line")
    else:
        R.notok("run (auto) without BPF LSM: kill mode, one warning line", f"{r.brief()} stderr {r.err!r}")
    marker = os.path.join(tmpdir, "must-not-exist")
    r = bj("run", "--require", "enforce", *base, "self-open-write", marker)
    lines = r.err.strip().splitlines()
    if r.rc == 5 and not os.path.exists(marker) and not r.out and len(lines) == 1 \
            and lines[0].startswith("bpfjail: "):
        R.ok("run --require enforce: exit 5, one error line, the program does not run")
    else:
        R.notok("run --require enforce: exit 5, one error line, the program does not run",
                f"{r.brief()} marker exists {os.path.exists(marker)}")
    r = bj("run", "--require", "enforce", "--mode", "kill", *base, "self-open-read")
    R.eq("run --require enforce --mode kill: exit 2 (conflict)", 2, r.rc)


def test_first_load():
    """Fresh state (nothing pinned): the first run loads the programs, a
    second one reuses them ('loaded N programs' only the first time)."""
    r = bj("unload")
    if r.rc != 0:
        R.skip("pins: first run loads, second reuses", f"cannot unload (another jail exists?): {r.brief()}")
        return False
    if os.path.exists(PIN_ROOT) and os.listdir(PIN_ROOT):
        R.notok("unload: removes the pins", f"{PIN_ROOT}: {os.listdir(PIN_ROOT)}")
    # The default mode (auto): on this kernel the first run finds BPF LSM
    # unusable and falls back to kill mode; later runs must not try again.
    args = ["-v", "run", *POLICY, "--", VICTIM, "self-open-read"]
    r1 = bj(*args)
    p1 = bj_progs()
    r2 = bj(*args)
    p2 = bj_progs()
    r3 = bj("-v", "run", "--mode", "kill", *POLICY, "--", VICTIM, "self-open-read")
    p3 = bj_progs()
    l1 = re.findall(r"loaded (\d+) programs", r1.err)
    if r1.rc == 0 and l1 and r2.rc == 0 and not re.search(r"loaded \d+ programs", r2.err) and \
            r3.rc == 0 and not re.search(r"loaded \d+ programs", r3.err) and p1 == p2 == p3 and p1:
        R.ok(f"pins: the first run loads ({', '.join(l1)} programs), a second run (auto, then kill) "
             f"loads none (same {len(p1)} program IDs)")
    else:
        R.notok("pins: first run loads, second reuses",
                f"first {r1.brief()} second {r2.brief()} third {r3.brief()} progs {p1} {p2} {p3}")
    return True


def bad(name, args, status, pid=None, pre=None):
    """A failing attach: status, one error line, nothing left behind."""
    before = kstate()
    r = bj(*args)
    after = kstate()
    lines = r.err.strip().splitlines()
    probs = []
    if r.rc != status:
        probs.append(f"exit {r.rc}, want {status}")
    if len(lines) != 1 or not lines[0].startswith("bpfjail: "):
        probs.append(f"stderr should be one 'bpfjail: ...' line: {r.err!r}")
    if r.out.strip():
        probs.append(f"stdout {r.out!r}")
    if before != after:
        probs.append(f"kernel state changed: {before} -> {after}")
    if probs:
        R.notok(f"attach bad input: {name}: exit {status}, one error line, nothing left", "; ".join(probs))
    else:
        R.ok(f"attach bad input: {name}: exit {status}, one error line, nothing left")
    return r


def test_bad_input():
    # No such process: a child that has been reaped.
    p = subprocess.Popen(["/bin/true"])
    p.wait()
    gone = p.pid
    if os.path.exists(f"/proc/{gone}"):
        R.skip("attach bad input: no such process", f"PID {gone} was reused at once")
    else:
        bad("no such process", ["attach", "--mode", "kill", *POLICY, str(gone)], 6)
    # A zombie: a Go victim that exited and that nobody reaped yet.
    z = subprocess.Popen([VICTIM, "exit", "0"])
    for _ in range(200):
        with open(f"/proc/{z.pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                break
        time.sleep(0.01)
    r = bad("zombie", ["attach", "--mode", "kill", *POLICY, str(z.pid)], 6)
    if "zombie" not in r.err:
        R.notok("attach bad input: zombie: says so", r.err)
    z.wait()
    r = bad("kernel thread (PID 2, kthreadd)", ["attach", "--mode", "kill", *POLICY, "2"], 6)
    if "kernel thread" not in r.err:
        R.notok("attach bad input: kernel thread: says so", r.err)
    # Not Go.
    s = subprocess.Popen(["/bin/sleep", "30"])
    victims_extra.append(s)
    bad("non-Go process (/bin/sleep)", ["attach", "--mode", "kill", *POLICY, str(s.pid)], 4)
    s.kill()
    s.wait()
    # bpfjail cannot attach to itself... nor to PID 1's non-Go init here.
    # A thread's ID is not a process: jails are per process.
    t = Victim([VICTIM, "serve"], "thread")
    tids = [int(x) for x in os.listdir(f"/proc/{t.pid}/task") if int(x) != t.pid]
    r = bad("a thread ID (not the process's)", ["attach", "--mode", "kill", *POLICY, str(tids[0])], 6)
    if str(t.pid) not in r.err:
        R.notok("attach bad input: thread ID: names the process", r.err)
    t.kill()
    bad("not a PID ('abc')", ["attach", "--mode", "kill", *POLICY, "abc"], 2)
    bad("not a PID ('0')", ["attach", "--mode", "kill", *POLICY, "0"], 2)
    bad("no PID", ["attach", "--mode", "kill", *POLICY], 2)
    v = Victim([VICTIM, "serve"], "bad-input")
    bad("no policy", ["attach", "--mode", "kill", str(v.pid)], 2)
    bad("bad --mode", ["attach", "--mode", "bogus", *POLICY, str(v.pid)], 2)
    gomod = os.path.join(tmpdir, "go.mod")
    with open(gomod, "w") as f:
        f.write("module example.com/other\n\ngo 1.19\n\nrequire example.com/poisoned v0.0.0 // gomodjail:confined\n")
    r = bad("policy for another main module", ["attach", "--mode", "kill", "--go-mod", gomod, str(v.pid)], 2)
    if "example.com/other" not in r.err or "example.com/victim" not in r.err:
        R.notok("attach bad input: main module mismatch: names both modules", r.err)
    bad("--require enforce without BPF LSM", ["attach", "--require", "enforce", *POLICY, str(v.pid)], 5)
    bad("--mode enforce without BPF LSM", ["attach", "--mode", "enforce", *POLICY, str(v.pid)], 5)
    # Already jailed: the first jail stays as it was.
    r = attach(v.pid, mode="audit")
    j1 = jails().get(v.pid)
    r2 = bad("already jailed", ["attach", "--mode", "kill", *POLICY, str(v.pid)], 6)
    j2 = jails().get(v.pid)
    if r.rc == 0 and j1 and j2 and j1["mode"] == j2["mode"] == "audit" and j1["table"] == j2["table"] \
            and "already jailed" in r2.err:
        R.ok("attach bad input: already jailed: the first jail is unchanged")
    else:
        R.notok("attach bad input: already jailed: the first jail is unchanged", f"{r.brief()} {j1} {j2}")
    # -j: the error is a JSON object on stdout.
    r = bj("attach", "-j", "--mode", "kill", *POLICY, "2")
    try:
        ok = r.rc == 6 and "error" in json.loads(r.out)
    except ValueError:
        ok = False
    if ok:
        R.ok("attach -j bad input: exit 6, {\"error\": ...} on stdout")
    else:
        R.notok("attach -j bad input: exit 6, {\"error\": ...} on stdout", r.brief())
    bj("detach", str(v.pid))
    r = bj("detach", str(v.pid))
    R.eq("detach: a PID that is not jailed: exit 6", 6, r.rc)
    r = bj("detach", "abc")
    R.eq("detach: not a PID: exit 2", 2, r.rc)
    r = bj("list", "--bogus")
    R.eq("list: unknown argument: exit 2", 2, r.rc)
    # unload refuses while something is jailed (without --force).
    attach(v.pid)
    r = bj("unload")
    if r.rc == 6 and v.pid in jails():
        R.ok("unload: refuses with a jailed process (exit 6), jail intact")
    else:
        R.notok("unload: refuses with a jailed process (exit 6), jail intact", r.brief())
    bj("detach", str(v.pid))
    # attach -j: what it attached, as one JSON object.
    r = bj("attach", "-j", "--mode", "kill", *POLICY, str(v.pid))
    try:
        o = json.loads(r.out)
        good = r.rc == 0 and o["pid"] == v.pid and o["exe"] == VICTIM and o["mode"] == "kill" \
            and o["confined"] == ["example.com/poisoned"] and o["ranges"] > 0 and isinstance(o["table"], int)
    except (ValueError, KeyError):
        good = False
    if good:
        R.ok("attach -j: pid, exe, mode, table, ranges, confined")
    else:
        R.notok("attach -j: pid, exe, mode, table, ranges, confined", r.brief())
    bj("detach", str(v.pid))
    v.kill()


victims_extra = []


def cleanup():
    for v in victims:
        v.kill()
    for s in victims_extra:
        if s.poll() is None:
            s.kill()
            s.wait()
    ours = {v.pid for v in victims}
    left = [p for p in jails() if p in ours] if pin_dir() else []
    r = bj("unload", "--force")
    for _ in range(50):  # programs are freed after an RCU grace period
        progs = bj_progs()
        if not progs:
            break
        time.sleep(0.1)
    if r.rc == 0 and not progs and not (os.path.isdir(PIN_ROOT) and os.listdir(PIN_ROOT)) and not left:
        R.ok("cleanup: no jail left, unload --force removes every bj_* program and pin")
    else:
        R.notok("cleanup: no jail left, unload --force removes every bj_* program and pin",
                f"{r.brief()} progs {progs} left {left}")
    shutil.rmtree(tmpdir, ignore_errors=True)


def main():
    if os.geteuid() != 0:
        R.skip("attach tests", "need root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN)")
        return
    r = bj("-j", "probe")
    try:
        pr = json.loads(r.out)
    except ValueError:
        R.notok("attach tests: probe", r.brief())
        return
    if not pr.get("tp_btf_sys_enter", {}).get("attaches"):
        R.skip("attach tests", "tp_btf/sys_enter does not attach on this kernel")
        return
    if pr.get("enforce", {}).get("verified"):
        R.skip("attach tests: fallbacks", "this kernel has BPF LSM: the kill/audit fallback checks assume it does not")
    t0 = time.monotonic()
    try:
        test_first_load()
        test_run_modes()
        test_kill_loop()
        serve_kill("attach kill: PIE victim", os.path.join(GO_OUT, "victim-pie"))
        serve_kill("attach kill: stripped victim", os.path.join(GO_OUT, "victim-stripped"))
        serve_kill("attach kill: deleted binary", VICTIM, deleted=True)
        serve_kill("attach kill: binary replaced on disk", VICTIM, replaced=True)
        test_children_and_threads()
        test_threads_all()
        test_audit_detach()
        test_exit_removes()
        test_pin_reuse()
        test_policy_sources()
        test_concurrent()
        test_bad_input()
    finally:
        cleanup()
    print(f"# attach tests took {time.monotonic() - t0:.1f} s")


main()
R.done()
