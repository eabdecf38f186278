#!/usr/bin/env python3
"""Shrink a Go ELF binary into a loader fuzz seed.

    mkseed.py IN OUT

Keeps the ELF header and only the sections the loader reads (pclntab,
buildinfo, build ID note, the data holding runtime.firstmoduledata, rodata
with the go:func.* FUNCDATA), at their original addresses; .text and the
other allocated sections become SHT_NOBITS (address and size kept, no file
bytes), program headers are dropped. A smaller input means more fuzzer
executions per second, and mutations land in bytes the loader parses.
"""
import struct
import sys

KEEP = {".gopclntab", ".data.rel.ro.gopclntab", ".go.buildinfo", ".note.go.buildid",
        ".noptrdata", ".data", ".data.rel.ro", ".rodata", ".typelink", ".itablink"}
SHT_NOBITS, SHT_STRTAB = 8, 3


def main(src, dst):
    with open(src, "rb") as f:
        d = f.read()
    if d[:4] != b"\x7fELF" or d[4] != 2 or d[5] != 1:
        sys.exit(f"{src}: not ELF64 LE")
    shoff, = struct.unpack_from("<Q", d, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3A)
    shdrs = [list(struct.unpack_from("<IIQQQQIIQQ", d, shoff + i * shentsize)) for i in range(shnum)]
    stro = shdrs[shstrndx][4]

    def name(h):
        return d[stro + h[0]:d.index(b"\0", stro + h[0])].decode()

    out = bytearray(d[:64])
    blobs = []
    for i, h in enumerate(shdrs):
        n = name(h)
        if i == 0:
            continue
        if i == shstrndx or n in KEEP and h[1] != SHT_NOBITS:
            blobs.append((i, d[h[4]:h[4] + h[5]]))
        elif h[1] != SHT_NOBITS and h[2] & 2:   # other SHF_ALLOC: keep the address range only
            h[1] = SHT_NOBITS
            h[4] = 0
        else:                                  # .symtab, debug info: gone (size 0)
            h[4] = h[5] = 0
    for i, data in blobs:
        while len(out) % 16:
            out.append(0)
        shdrs[i][4] = len(out)
        out += data
    while len(out) % 8:
        out.append(0)
    new_shoff = len(out)
    for h in shdrs:
        out += struct.pack("<IIQQQQIIQQ", *h)
    struct.pack_into("<Q", out, 0x20, 0)            # e_phoff
    struct.pack_into("<Q", out, 0x28, new_shoff)    # e_shoff
    struct.pack_into("<HH", out, 0x36, 56, 0)       # e_phentsize, e_phnum
    with open(dst, "wb") as f:
        f.write(out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
