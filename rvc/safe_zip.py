"""Reading zips that strangers made: vet every entry from the directory before a byte is extracted, then stream
the chosen entries out without ever writing more than they declare.

Refused: absolute or `..` paths, links, device files, encrypted entries, an entry that expands over
`MAX_RATIO`:1 (a zip bomb), and more entries or more bytes in all than the caller allows. macOS resource forks
(`__MACOSX/`, `._name`) are junk that rides along and is left out.
"""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

MAX_RATIO = 100
"""Weights, indexes and recordings deflate to most of their size; a 100:1 entry is a crafted bomb."""
RATIO_EXEMPT_BYTES = 1 << 20
"""Entries up to 1 MiB (a readme, a json) may compress well; they cannot fill a disk."""
COPY_CHUNK = 1 << 20
JUNK_PARTS = ("__MACOSX",)


def entry_problem(info: zipfile.ZipInfo) -> str | None:
    """Why one zip entry makes the whole archive untrustworthy (None when it is acceptable)."""
    name = info.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return f"entry {info.filename!r} has an absolute path"
    if ".." in parts:
        return f"entry {info.filename!r} points outside the archive ('..')"
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        return f"entry {info.filename!r} is a symbolic link"
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        return f"entry {info.filename!r} is a device, pipe or socket, not a file"
    if info.flag_bits & 0x1:
        return f"entry {info.filename!r} is encrypted"
    if info.file_size > RATIO_EXEMPT_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return (
            f"entry {info.filename!r} would expand {info.compress_size:,} bytes to {info.file_size:,} "
            f"(over {MAX_RATIO}:1, a zip bomb)"
        )
    return None


def archive_problem(infos: list[zipfile.ZipInfo], max_entries: int, max_bytes: int) -> str | None:
    """Why the archive with these entries is refused: too many entries, too many bytes in all, or an unsafe
    entry (None when every check passes)."""
    if len(infos) > max_entries:
        return f"it has {len(infos):,} entries (at most {max_entries:,})"
    total = sum(info.file_size for info in infos)
    if total > max_bytes:
        return f"it would expand to {total / 2**30:.1f} GiB (at most {max_bytes / 2**30:.0f} GiB; a zip bomb?)"
    for info in infos:
        problem = entry_problem(info)
        if problem:
            return f"{problem}; the archive is unsafe"
    return None


def is_junk(name: str) -> bool:
    """macOS resource forks and folders that ride along in zips."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return any(part in JUNK_PARTS for part in parts) or PurePosixPath(name).name.startswith("._")


def member_files(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The archive's file entries that are not junk, in archive order."""
    return [info for info in archive.infolist() if not info.is_dir() and not is_junk(info.filename)]


def base_name(info: zipfile.ZipInfo) -> str:
    """The entry's file name without its folders."""
    return PurePosixPath(info.filename.replace("\\", "/")).name


def copy_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    """Stream one entry to `target`, never writing more than its declared size; ValueError saying why when it
    holds more (it is crafted) or is damaged."""
    written = 0
    try:
        with archive.open(info) as source, open(target, "wb") as out:
            while chunk := source.read(COPY_CHUNK):
                written += len(chunk)
                if written > info.file_size:
                    raise ValueError(f"entry {info.filename!r} holds more than its declared size; it is crafted.")
                out.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        raise ValueError(f"entry {info.filename!r} is damaged or unsupported ({error}).") from None
