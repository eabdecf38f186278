"""Shared helpers for the Python test scripts (tests/host/*.py, tests/fuzz/*).

Reporting follows tests/run: one line per check,
    ok - NAME | not ok - NAME: why | skip - NAME: why

The oracles here (ELF sections, `go tool nm`, `go version -m`, package of a
Go symbol name) are independent of bpfjail's own loader on purpose.
"""
import json
import os
import re
import struct
import select
import time
import subprocess
import sys
import traceback

ROOT = os.environ.get("BPFJAIL_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BPFJAIL = os.environ.get("BPFJAIL") or os.path.join(ROOT, "build", "bpfjail")
CACHE = os.environ.get("BPFJAIL_CACHE") or os.path.join(ROOT, ".cache")
GO_OUT = os.path.join(ROOT, "build", "go")


def oneline(s, limit=400):
    s = re.sub(r"\s+", " ", str(s)).strip()
    return s if len(s) <= limit else s[:limit] + "..."


class Report:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0

    def ok(self, name):
        self.passed += 1
        print(f"ok - {name}", flush=True)

    def notok(self, name, why="failed"):
        self.failed += 1
        print(f"not ok - {name}: {oneline(why)}", flush=True)

    def skip(self, name, why="skipped"):
        self.skipped += 1
        print(f"skip - {name}: {oneline(why)}", flush=True)

    def check(self, name, fn, *args):
        """Run fn(*args): None/True means ok, a string is the failure reason,
        an exception is a failure too (e.g. a missing JSON field)."""
        try:
            res = fn(*args)
        except Exception as e:  # noqa: BLE001 - any error is a failed check
            tb = traceback.extract_tb(e.__traceback__)[-1]
            self.notok(name, f"{type(e).__name__}: {e} (line {tb.lineno})")
            return False
        if res is None or res is True:
            self.ok(name)
            return True
        self.notok(name, res if isinstance(res, str) else "check returned false")
        return False

    def eq(self, name, expected, actual):
        if expected == actual:
            self.ok(name)
        else:
            self.notok(name, f"expected {expected!r}, got {actual!r}")

    def done(self):
        sys.exit(1 if self.failed else 0)


class Result:
    def __init__(self, cmd, rc, out, err):
        self.cmd, self.rc, self.out, self.err = cmd, rc, out, err
        self._json = None

    @property
    def json(self):
        if self._json is None:
            self._json = json.loads(self.out)
        return self._json

    def brief(self):
        return f"'{' '.join(self.cmd)}' exited {self.rc}: {oneline(self.err or self.out, 300)}"


def run(cmd, timeout=300, env=None, stdin=subprocess.DEVNULL):
    e = dict(os.environ)
    if env:
        e.update(env)
    try:
        p = subprocess.run(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, env=e)
    except subprocess.TimeoutExpired as ex:
        return Result(cmd, -999, (ex.stdout or b"").decode("utf-8", "replace"),
                      f"timed out after {timeout}s")
    except OSError as ex:
        return Result(cmd, -998, "", str(ex))
    return Result(cmd, p.returncode, p.stdout.decode("utf-8", "replace"),
                  p.stderr.decode("utf-8", "replace"))


def inspect(binary, *args, bpfjail=None, json_mode=True, timeout=300, env=None):
    cmd = [bpfjail or BPFJAIL] + (["-j"] if json_mode else []) + ["inspect", *args, binary]
    return run(cmd, timeout=timeout, env=env)


def hx(v):
    """An address from JSON ("0x..." or a number) as int."""
    if isinstance(v, int):
        return v
    return int(v, 16) if v.lower().startswith("0x") else int(v)


# ---- ELF (independent of libelf) -------------------------------------------

class Section:
    def __init__(self, name, type_, flags, addr, offset, size):
        self.name, self.type, self.flags = name, type_, flags
        self.addr, self.offset, self.size = addr, offset, size


def elf_sections(path):
    """Sections of an ELF64 little-endian file, by name."""
    with open(path, "rb") as f:
        d = f.read()
    if d[:4] != b"\x7fELF" or d[4] != 2 or d[5] != 1:
        raise ValueError(f"{path}: not ELF64 LE")
    e_type, = struct.unpack_from("<H", d, 0x10)
    shoff, = struct.unpack_from("<Q", d, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3A)
    raw = []
    for i in range(shnum):
        raw.append(struct.unpack_from("<IIQQQQIIQQ", d, shoff + i * shentsize))
    stro = raw[shstrndx][4]
    secs = {}
    for (nm, typ, flags, addr, off, size, *_rest) in raw:
        end = d.index(b"\0", stro + nm)
        name = d[stro + nm:end].decode()
        secs[name] = Section(name, typ, flags, addr, off, size)
    return secs, e_type


# ---- Go toolchain oracles ---------------------------------------------------

GO_ENV = {"CGO_ENABLED": "0", "GOPROXY": "off", "GOFLAGS": "-mod=mod -buildvcs=false"}


def go_nm(path):
    """[(addr, type, name)] from `go tool nm -sort address`."""
    r = run(["go", "tool", "nm", "-sort", "address", path], env=GO_ENV)
    if r.rc != 0:
        raise RuntimeError(r.brief())
    out = []
    for line in r.out.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3:
            out.append((int(parts[0], 16), parts[1], parts[2]))
    return out


def go_version_m(path):
    """(go_version, main_path, [(path, version, repl_path, repl_version, main)])
    from `go version -m`, or None when it finds no build info."""
    r = run(["go", "version", "-m", path], env=GO_ENV)
    if r.rc != 0:
        return None
    lines = r.out.splitlines()
    gover = lines[0].rsplit(": ", 1)[1].strip()
    mods, main_path = [], None
    for line in lines[1:]:
        f = line.split("\t")
        if len(f) < 3 or f[0] != "":
            continue
        key = f[1]
        if key == "path":
            main_path = f[2]
        elif key in ("mod", "dep"):
            ver = f[3] if len(f) > 3 else ""
            mods.append([f[2], ver or None, None, None, key == "mod"])
        elif key == "=>" and mods:
            mods[-1][2] = f[2]
            mods[-1][3] = (f[3] if len(f) > 3 else "") or None
    return gover, main_path, [tuple(m) for m in mods]


def strip_brackets(name, repl=""):
    """Replace each top-level [...] (type arguments, array lengths) by repl."""
    out, depth = [], 0
    for ch in name:
        if ch == "[":
            if depth == 0:
                out.append(repl)
            depth += 1
        elif ch == "]" and depth > 0:
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def norm_name(name):
    """Normalise a symbol name so .symtab (nm) and pclntab spellings compare
    equal: Go 1.19's pclntab prints type arguments and array lengths as
    "[...]", uses "·" where .symtab has ".", and .symtab marks ABI0 wrappers
    with a ".abi0" suffix."""
    name = name.replace("\u00b7", ".")
    if name.endswith(".abi0"):
        name = name[: -len(".abi0")]
    return strip_brackets(name, "[...]")


def pkg_of(name):
    """Escaped package path of a function name: up to the first '.' after the
    last '/' (type arguments removed first), as runtime.funcpkgpath does; but
    a method's receiver "(...)" ends the package, because a promoted
    unexported method is qualified with another package's path:
    "example.com/a.(*T).example.com/b.m" is in package example.com/a."""
    n = strip_brackets(name)
    k = n.find(".(")
    if k >= 0:
        return n[:k]
    i = n.rfind("/")
    j = n.find(".", i + 1 if i >= 0 else 0)
    return n if j < 0 else n[:j]


def escape_last(path):
    """A package path as symbol names spell it: '.' in the last element -> %2e."""
    head, sep, last = path.rpartition("/")
    return head + sep + last.replace(".", "%2e")


def unescape(pkg):
    return re.sub(r"%([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), pkg)


SYNTHETIC_RE = re.compile(r"^(type[:.]|go:|go\.(shape|itab|buildid|string|func|info|importpath|track|map|struct|interface)\b)")


def module_of_pkg(pkg, module_paths):
    """Longest module path equal to pkg or a prefix of it on a '/' boundary."""
    best = None
    for m in module_paths:
        if (pkg == m or pkg.startswith(m + "/")) and (best is None or len(m) > len(best)):
            best = m
    return best


def expected_module(name, module_paths):
    """(checkable, module or None, package or None) for a function name.

    The module is the longest module path the name starts with, followed by
    '/' (a package inside it) or, spelled escaped, by '.' (its root package);
    matching at the start of the name needs no parsing of the rest, which may
    hold other package paths (qualified method names). The package is given
    only when the name is unambiguous. Not checkable: synthetic names, the
    main package, the standard library's vendored packages (vendor/...,
    checked on their own: tests/host/loader.py) and "go."-prefixed names no
    module covers."""
    if SYNTHETIC_RE.match(name) or name.startswith("vendor/"):
        return False, None, None
    n = strip_brackets(name)
    best = None
    for m in module_paths:
        if (n.startswith(m + "/") or n.startswith(escape_last(m) + ".")) and \
                (best is None or len(m) > len(best)):
            best = m
    p = pkg_of(name)
    if best is not None:
        if p == escape_last(best) or (p.startswith(best + "/") and "." not in p[len(best):]):
            return True, best, unescape(p)
        return True, best, None
    if p == "main" or name.startswith("go."):
        return False, None, None
    # stdlib (fmt, internal/..., no dot in the first element) or a dotted
    # path no module covers: no module either way.
    return True, None, None


class LineReader:
    """Line-by-line reads of self.p's stdout (self.buf holds the rest)."""

    def readline(self, timeout=5):
        """Next stdout line, or None at EOF or timeout."""
        end = time.monotonic() + timeout
        fd = self.p.stdout.fileno()
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                return None
            chunk = os.read(fd, 4096)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode("utf-8", "replace")
