#!/usr/bin/env python3
"""Compares two ELF objects: byte-identical, or identical except the MD5
checksums of a DWARF 5 line table.

  compare_objects.py [--allow-missing-md5] REFERENCE CANDIDATE

Without the flag the files must be byte-identical. With it, every section
must still be byte-identical, with the same header fields, in the same order,
except two: .debug_line may differ only in that the candidate's file table has
no md5_checksum where the reference has one (and so in the lengths that the
missing bytes shorten), and .rela.debug_line may differ only in the offsets
those bytes shift. Nothing else is ignored. Exit status 0 when they match;
otherwise the first difference is printed and the status is 1.
"""
import os
import struct
import subprocess
import sys

LLVM_BIN = "/usr/lib/llvm-16/bin"


def sections(path):
    data = open(path, "rb").read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit("%s: not a little-endian ELF64 object" % path)
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    headers = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
               for i in range(shnum)]
    strtab = headers[shstrndx]
    names = data[strtab[4]:strtab[4] + strtab[5]]
    result = []
    for (name, kind, flags, addr, offset, size, link, info, align,
         entsize) in headers:
        label = names[name:names.index(b"\0", name)].decode()
        content = data[offset:offset + size] if kind != 8 else b""  # NOBITS
        result.append((label, (kind, flags, addr, size, link, info, align,
                               entsize), content))
    return data, result


def line_table_dump(path):
    out = subprocess.run([os.path.join(LLVM_BIN, "llvm-dwarfdump"),
                          "--debug-line", path], check=True,
                         capture_output=True, text=True).stdout
    return out.splitlines()[1:]  # the first line names the file


def without_md5(lines):
    """The dump with what missing checksums legitimately change removed."""
    return [l for l in lines
            if "md5_checksum:" not in l
            and not l.lstrip().startswith(("total_length:", "prologue_length:"))]


def fail(message):
    print(message)
    sys.exit(1)


def main():
    args = sys.argv[1:]
    allow_md5 = args and args[0] == "--allow-missing-md5"
    if allow_md5:
        args = args[1:]
    if len(args) != 2:
        sys.exit(__doc__)
    ref_path, cand_path = args
    ref_data, ref = sections(ref_path)
    cand_data, cand = sections(cand_path)
    if ref_data == cand_data:
        return
    if not allow_md5:
        fail("%s and %s differ" % (ref_path, cand_path))
    if [s[0] for s in ref] != [s[0] for s in cand]:
        fail("section lists differ: %s vs %s" % ([s[0] for s in ref],
                                                 [s[0] for s in cand]))
    for (name, rh, rc), (_, ch, cc) in zip(ref, cand):
        if name == ".debug_line":
            ref_lines, cand_lines = line_table_dump(ref_path), line_table_dump(cand_path)
            if any("md5_checksum" in l for l in cand_lines):
                fail(".debug_line: the candidate has checksums and still differs")
            if without_md5(ref_lines) != without_md5(cand_lines):
                for r, c in zip(without_md5(ref_lines), without_md5(cand_lines)):
                    if r != c:
                        fail(".debug_line differs beyond MD5 checksums:\n  %s\n  %s" % (r, c))
                fail(".debug_line differs beyond MD5 checksums (length)")
            continue
        if name == ".rela.debug_line":
            # Same relocations (type, symbol, addend) in the same order; only
            # the offsets into the shortened table move.
            if len(rc) != len(cc):
                fail(".rela.debug_line: %d vs %d bytes" % (len(rc), len(cc)))
            for i in range(0, len(rc), 24):
                if rc[i + 8:i + 24] != cc[i + 8:i + 24]:
                    fail(".rela.debug_line: relocation %d differs" % (i // 24))
            continue
        if rh != ch:
            fail("%s: section header fields differ: %s vs %s" % (name, rh, ch))
        if rc != cc:
            fail("%s: contents differ" % name)


if __name__ == "__main__":
    main()
