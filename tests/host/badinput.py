#!/usr/bin/env python3
"""Bad input for `bpfjail inspect`, run against the ASan/UBSan build
(build/asan/bpfjail, `make asan`): missing, directory, empty, non-ELF, non-Go
ELF, truncated Go binaries and Go binaries with corrupted tables (bytes patched
at offsets computed here from the pclntab and buildinfo layouts).

Each case must exit with the documented status (3: unusable input file, 4: ELF
without Go tables or corrupt Go tables, 2: usage), print exactly one line
"bpfjail: FILE: problem" on stderr (in -j mode one {"error": ...} object on
stdout), not die from a signal and not trigger a sanitizer report.
Run by tests/host/badinput.sh."""
import json
import os
import shutil
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib import CACHE, GO_OUT, ROOT, Report, elf_sections, oneline, run  # noqa: E402

R = Report()
ASAN_BPFJAIL = os.environ.get("BPFJAIL_ASAN") or os.path.join(ROOT, "build", "asan", "bpfjail")
SAN_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:halt_on_error=1:exitcode=99:abort_on_error=0",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:exitcode=98",
    "LSAN_OPTIONS": "exitcode=97",
}
SAN_MARKERS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:")


def bj(*args, timeout=300, wrap=()):
    return run([*wrap, ASAN_BPFJAIL, *args], timeout=timeout, env=SAN_ENV)


def sanitizer_report(r):
    for m in SAN_MARKERS:
        if m in r.err or m in r.out:
            i = (r.err + r.out).find(m)
            return oneline((r.err + r.out)[max(0, i - 40):i + 300])
    return None


def expect_error(name, path, statuses, args=(), wrap=()):
    """inspect PATH must fail with one of statuses, one error line naming path."""
    statuses = set(statuses)
    want = "/".join(str(s) for s in sorted(statuses))

    r = bj("inspect", *args, path, wrap=wrap)
    rep = sanitizer_report(r)
    if rep:
        R.notok(f"{name}: exit {want}, one error line", f"sanitizer report: {rep}")
    elif r.rc < 0 or r.rc >= 128:
        R.notok(f"{name}: exit {want}, one error line", f"crashed: exit {r.rc}: {oneline(r.err)}")
    elif r.rc not in statuses:
        R.notok(f"{name}: exit {want}, one error line", f"exit {r.rc}, stderr: {oneline(r.err)}")
    else:
        lines = r.err.splitlines()
        prefix = f"bpfjail: {path}: "
        if len(lines) != 1 or not lines[0].startswith(prefix) or len(lines[0]) <= len(prefix):
            R.notok(f"{name}: exit {want}, one error line",
                    f"stderr should be one line '{prefix}PROBLEM', got {len(lines)} lines: {oneline(r.err)}")
        elif r.out.strip():
            R.notok(f"{name}: exit {want}, one error line", f"unexpected stdout: {oneline(r.out, 200)}")
        else:
            R.ok(f"{name}: exit {r.rc}, one error line")

    r = bj("-j", "inspect", *args, path, wrap=wrap)
    rep = sanitizer_report(r)
    if rep:
        R.notok(f"{name} (-j): error object", f"sanitizer report: {rep}")
        return
    if r.rc not in statuses:
        R.notok(f"{name} (-j): error object", f"exit {r.rc}, stderr: {oneline(r.err)}")
        return
    try:
        o = json.loads(r.out)
    except ValueError:
        R.notok(f"{name} (-j): error object", f"stdout is not JSON: {oneline(r.out, 200)}")
        return
    if not isinstance(o, dict) or list(o) != ["error"] or not isinstance(o["error"], str) \
            or path not in o["error"]:
        R.notok(f"{name} (-j): error object", f"expected {{\"error\": \"...{path}...\"}}, got {oneline(r.out, 200)}")
    elif r.err.strip():
        R.notok(f"{name} (-j): error object", f"stderr not empty in -j mode: {oneline(r.err)}")
    else:
        R.ok(f"{name} (-j): error object")


def expect_clean(name, *args, timeout=600):
    r = bj(*args, timeout=timeout)
    rep = sanitizer_report(r)
    if rep:
        R.notok(name, f"sanitizer report: {rep}")
    elif r.rc != 0:
        R.notok(name, r.brief())
    else:
        R.ok(name)


# ---- corrupting copies --------------------------------------------------------

def section_bytes(path, names):
    secs, _ = elf_sections(path)
    for n in names:
        if n in secs:
            return secs[n]
    raise RuntimeError(f"{path}: none of {names}")


def patch(src, dst, edits):
    """Copy src to dst, then write each (offset, bytes)."""
    shutil.copyfile(src, dst)
    with open(dst, "r+b") as f:
        for off, data in edits:
            f.seek(off)
            f.write(data)
    return dst


def pcln118(path):
    """Layout of a Go 1.18-1.19 pclntab (magic 0xfffffff0), as file offsets:
    header fields, functab, the _func of a function in the middle."""
    s = section_bytes(path, [".gopclntab", ".data.rel.ro.gopclntab"])
    with open(path, "rb") as f:
        f.seek(s.offset)
        hdr = f.read(72)
        magic, = struct.unpack_from("<I", hdr, 0)
        if magic != 0xFFFFFFF0:
            raise RuntimeError(f"{path}: pclntab magic {magic:#x}, expected 0xfffffff0")
        # magic u32, pad u16, minLC u8, ptrsize u8, then 8 uintptrs:
        # nfunc nfiles textStart funcnameOff cutabOff filetabOff pctabOff pclnOff
        nfunc, nfiles, text, fnameoff, cuoff, fileoff, pcoff, pclnoff = struct.unpack_from("<8Q", hdr, 8)
        functab = s.offset + pclnoff          # nfunc x (entryoff u32, funcoff u32), then end u32
        k = nfunc // 2
        f.seek(functab + 8 * k)
        entryoff, funcoff = struct.unpack("<II", f.read(8))
        func = functab + funcoff              # _func: entryoff u32, nameoff i32, ...
        f.seek(func)
        fentry, nameoff = struct.unpack("<Ii", f.read(8))
    if fentry != entryoff:
        raise RuntimeError(f"{path}: _func {k} entryoff {fentry:#x} != functab {entryoff:#x}")
    return {"start": s.offset, "size": s.size, "nfunc": nfunc, "functab": functab,
            "k": k, "funcoff_at": functab + 8 * k + 4, "nameoff_at": func + 4,
            "nameoff": nameoff, "fnameoff": fnameoff}


def pcln118_func(path, want):
    """File offsets in a Go 1.18-1.19 pclntab of function want's name and of
    its _func record (entryoff, nameoff, args, deferreturn, pcsp, pcfile,
    pcln, npcdata, cuOffset, funcID/flag/_/nfuncdata; then npcdata uint32
    pcdata offsets into pctab)."""
    lay = pcln118(path)
    s = lay["start"]
    with open(path, "rb") as f:
        d = f.read()
    names = s + lay["fnameoff"]
    for k in range(lay["nfunc"]):
        funcoff, = struct.unpack_from("<I", d, lay["functab"] + 8 * k + 4)
        func = lay["functab"] + funcoff
        nameoff, = struct.unpack_from("<i", d, func + 4)
        end = d.index(b"\0", names + nameoff)
        if d[names + nameoff:end] == want.encode():
            return names + nameoff, func
    raise RuntimeError(f"{path}: no function {want}")


def shdr_offset(path, name):
    """File offset of section name's header."""
    with open(path, "rb") as f:
        d = f.read()
    shoff, = struct.unpack_from("<Q", d, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3A)
    stro = struct.unpack_from("<Q", d, shoff + shstrndx * shentsize + 0x18)[0]
    for i in range(shnum):
        h = shoff + i * shentsize
        nm, = struct.unpack_from("<I", d, h)
        if d[stro + nm:d.index(b"\0", stro + nm)].decode() == name:
            return h
    raise RuntimeError(f"{path}: no section {name}")


def buildinfo_inline(path):
    """Go 1.18+ .go.buildinfo: 14-byte magic, ptrsize, flags (bit 1: inline
    strings), pad to 32, then uvarint length + version, uvarint length +
    modinfo. Returns file offsets of the two length varints."""
    s = section_bytes(path, [".go.buildinfo"])
    with open(path, "rb") as f:
        f.seek(s.offset)
        d = f.read(s.size)
    if d[:14] != b"\xff Go buildinf:" or not d[15] & 2:
        raise RuntimeError(f"{path}: .go.buildinfo is not the inline-string layout")
    n, shift, i = 0, 0, 32
    while True:
        b = d[i]
        n |= (b & 0x7F) << shift
        shift += 7
        i += 1
        if not b & 0x80:
            break
    return s.offset + 32, s.offset + i + n


def buildinfo_pointer(path):
    """Pre-1.18 .go.buildinfo: magic, ptrsize, flags, pad to 16, then two
    pointers to Go string headers {data, len}: file offset of the version
    string's len word."""
    secs, _ = elf_sections(path)
    s = secs[".go.buildinfo"]
    with open(path, "rb") as f:
        d = f.read()
    if d[s.offset:s.offset + 14] != b"\xff Go buildinf:" or d[s.offset + 15] & 2:
        raise RuntimeError(f"{path}: .go.buildinfo is not the pointer layout")
    vaddr, = struct.unpack_from("<Q", d, s.offset + 16)
    for x in secs.values():
        if x.type == 1 and x.addr <= vaddr < x.addr + x.size:   # PROGBITS
            return x.offset + (vaddr - x.addr) + 8
    raise RuntimeError(f"{path}: version string header {vaddr:#x} not in a section")


BIG_UVARINT = b"\xff\xff\xff\xff\x0f"   # 0xffffffff


def corrupt_cases(tmp):
    """[(name, path, statuses)] of corrupted copies of the Go 1.19 fixtures."""
    cases = []
    vs = os.path.join(GO_OUT, "victim-stripped")
    vp = os.path.join(GO_OUT, "victim-pie")
    size = os.path.getsize(vs)
    with open(vs, "rb") as f:
        data = f.read()
    for pct in (10, 50, 90):
        p = os.path.join(tmp, f"truncated-{pct}")
        with open(p, "wb") as f:
            f.write(data[: size * pct // 100])
        # The section table is at the end: a truncated file is either an
        # unusable ELF (3) or an ELF whose Go tables are cut (4).
        cases.append((f"Go binary truncated at {pct}%", p, (3, 4)))
    p = os.path.join(tmp, "truncated-ehdr")
    with open(p, "wb") as f:
        f.write(data[:40])
    cases.append(("Go binary truncated inside the ELF header", p, (3,)))

    lay = pcln118(vs)
    cases.append(("pclntab magic corrupted",
                  patch(vs, os.path.join(tmp, "bad-magic"), [(lay["start"], b"\xef\xbe\xad\xde")]), (4,)))
    lay_p = pcln118(vp)
    cases.append(("PIE pclntab magic corrupted",
                  patch(vp, os.path.join(tmp, "bad-magic-pie"), [(lay_p["start"], b"\xef\xbe\xad\xde")]), (4,)))
    cases.append(("pclntab nameoff outside the name table",
                  patch(vs, os.path.join(tmp, "bad-nameoff"),
                        [(lay["nameoff_at"], struct.pack("<i", 0x7FFFFFF0))]), (4,)))
    cases.append(("pclntab negative nameoff",
                  patch(vs, os.path.join(tmp, "neg-nameoff"),
                        [(lay["nameoff_at"], struct.pack("<i", -0x100))]), (4,)))
    cases.append(("pclntab funcoff outside the table",
                  patch(vs, os.path.join(tmp, "bad-funcoff"),
                        [(lay["funcoff_at"], struct.pack("<I", 0xFFFFFFF0))]), (4,)))
    cases.append(("pclntab nfunc larger than the table",
                  patch(vs, os.path.join(tmp, "bad-nfunc"),
                        [(lay["start"] + 8, struct.pack("<Q", 1 << 60))]), (4,)))
    cases.append(("pclntab pclnOffset past the end",
                  patch(vs, os.path.join(tmp, "bad-pclnoff"),
                        [(lay["start"] + 64, struct.pack("<Q", 0xFFFFFFFFFFFF0000))]), (4,)))
    # Section header of .gopclntab claims only 100 bytes: a valid ELF whose
    # pclntab is cut short.
    sh = shdr_offset(vs, ".gopclntab")
    cases.append(("pclntab section cut to 100 bytes",
                  patch(vs, os.path.join(tmp, "short-pcln"), [(sh + 0x20, struct.pack("<Q", 100))]), (4,)))
    cases.append(("pclntab section offset past end of file",
                  patch(vs, os.path.join(tmp, "pcln-past-eof"),
                        [(sh + 0x18, struct.pack("<Q", size + 4096))]), (3, 4)))

    # A function name is bytes from the file: an error message that quotes
    # one must still be one line. main.main renamed "main\nmain", and its
    # inline tree (funcdata[3], FUNCDATA_InlTree, after npcdata pcdata
    # offsets) moved outside go:func.*.
    name_at, func_at = pcln118_func(vs, "main.main")
    with open(vs, "rb") as f:
        f.seek(func_at + 28)
        npcdata, = struct.unpack("<I", f.read(4))
    cases.append(("function name with a newline, bad inline tree",
                  patch(vs, os.path.join(tmp, "newline-name"),
                        [(name_at, b"main\nmain"),
                         (func_at + 40 + 4 * npcdata + 4 * 3, struct.pack("<I", 0x7FFFFFF0))]),
                  (4,)))

    ver_at, mod_at = buildinfo_inline(vs)
    cases.append(("buildinfo version length past the end",
                  patch(vs, os.path.join(tmp, "bi-verlen"), [(ver_at, BIG_UVARINT)]), (4,)))
    cases.append(("buildinfo modinfo length past the end",
                  patch(vs, os.path.join(tmp, "bi-modlen"), [(mod_at, BIG_UVARINT)]), (4,)))
    cases.append(("buildinfo length varint never ends",
                  patch(vs, os.path.join(tmp, "bi-varint"), [(ver_at, b"\xff" * 16)]), (4,)))
    old = os.path.join(CACHE, "npm", "esbuild-0.7.22")
    if os.path.exists(old):
        try:
            at = buildinfo_pointer(old)
            cases.append(("Go 1.15 pointer-style buildinfo length past the end",
                          patch(old, os.path.join(tmp, "bi-ptr-len"),
                                [(at, struct.pack("<Q", 1 << 62))]), (4,)))
        except RuntimeError as e:
            R.notok("Go 1.15 pointer-style buildinfo layout", str(e))
    else:
        R.skip("Go 1.15 pointer-style buildinfo length past the end",
               "esbuild-0.7.22 not fetched (scripts/fetch-go-binaries.sh)")
    return cases


def main():
    if not os.access(ASAN_BPFJAIL, os.X_OK):
        R.notok("badinput: ASan build", f"{ASAN_BPFJAIL} not built (make asan)")
        R.done()
    tmp = tempfile.mkdtemp(prefix="bpfjail-badinput.")
    try:
        missing = os.path.join(tmp, "no-such-file")
        expect_error("missing file", missing, (3,))
        expect_error("directory", tmp, (3,))
        empty = os.path.join(tmp, "empty")
        open(empty, "wb").close()
        expect_error("empty file", empty, (3,))
        text = os.path.join(tmp, "text")
        with open(text, "w") as f:
            f.write("#!/bin/sh\necho this is not an ELF file\n" * 20)
        expect_error("non-ELF file", text, (3,))
        ident = os.path.join(tmp, "elf-ident-only")
        with open(ident, "wb") as f:
            f.write(b"\x7fELF\x02\x01\x01" + b"\0" * 9)
        expect_error("ELF identification only (16 bytes)", ident, (3,))
        ls = shutil.which("ls") or "/bin/ls"
        expect_error(f"non-Go ELF ({ls})", os.path.realpath(ls), (4,))
        # Unreadable: mode 000; root reads anything, so drop to nobody.
        unr = os.path.join(tmp, "unreadable")
        with open(unr, "wb") as f:
            f.write(b"\x7fELF" + b"\0" * 60)
        os.chmod(unr, 0)
        os.chmod(tmp, 0o755)
        if os.geteuid() != 0:
            expect_error("unreadable file", unr, (3,))
        else:
            nobody = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
            probe = bj("--version", wrap=nobody) if shutil.which("setpriv") else None
            if probe is not None and probe.rc == 0:
                expect_error("unreadable file (as nobody)", unr, (3,), wrap=nobody)
            else:
                R.skip("unreadable file", "running as root, and user nobody cannot run "
                       f"{ASAN_BPFJAIL} (or no setpriv)")

        b = run(["bash", os.path.join(ROOT, "tests", "go", "build.sh")], timeout=600)
        if b.rc != 0:
            R.notok("go fixtures build (tests/go/build.sh)", b.brief())
        else:
            try:
                cases = corrupt_cases(tmp)
            except Exception as e:  # noqa: BLE001 - a layout assumption failed
                R.notok("badinput: corrupting the fixtures", f"{type(e).__name__}: {e}")
                cases = []
            for name, path, statuses in cases:
                expect_error(name, path, statuses)

            # Usage errors.
            v = os.path.join(GO_OUT, "victim")
            for name, args in (("inspect without a file", ["inspect"]),
                               ("inspect with an unknown option", ["inspect", "--bogus", v]),
                               ("inspect --pc with a bad address", ["inspect", "--pc", "zzz", v])):
                r = bj(*args)
                rep = sanitizer_report(r)
                if rep:
                    R.notok(f"usage: {name}: exit 2", f"sanitizer report: {rep}")
                elif r.rc != 2:
                    R.notok(f"usage: {name}: exit 2", f"exit {r.rc}: {oneline(r.err)}")
                else:
                    R.ok(f"usage: {name}: exit 2")

            # Valid inputs under the sanitizers.
            for fx in ("victim", "victim-stripped", "victim-pie", "victim-extlink"):
                p = os.path.join(GO_OUT, fx)
                expect_clean(f"ASan: {fx} --functions --ranges --pc loads clean", "-j", "inspect",
                             "--functions", "--ranges", "--pc", "0x401000", "--pc", "0x0", p)
        for name in ("esbuild-0.7.22", "esbuild-0.8.57", "esbuild-0.12.29", "esbuild-0.14.54",
                     "esbuild-0.28.2", "buf-1.75.0", "lefthook-2.2.2"):
            p = os.path.join(CACHE, "npm", name)
            if os.path.exists(p):
                expect_clean(f"ASan: {name} --functions --ranges loads clean", "-j", "inspect",
                             "--functions", "--ranges", "--module", "github.com/evanw/esbuild", p)
            else:
                R.skip(f"ASan: {name} loads clean", "not fetched (scripts/fetch-go-binaries.sh)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    R.done()


if __name__ == "__main__":
    main()
