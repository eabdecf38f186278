#!/usr/bin/env python3
"""Loader tests: `bpfjail -j inspect` on the Go 1.19 fixtures (tests/go) and on
real Go binaries from npm (scripts/fetch-go-binaries.sh), compared with
independent oracles: `go tool nm`, `go version -m`, `go tool objdump`,
`go tool buildid` and the ELF section table. Run by tests/host/loader.sh."""
import bisect
import os
import random
import re
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib import (BPFJAIL, CACHE, GO_OUT, ROOT, Report, elf_sections, expected_module,  # noqa: E402
                 go_nm, go_version_m, hx, inspect, norm_name, pkg_of, run, unescape)

R = Report()

FORMAT_OF_MAGIC = {0xFFFFFFFB: "1.2", 0xFFFFFFFA: "1.16", 0xFFFFFFF0: "1.18", 0xFFFFFFF1: "1.20"}


# ---- generic checks on one inspect --functions --ranges document ------------

def funcs_sorted_in_text(j):
    fs = j["functions"]
    ts, te = hx(j["text"]["start"]), hx(j["text"]["end"])
    if not fs:
        return "no functions"
    if len(fs) != j["functions_total"]:
        return f"functions_total {j['functions_total']} but {len(fs)} listed"
    prev = None
    for i, f in enumerate(fs):
        e, n = hx(f["entry"]), hx(f["end"])
        if not ts <= e < te:
            return f"{f['name']} entry {e:#x} outside text [{ts:#x},{te:#x})"
        if not e < n <= te:
            return f"{f['name']} end {n:#x} not in ({e:#x},{te:#x}]"
        if prev is not None and e <= prev:
            return f"entries not strictly increasing at {f['name']} {e:#x} (previous {prev:#x})"
        if i + 1 < len(fs) and n != hx(fs[i + 1]["entry"]):
            return f"{f['name']} end {n:#x} != next entry {fs[i + 1]['entry']}"
        prev = e
    if hx(fs[0]["entry"]) != ts:
        return f"first function {fs[0]['name']} at {fs[0]['entry']}, text starts at {ts:#x}"
    # The last function ends at the pclntab's end PC, which may be below
    # runtime.etext (alignment padding, Go 1.24+): only "<= text end" holds.
    return None


def text_in_section(path, j):
    secs, _ = elf_sections(path)
    t = secs.get(".text")
    if t is None:
        return "no .text section (test fixture problem)"
    ts, te = hx(j["text"]["start"]), hx(j["text"]["end"])
    if not (t.addr <= ts < te <= t.addr + t.size):
        return f"text [{ts:#x},{te:#x}) not inside .text [{t.addr:#x},{t.addr + t.size:#x})"
    return None


def ranges_wellformed(j):
    rs, ts, te = j["ranges"], hx(j["text"]["start"]), hx(j["text"]["end"])
    if len(rs) != j["ranges_total"]:
        return f"ranges_total {j['ranges_total']} but {len(rs)} listed"
    if not rs:
        if any(f["module"] for f in j.get("functions", [])):
            return "no ranges but some functions have a module"
        return None
    known = {m["path"] for m in j["modules"]}
    prev_end, prev_set = None, None
    for r in rs:
        s, e, mods = hx(r["start"]), hx(r["end"]), r["modules"]
        if not ts <= s < e <= te:
            return f"range [{s:#x},{e:#x}) empty or outside text"
        if not mods:
            return f"range [{s:#x},{e:#x}) has no modules"
        if not set(mods) <= known:
            return f"range [{s:#x},{e:#x}) names unknown modules {sorted(set(mods) - known)}"
        if prev_end is not None:
            if s < prev_end:
                return f"range [{s:#x},{e:#x}) overlaps the previous one (ends {prev_end:#x})"
            if s == prev_end and set(mods) == prev_set:
                return f"adjacent ranges with equal sets not merged at {s:#x}"
        prev_end, prev_set = e, set(mods)
    return None


def module_counts(j):
    nf, nr = {}, {}
    for f in j["functions"]:
        if f["module"] is not None:
            nf[f["module"]] = nf.get(f["module"], 0) + 1
    for r in j["ranges"]:
        for m in r["modules"]:
            nr[m] = nr.get(m, 0) + 1
    bad = []
    for m in j["modules"]:
        p = m["path"]
        if m["functions"] != nf.get(p, 0) or m["ranges"] != nr.get(p, 0):
            bad.append(f"{p}: says {m['functions']} functions/{m['ranges']} ranges, "
                       f"lists {nf.get(p, 0)}/{nr.get(p, 0)}")
    unknown = set(nf) - {m["path"] for m in j["modules"]}
    if unknown:
        bad.append(f"functions name modules not in the module list: {sorted(unknown)[:5]}")
    return "; ".join(bad[:4]) or None


def kinds_consistent(j):
    kinds = {"module", "unknown", "stdlib", "runtime", "synthetic"}
    for f in j["functions"]:
        k, m = f["kind"], f["module"]
        if k not in kinds:
            return f"{f['name']}: kind {k!r}"
        if (k == "module") != (m is not None):
            return f"{f['name']}: kind {k} with module {m!r}"
    return None


def ranges_cover_module_functions(j):
    """Every PC of a function that belongs to module M lies in a range whose
    set contains M (inlined code only adds modules)."""
    rs = j["ranges"]
    starts = [hx(r["start"]) for r in rs]
    for f in j["functions"]:
        m = f["module"]
        if m is None:
            continue
        e, n = hx(f["entry"]), hx(f["end"])
        i = bisect.bisect_right(starts, e) - 1
        pc = e
        while pc < n:
            if i < 0 or i >= len(rs) or not hx(rs[i]["start"]) <= pc < hx(rs[i]["end"]):
                return f"{f['name']} ({m}): pc {pc:#x} is in no range"
            if m not in rs[i]["modules"]:
                return f"{f['name']}: range [{rs[i]['start']},{rs[i]['end']}) lacks {m}: {rs[i]['modules']}"
            pc = hx(rs[i]["end"])
            i += 1
    return None


def attribution_oracle(j, module_paths):
    """Every function's module equals the longest module path (from
    `go version -m` or --module) covering its package, computed from the name;
    its package field equals the unescaped package path."""
    bad, pkgs, n = [], {}, 0
    for f in j["functions"]:
        name = f["name"]
        checkable, want, pkg = expected_module(name, module_paths)
        if not checkable:
            continue
        n += 1
        if f["module"] != want:
            bad.append(f"{name}: module {f['module']!r}, expected {want!r}")
        elif pkg is not None and f["package"] != pkg:
            bad.append(f"{name}: package {f['package']!r}, expected {pkg!r}")
        else:
            continue
        key = pkg or unescape(pkg_of(name))
        pkgs[key] = pkgs.get(key, 0) + 1
    if bad:
        top = sorted(pkgs.items(), key=lambda kv: -kv[1])[:6]
        return (f"{len(bad)} of {n} functions wrong, in packages "
                + ", ".join(f"{p} ({c})" for p, c in top) + "; first: " + "; ".join(bad[:2]))
    if n == 0:
        return "no function checked"
    return None


def vendored_is_stdlib(j, prefix="vendor/"):
    """The standard library's vendored packages (GOROOT/src/vendor, named
    "vendor/golang.org/x/...") are standard library even when the binary also
    depends on the module they were copied from: module-mode builds never name
    a module's packages "vendor/...", and that copy is the Go release's code,
    not the module's version."""
    fs = [f for f in j["functions"] if f["name"].startswith(prefix)]
    if not fs:
        return f"no {prefix}* function (fixture problem)"
    bad = [f for f in fs if (f["kind"], f["module"]) != ("stdlib", None)]
    if bad:
        f = bad[0]
        return (f"{len(bad)} of {len(fs)} {prefix}* functions have a module, e.g. {f['name']}: "
                f"kind {f['kind']} module {f['module']}; expected stdlib, no module")
    return None


def by_prefix(j, prefixes, module, kind="module", min_count=1, package=None):
    """Every function whose name starts with one of prefixes has this module
    (and kind, and package if given); at least min_count such functions."""
    fs = [f for f in j["functions"] if f["name"].startswith(tuple(prefixes))]
    if len(fs) < min_count:
        return f"only {len(fs)} functions named {prefixes[0]}* (want >= {min_count})"
    for f in fs:
        if f["module"] != module or f["kind"] != kind:
            return f"{f['name']}: module {f['module']!r} kind {f['kind']!r}, expected {module!r} {kind!r}"
        if package is not None and f["package"] != package:
            return f"{f['name']}: package {f['package']!r}, expected {package!r}"
    return None


def modules_match(j, vm):
    want = vm[2]
    got = [(m["path"], m["version"], (m["replace"] or {}).get("path"),
            (m["replace"] or {}).get("version"), m["main"])
           for m in j["modules"] if m["source"] == "buildinfo"]
    if got == want:
        return None
    if sorted(got) == sorted(want):
        return "same modules, different order (main first, then buildinfo order)"
    missing = [w for w in want if w not in got]
    extra = [g for g in got if g not in want]
    return f"{len(want)} expected, {len(got)} got; missing {missing[:3]}; unexpected {extra[:3]}"


def entries_symbolize(path, j, extra_args=()):
    """--pc at the entry, middle and last byte of a few functions names them."""
    fs = j["functions"]
    pick = [fs[i] for i in sorted({0, len(fs) // 3, len(fs) // 2, 2 * len(fs) // 3, len(fs) - 1})]
    args = list(extra_args)
    want = []
    for f in pick:
        e, n = hx(f["entry"]), hx(f["end"])
        for pc in (e, (e + n) // 2, n - 1):
            args += ["--pc", hex(pc)]
            want.append((pc, f["name"]))
    r = inspect(path, *args)
    if r.rc != 0:
        return r.brief()
    pcs = r.json["pcs"]
    if len(pcs) != len(want):
        return f"asked {len(want)} pcs, got {len(pcs)}"
    for p, (pc, name) in zip(pcs, want):
        if hx(p["pc"]) != pc or p["function"] != name:
            return f"pc {p['pc']}: function {p['function']!r}, expected {name!r} at {pc:#x}"
    return None


def pcs_match_ranges(path, j, n=200, extra_args=()):
    """At sampled PCs (half of them in functions with an inline tree), --pc's
    function is the function containing the PC, and the modules of the range
    containing it are exactly the modules of its frames: the physical
    function and every inlined one."""
    rnd = random.Random(1)
    fs = j["functions"]
    inl = [f for f in fs if f["inline"]] or fs
    pcs = []
    for i in range(n):
        f = rnd.choice(inl if i % 2 else fs)
        pcs.append(rnd.randrange(hx(f["entry"]), hx(f["end"])))
    args = list(extra_args)
    for pc in pcs:
        args += ["--pc", hex(pc)]
    r = inspect(path, *args)
    if r.rc != 0:
        return r.brief()
    entries = [hx(f["entry"]) for f in fs]
    starts = [hx(x["start"]) for x in j["ranges"]]
    inlined_seen = 0
    for pc, p in zip(pcs, r.json["pcs"]):
        f = fs[bisect.bisect_right(entries, pc) - 1]
        if p["function"] != f["name"]:
            return f"pc {pc:#x}: function {p['function']!r}, --functions says {f['name']!r}"
        want = {p["module"]} | {x["module"] for x in p["inlined"]}
        want.discard(None)
        inlined_seen += bool(p["inlined"])
        k = bisect.bisect_right(starts, pc) - 1
        rr = j["ranges"][k] if k >= 0 and pc < hx(j["ranges"][k]["end"]) else None
        got = set(rr["modules"]) if rr else set()
        if got != want:
            return (f"pc {pc:#x} in {f['name']} (inlined {[x['function'] for x in p['inlined']]}): "
                    f"range modules {sorted(got)}, frames' modules {sorted(want)}")
    if inlined_seen == 0:
        return f"none of {n} sampled pcs is in inlined code (sampling problem)"
    return None


# ---- Go 1.19 fixtures -------------------------------------------------------

VARIANTS = ["victim", "victim-stripped", "victim-pie", "victim-trimpath", "victim-extlink"]

# name prefixes -> module, package (None: not checked), minimum count
FIXTURE_MODULES = [
    ("yaml.v3 (%2e escape)", ["example.com/yaml%2ev3."], "example.com/yaml.v3", "example.com/yaml.v3", 5),
    ("yaml.v3/sub package", ["example.com/yaml.v3/sub."], "example.com/yaml.v3", "example.com/yaml.v3/sub", 1),
    ("generics", ["example.com/generic."], "example.com/generic", "example.com/generic", 6),
    ("foobar not in example.com/foo", ["example.com/foobar."], "example.com/foobar", "example.com/foobar", 1),
    ("foo", ["example.com/foo."], "example.com/foo", "example.com/foo", 1),
    ("nested module foo/sub", ["example.com/foo/sub."], "example.com/foo/sub", "example.com/foo/sub", 1),
    ("poisoned", ["example.com/poisoned."], "example.com/poisoned", "example.com/poisoned", 8),
    ("main module package", ["example.com/victim/internal/own."], "example.com/victim",
     "example.com/victim/internal/own", 5),
    ("go.-prefixed module", ["go.example.com/gomod."], "go.example.com/gomod", "go.example.com/gomod", 1),
    ("golang.org/x/net stand-in", ["golang.org/x/net/"], "golang.org/x/net", "golang.org/x/net/xnettest", 1),
]


def section_data(path, name):
    s = elf_sections(path)[0][name]
    with open(path, "rb") as f:
        f.seek(s.offset)
        return f.read(s.size)


def objdump_pcs(path):
    """PCs in main.main of inl.Mix's and poisoned.Small's inlined code, found
    by their unique instructions (XOR 0x5a5a; AT_FDCWD = -0x64)."""
    r = run(["go", "tool", "objdump", "-s", r"^main\.main$", path])
    if r.rc != 0:
        raise RuntimeError(r.brief())
    mix = small = None
    for line in r.out.splitlines():
        m = re.search(r"\s(0x[0-9a-f]+)\s", line)
        if not m:
            continue
        if mix is None and "XORQ $0x5a5a" in line:
            mix = int(m.group(1), 16)
        if small is None and "$-0x64," in line:
            small = int(m.group(1), 16)
    if mix is None or small is None:
        raise RuntimeError(f"inlined code not found in main.main of {path} (mix={mix}, small={small})")
    return mix, small


def nm_functions(nm):
    text = {n: a for a, t, n in nm if n in ("runtime.text", "runtime.etext")}
    lo, hi = text["runtime.text"], text["runtime.etext"]
    fns = sorted((a, norm_name(n)) for a, t, n in nm
                 if t in "Tt" and n not in ("runtime.text", "runtime.etext") and lo <= a < hi)
    return fns, lo, hi


def fixture_tests(ref_nm, ref_pcs):
    for v in VARIANTS:
        try:
            fixture_variant(v, ref_nm, ref_pcs)
        except Exception as e:  # noqa: BLE001 - an oracle failed: report, go on
            R.notok(f"{v}: test oracles", f"{type(e).__name__}: {e}")
    extra_module_test()
    scan_tests()


def fixture_variant(v, ref_nm, ref_pcs):
    path = os.path.join(GO_OUT, v)
    t = v
    r = inspect(path, "--functions", "--ranges")
    if r.rc != 0:
        R.notok(f"{t}: inspect --functions --ranges", r.brief())
        return
    try:
        j = r.json
    except ValueError as e:
        R.notok(f"{t}: inspect --functions --ranges", f"invalid JSON: {e}: {r.out[:200]}")
        return
    R.ok(f"{t}: inspect --functions --ranges")

    stripped = v == "victim-stripped"
    # Stripped: no .symtab for nm; -s -w does not move code (only data moves,
    # so data references in the code differ), so the default build's symbols
    # and PCs are the reference. Checked: same .text size, same first bytes at
    # nearly every function entry.
    nm = ref_nm if stripped else go_nm(path)
    fns, lo, hi = nm_functions(nm)
    if stripped:
        a, b = section_data(path, ".text"), section_data(os.path.join(GO_OUT, "victim"), ".text")
        base = elf_sections(path)[0][".text"].addr
        same = sum(1 for e, _ in fns if a[e - base:e - base + 8] == b[e - base:e - base + 8])
        if len(a) != len(b) or same < 0.95 * len(fns):
            raise RuntimeError(f"victim-stripped's code differs from victim's ({same} of {len(fns)} "
                               "entries alike): the unstripped build is no reference")
    pcs = ref_pcs if stripped else objdump_pcs(path)
    vm = go_version_m(path)
    secs, e_type = elf_sections(path)

    def functions_match_nm():
        got = sorted((hx(f["entry"]), norm_name(f["name"])) for f in j["functions"])
        if got == fns:
            return None
        gs, ws = set(got), set(fns)
        return (f"{len(got)} functions vs {len(fns)} from nm; only in bpfjail: {sorted(gs - ws)[:3]}; "
                f"only in nm: {sorted(ws - gs)[:3]}")
    R.check(f"{t}: functions match go tool nm{' (of the unstripped build)' if stripped else ''}",
            functions_match_nm)
    R.check(f"{t}: text is runtime.text..runtime.etext",
            lambda: None if (hx(j["text"]["start"]), hx(j["text"]["end"])) == (lo, hi)
            else f"text {j['text']}, nm says [{lo:#x},{hi:#x})")
    R.check(f"{t}: functions sorted, inside text, end = next entry", funcs_sorted_in_text, j)
    R.check(f"{t}: modules match go version -m", modules_match, j, vm)
    R.eq(f"{t}: main module", "example.com/victim", j["main_module"])
    R.eq(f"{t}: go_version", vm[0], j["go_version"])

    def pclntab():
        p = j["pclntab"]
        sec = ".data.rel.ro.gopclntab" if v == "victim-pie" else ".gopclntab"
        want = (0xFFFFFFF0, "1.18", sec, secs[sec].addr)
        got = (hx(p["magic"]), p["format"], p["section"], hx(p["address"]))
        return None if got == want else f"got {got}, expected {want}"
    R.check(f"{t}: pclntab magic, format, section, address", pclntab)
    R.eq(f"{t}: pie", e_type == 3, j["pie"])   # ET_DYN
    R.eq(f"{t}: stripped", stripped, j["stripped"])
    bid = run(["go", "tool", "buildid", path]).out.strip()
    R.eq(f"{t}: build_id", bid, j["build_id"])

    for label, prefixes, mod, pkg, n in FIXTURE_MODULES:
        R.check(f"{t}: {label} attributed to {mod}", by_prefix, j, prefixes, mod, "module", n, pkg)
    mods = [m[0] for m in vm[2]]
    R.check(f"{t}: every function's module follows go version -m", attribution_oracle, j, mods)
    R.check(f"{t}: generic instantiations present",
            lambda: None if sum(1 for f in j["functions"]
                                if f["name"].startswith("example.com/generic.") and "[" in f["name"]) >= 6
            else "fewer than 6 example.com/generic.*[...] functions")
    R.check(f"{t}: main package attributed to the main module", by_prefix, j, ["main."],
            "example.com/victim", "module", 3, "main")

    def kinds():
        want = {"runtime.main": "runtime", "runtime/internal/syscall.Syscall6": "runtime",
                "fmt.Fprintf": "stdlib", "internal/cpu.Initialize": "stdlib",
                "os/exec.(*Cmd).Start": "stdlib"}
        got = {f["name"]: (f["kind"], f["module"]) for f in j["functions"]}
        for name, k in want.items():
            if got.get(name) != (k, None):
                return f"{name}: {got.get(name)}, expected ({k!r}, None)"
        for f in j["functions"]:
            if f["name"].startswith("type..") and (f["kind"], f["module"]) != ("synthetic", None):
                return f"{f['name']}: kind {f['kind']} module {f['module']}"
        return None
    R.check(f"{t}: runtime/stdlib/synthetic kinds", kinds)

    if v == "victim":
        R.check(f"{t}: std's vendor/golang.org/x/net is stdlib, not module golang.org/x/net",
                vendored_is_stdlib, j, "vendor/golang.org/x/net/")
    R.check(f"{t}: kind and module consistent", kinds_consistent, j)

    def flags():
        got = {f["name"]: f for f in j["functions"]}
        if not got["runtime/internal/syscall.Syscall6"]["frameless"]:
            return "runtime/internal/syscall.Syscall6 not frameless"
        if got["main.main"]["frameless"]:
            return "main.main frameless"
        if not got["main.main"]["inline"]:
            return "main.main has an inline tree but inline is false"
        return None
    R.check(f"{t}: frameless and inline flags", flags)
    R.check(f"{t}: module function/range counts", module_counts, j)
    R.check(f"{t}: ranges sorted, disjoint, merged, inside text", ranges_wellformed, j)
    R.check(f"{t}: ranges cover every module function with its module",
            ranges_cover_module_functions, j)
    R.check(f"{t}: range modules = modules of the inline chain at 200 pcs", pcs_match_ranges, path, j)

    mix, small = pcs
    main_entry = next(hx(f["entry"]) for f in j["functions"] if f["name"] == "main.main")
    rp = inspect(path, "--ranges", "--pc", hex(mix), "--pc", hex(small), "--pc", hex(main_entry),
                 "--pc", "0x1")
    if rp.rc != 0:
        R.notok(f"{t}: inspect --pc", rp.brief())
        return

    def pc_chain(i, fn, pkg, mod):
        p = rp.json["pcs"][i]
        if p["function"] != "main.main":
            return f"pc {p['pc']}: function {p['function']!r}, expected main.main"
        inl = p["inlined"]
        want = {"function": fn, "package": pkg, "module": mod}
        if not inl or {k: inl[0].get(k) for k in want} != want:
            return f"pc {p['pc']}: inlined {inl}, expected first {want}"
        if any(x.get("function") == "main.main" for x in inl):
            return f"pc {p['pc']}: inlined chain includes the physical function: {inl}"
        return None
    R.check(f"{t}: --pc in inlined inl.Mix names example.com/inl", pc_chain, 0,
            "example.com/inl.Mix", "example.com/inl", "example.com/inl")
    R.check(f"{t}: --pc in inlined poisoned.Small names example.com/poisoned", pc_chain, 1,
            "example.com/poisoned.Small", "example.com/poisoned", "example.com/poisoned")

    def range_has(pc, mod):
        for r in rp.json["ranges"]:
            if hx(r["start"]) <= pc < hx(r["end"]):
                return None if mod in r["modules"] else f"range {r} lacks {mod}"
        return f"pc {pc:#x} in no range"
    R.check(f"{t}: range at inlined inl.Mix includes example.com/inl", range_has, mix, "example.com/inl")
    R.check(f"{t}: range at inlined poisoned.Small includes example.com/poisoned",
            range_has, small, "example.com/poisoned")

    def plain_pcs():
        p = rp.json["pcs"]
        if p[2]["function"] != "main.main" or p[2]["inlined"]:
            return f"main.main entry: {p[2]}"
        if p[3]["function"] is not None:
            return f"pc 0x1: {p[3]}"
        if hx(p[0]["pc"]) != mix:
            return f"pc echoed as {p[0]['pc']}, asked {mix:#x}"
        return None
    R.check(f"{t}: --pc at an entry (no inlining) and outside text", plain_pcs)



def scan_tests():
    """Section headers renamed or gone (sstrip, packers): the loader finds the
    pclntab and buildinfo by scanning, with the same result."""
    def rename(d):
        for old, new in ((b".gopclntab\0", b".renamed__\0"), (b".data.rel.ro.gopclntab\0", b".data.rel.ro.renamed__\0"),
                         (b".go.buildinfo\0", b".renamed_bi__\0")):
            i = d.find(old)
            if i >= 0:
                d[i:i + len(old)] = new
        return d

    def no_shdrs(d):
        struct.pack_into("<Q", d, 0x28, 0)           # e_shoff
        struct.pack_into("<HHH", d, 0x3A, 64, 0, 0)  # e_shentsize, e_shnum, e_shstrndx
        return d

    ignore = ("file", "pclntab", "stripped")
    with tempfile.TemporaryDirectory(prefix="bpfjail-loader.") as tmp:
        for v in ("victim-stripped", "victim-pie"):
            src = os.path.join(GO_OUT, v)
            base = inspect(src, "--functions", "--ranges")
            if base.rc != 0:
                R.notok(f"{v}: scan tests", base.brief())
                continue
            for label, fn in (("section names renamed", rename), ("no section headers", no_shdrs)):
                with open(src, "rb") as f:
                    d = fn(bytearray(f.read()))
                p = os.path.join(tmp, f"{v}-{label.replace(' ', '-')}")
                with open(p, "wb") as f:
                    f.write(d)

                def same():
                    r = inspect(p, "--functions", "--ranges")
                    if r.rc != 0:
                        return r.brief()
                    a, b = r.json, base.json
                    if a["pclntab"]["section"] != "(scan)":
                        return f"pclntab section {a['pclntab']['section']!r}, expected '(scan)'"
                    if (a["pclntab"]["address"], a["pclntab"]["magic"]) != (b["pclntab"]["address"], b["pclntab"]["magic"]):
                        return f"pclntab {a['pclntab']} vs {b['pclntab']}"
                    diff = [k for k in set(a) | set(b) if k not in ignore and a.get(k) != b.get(k)]
                    return f"differs from the original in {sorted(diff)}" if diff else None
                R.check(f"{v}: {label}: found by scan, same result", same)


def extra_module_test():
    """--module adds a module from the command line."""
    path = os.path.join(GO_OUT, "victim-stripped")
    r = inspect(path, "--module", "example.com/extra")

    def extra_module():
        if r.rc != 0:
            return r.brief()
        ms = [m for m in r.json["modules"] if m["path"] == "example.com/extra"]
        if len(ms) != 1 or ms[0]["source"] != "argument" or ms[0]["functions"] != 0 or ms[0]["main"]:
            return f"example.com/extra: {ms}"
        return None
    R.check("victim-stripped: --module adds an argument module", extra_module)


# ---- real binaries from npm -------------------------------------------------

REAL = {
    # name: (functions, magic, buildinfo?, {prefix: module} spot checks)
    "esbuild-0.7.22": (4373, 0xFFFFFFFB, True, {"golang.org/x/sys/unix.": "golang.org/x/sys",
                                                "github.com/evanw/esbuild/internal/": "github.com/evanw/esbuild"}),
    "esbuild-0.8.57": (5637, 0xFFFFFFFA, True, {"golang.org/x/sys/unix.": "golang.org/x/sys",
                                                "github.com/evanw/esbuild/internal/": "github.com/evanw/esbuild"}),
    "esbuild-0.12.29": (6001, 0xFFFFFFFA, True, {"golang.org/x/sys/unix.": "golang.org/x/sys",
                                                 "github.com/evanw/esbuild/internal/": "github.com/evanw/esbuild"}),
    "esbuild-0.14.54": (6210, 0xFFFFFFF0, True, {"golang.org/x/sys/unix.": "golang.org/x/sys",
                                                 "github.com/evanw/esbuild/internal/": "github.com/evanw/esbuild"}),
    "esbuild-0.28.2": (8987, 0xFFFFFFF1, False, {}),
    "buf-1.75.0": (58519, 0xFFFFFFF1, True, {
        "github.com/spf13/cobra.": "github.com/spf13/cobra",
        "go.uber.org/zap.": "go.uber.org/zap",
        "go.uber.org/zap/": "go.uber.org/zap",
        "google.golang.org/protobuf/": "google.golang.org/protobuf",
        "github.com/containerd/errdefs.": "github.com/containerd/errdefs",
        "github.com/containerd/errdefs/pkg/": "github.com/containerd/errdefs/pkg",
        "go.opentelemetry.io/otel.": "go.opentelemetry.io/otel",
        "go.opentelemetry.io/otel/trace.": "go.opentelemetry.io/otel/trace",
        "connectrpc.com/connect/v2.": "connectrpc.com/connect/v2",
        "github.com/bufbuild/buf/private/": "github.com/bufbuild/buf",
    }),
    "lefthook-2.2.2": (14471, 0xFFFFFFF1, True, {
        "github.com/knadh/koanf/v2.": "github.com/knadh/koanf/v2",
        "github.com/knadh/koanf/maps.": "github.com/knadh/koanf/maps",
        "golang.org/x/sys/unix.": "golang.org/x/sys",
        "github.com/evilmartians/lefthook/v2/internal/": "github.com/evilmartians/lefthook/v2",
        "charm.land/lipgloss/v2.": "charm.land/lipgloss/v2",
    }),
}


def real_tests():
    fetch = run(["bash", os.path.join(ROOT, "scripts", "fetch-go-binaries.sh")], timeout=1800)
    if fetch.rc not in (0, 2):
        R.notok("fetch-go-binaries", fetch.brief())
    for name, (count, magic, has_bi, spots) in REAL.items():
        path = os.path.join(CACHE, "npm", name)
        if not os.path.exists(path):
            R.skip(f"{name}: loader checks", f"not fetched: {oneline_err(fetch)}")
            continue
        r = inspect(path, "--functions", "--ranges")
        if r.rc != 0:
            R.notok(f"{name}: inspect --functions --ranges", r.brief())
            continue
        j = r.json
        R.ok(f"{name}: inspect --functions --ranges")
        R.eq(f"{name}: function count", count, j["functions_total"])
        R.check(f"{name}: pclntab magic {magic:#x}",
                lambda: None if (hx(j["pclntab"]["magic"]), j["pclntab"]["format"]) == (magic, FORMAT_OF_MAGIC[magic])
                else f"got {j['pclntab']}")
        R.check(f"{name}: functions sorted, inside text, end = next entry", funcs_sorted_in_text, j)
        R.check(f"{name}: text inside .text", text_in_section, path, j)
        R.check(f"{name}: kind and module consistent", kinds_consistent, j)
        R.check(f"{name}: module function/range counts", module_counts, j)
        R.check(f"{name}: ranges sorted, disjoint, merged, inside text", ranges_wellformed, j)
        R.check(f"{name}: ranges cover every module function with its module",
                ranges_cover_module_functions, j)
        R.check(f"{name}: --pc inside functions", entries_symbolize, path, j)
        if j["ranges"]:
            R.check(f"{name}: range modules = modules of the inline chain at 200 pcs",
                    pcs_match_ranges, path, j)
        bid = run(["go", "tool", "buildid", path]).out.strip() or None
        R.eq(f"{name}: build_id", bid, j["build_id"])
        if has_bi:
            vm = go_version_m(path)
            if vm is None:
                R.notok(f"{name}: go version -m", "no build info (test expectation wrong?)")
                continue
            R.check(f"{name}: modules match go version -m", modules_match, j, vm)
            R.eq(f"{name}: go_version", vm[0], j["go_version"])
            main = [m for m in vm[2] if m[4]]
            R.eq(f"{name}: main module", main[0][0] if main else None, j["main_module"])
            mods = [m[0] for m in vm[2]]
            R.check(f"{name}: every function's module follows go version -m", attribution_oracle, j, mods)
            if name == "lefthook-2.2.2":
                R.check(f"{name}: std's vendor/golang.org/x/* is stdlib, not the x/ modules",
                        vendored_is_stdlib, j, "vendor/golang.org/x/")
            for prefix, mod in spots.items():
                R.check(f"{name}: {prefix}* attributed to {mod}", by_prefix, j, [prefix], mod)
        else:
            R.eq(f"{name}: no buildinfo: go_version", None, j["go_version"])
            R.eq(f"{name}: no buildinfo: no modules", [], j["modules"])
            R.check(f"{name}: no buildinfo: no function has a module",
                    lambda: next((f"{f['name']}: {f['module']}" for f in j["functions"]
                                  if f["module"] is not None), None))
    # esbuild 0.28.2 has no buildinfo: --module names its module.
    path = os.path.join(CACHE, "npm", "esbuild-0.28.2")
    if os.path.exists(path):
        r = inspect(path, "--functions", "--ranges", "--module", "github.com/evanw/esbuild")
        if r.rc != 0:
            R.notok("esbuild-0.28.2: --module github.com/evanw/esbuild", r.brief())
        else:
            j = r.json

            def esb():
                ms = j["modules"]
                if [(m["path"], m["source"], m["main"]) for m in ms] != [("github.com/evanw/esbuild", "argument", False)]:
                    return f"modules {ms}"
                n = sum(1 for f in j["functions"] if f["module"] == "github.com/evanw/esbuild")
                if n < 1000 or ms[0]["functions"] != n:
                    return f"{n} functions attributed, module says {ms[0]['functions']}"
                return None
            R.check("esbuild-0.28.2: --module github.com/evanw/esbuild", esb)
            R.check("esbuild-0.28.2: --module: esbuild functions attributed", by_prefix, j,
                    ["github.com/evanw/esbuild/"], "github.com/evanw/esbuild", "module", 1000)
            R.check("esbuild-0.28.2: --module: golang.org/x/sys is unknown", by_prefix, j,
                    ["golang.org/x/sys/"], None, "unknown", 1)
            R.check("esbuild-0.28.2: --module: every function's module follows the argument",
                    attribution_oracle, j, ["github.com/evanw/esbuild"])
            R.check("esbuild-0.28.2: --module: range counts", module_counts, j)


def oneline_err(r):
    return (r.err or "").strip().splitlines()[-1] if (r.err or "").strip() else f"fetch exited {r.rc}"


def main():
    if not os.access(BPFJAIL, os.X_OK):
        R.notok("loader: bpfjail binary", f"{BPFJAIL} not built (run make)")
        R.done()
    b = run(["bash", os.path.join(ROOT, "tests", "go", "build.sh")], timeout=600)
    if b.rc != 0:
        R.notok("go fixtures build (tests/go/build.sh)", b.brief())
    else:
        ref = os.path.join(GO_OUT, "victim")
        try:
            ref_nm, ref_pcs = go_nm(ref), objdump_pcs(ref)
        except Exception as e:  # noqa: BLE001
            R.notok("go fixtures: reference symbols", str(e))
        else:
            fixture_tests(ref_nm, ref_pcs)
    real_tests()
    R.done()


if __name__ == "__main__":
    main()
