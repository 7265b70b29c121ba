#!/usr/bin/env python3
"""Makes TorchSharp's libLibTorchSharp.so load on a libstdc++ older than GCC 13 (Debian 12: GLIBCXX_3.4.30).

libLibTorchSharp.so asks for one GLIBCXX_3.4.32 symbol, std::ios_base_library_init(). On such a system this tool
patches a copy of the library (never the NuGet cache) so that the dynamic linker
  1. looks the symbol up unversioned (patchelf --clear-symbol-version),
  2. finds it in the compatibility library built from native/glibcxx-compat (patchelf --add-needed), and
  3. does not refuse the library for needing GLIBCXX_3.4.32 (VER_FLG_WEAK set on that .gnu.version_r entry).
Why and when it goes away: docs/torchsharp.md.

  torchsharp_glibcxx.py check-system          prints 'needed' or 'not-needed' (does libstdc++ lack GLIBCXX_3.4.32?)
  torchsharp_glibcxx.py patch SRC DST COMPAT  writes a patched copy of SRC to DST (copy, patch, rename), unless DST
                                              is already a patched copy; COMPAT is the compatibility .so's file name
  torchsharp_glibcxx.py is-patched FILE       exit 0 when FILE is patched, 1 when not
Each failure prints one line naming the step and exits 1.
"""
import os
import shutil
import struct
import subprocess
import sys

VERSION = b"GLIBCXX_3.4.32"
SYMBOL = "_ZSt21ios_base_library_initv"
VER_FLG_WEAK = 0x2
SHT_GNU_VERNEED = 0x6FFFFFFE


class PatchError(Exception):
    pass


def system_libstdcxx():
    """The libstdc++.so.6 the dynamic linker resolves (ldconfig's cache), or None."""
    try:
        out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        out = ""
    for line in out.splitlines():
        parts = line.strip().split(" => ")
        if len(parts) == 2 and parts[0].startswith("libstdc++.so.6 ") and "x86-64" in parts[0]:
            return parts[1]
    for candidate in ("/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6"):
        if os.path.exists(candidate):
            return candidate
    return None


def system_needs_patch():
    lib = system_libstdcxx()
    if lib is None:
        raise PatchError("check-system: no libstdc++.so.6 found through ldconfig")
    with open(lib, "rb") as f:
        # The version definition names live in .dynstr as NUL-terminated strings.
        return (VERSION + b"\0") not in f.read()


def _sections(data):
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise PatchError("not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    sections = []
    for i in range(shnum):
        name, stype, _flags, _addr, offset, size, link = struct.unpack_from("<IIQQQQI", data, shoff + i * shentsize)
        sections.append((name, stype, offset, size, link))
    return sections


def _cstr(data, offset):
    end = data.index(b"\0", offset)
    return data[offset:end]


def find_vernaux(data):
    """File offset of the vna_flags field of the GLIBCXX_3.4.32 entry in .gnu.version_r, or None."""
    sections = _sections(data)
    for _name, stype, offset, _size, link in sections:
        if stype != SHT_GNU_VERNEED:
            continue
        strtab = sections[link][2]
        entry = offset
        while True:
            _ver, cnt, _file, aux, nxt = struct.unpack_from("<HHIII", data, entry)
            a = entry + aux
            for _ in range(cnt):
                _hash, _flags, _other, vname, anext = struct.unpack_from("<IHHII", data, a)
                if _cstr(data, strtab + vname) == VERSION:
                    return a + 4
                a += anext
            if nxt == 0:
                break
            entry += nxt
    return None


def needed_libraries(path):
    out = run(["patchelf", "--print-needed", path], "reading DT_NEEDED")
    return out.split()


def is_patched(path, compat_name=None):
    with open(path, "rb") as f:
        data = f.read()
    flags_at = find_vernaux(data)
    if flags_at is None:
        return compat_name is None or compat_name in needed_libraries(path)
    weak = struct.unpack_from("<H", data, flags_at)[0] & VER_FLG_WEAK
    return bool(weak) and (compat_name is None or compat_name in needed_libraries(path))


def run(argv, step):
    try:
        return subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    except FileNotFoundError:
        raise PatchError(f"{step}: {argv[0]} is not installed (./setup.sh installs it with apt)")
    except subprocess.CalledProcessError as e:
        raise PatchError(f"{step}: {' '.join(argv)} failed: {e.stderr.strip()}")


def patch(src, dst, compat_name):
    if os.path.exists(dst) and is_patched(dst, compat_name):
        return False
    tmp = dst + ".patching"
    shutil.copyfile(src, tmp)  # a fresh file: never writes through a hard link into the NuGet cache
    os.chmod(tmp, 0o755)
    try:
        run(["patchelf", "--clear-symbol-version", SYMBOL, "--add-needed", compat_name, tmp],
            "patchelf --clear-symbol-version/--add-needed")
        with open(tmp, "r+b") as f:
            data = f.read()
            flags_at = find_vernaux(data)
            if flags_at is not None:
                flags = struct.unpack_from("<H", data, flags_at)[0]
                f.seek(flags_at)
                f.write(struct.pack("<H", flags | VER_FLG_WEAK))
        if not is_patched(tmp, compat_name):
            raise PatchError("verifying the patched copy: the GLIBCXX_3.4.32 entry is not weak after patching")
        os.replace(tmp, dst)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return True


def main(argv):
    try:
        if len(argv) == 2 and argv[1] == "check-system":
            print("needed" if system_needs_patch() else "not-needed")
        elif len(argv) == 5 and argv[1] == "patch":
            changed = patch(argv[2], argv[3], argv[4])
            print(f"{'patched' if changed else 'already patched'}: {argv[3]}")
        elif len(argv) == 3 and argv[1] == "is-patched":
            return 0 if is_patched(argv[2]) else 1
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (PatchError, OSError, ValueError, struct.error) as e:
        print(f"torchsharp_glibcxx: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
