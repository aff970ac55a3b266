"""Writing files so that a crash never leaves half of one: write beside the target, then rename over it.

This module imports nothing else of `rvc` (like `rvc.errors`), so every layer, `rvc/models/` included, writes
its files through it.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NEW_FILE_MODE = 0o666
"""Mode asked for when creating a temp file; the kernel removes the umask's bits, as for any file a program writes
(`tempfile.mkstemp` would ask for 0o600, and the rename would keep it, leaving user files unreadable to others)."""
NAME_ATTEMPTS = 100


def _new_temp_beside(path: Path, keep_suffix: bool = True) -> Path:
    """Create an empty hidden file `.<name>.<random>.tmp[<suffix>]` beside `path` with the umask's usual mode.

    `keep_suffix` ends the name with `path`'s suffix, for writers that pick the format from it.
    """
    suffix = path.suffix if keep_suffix else ""
    for _ in range(NAME_ATTEMPTS):
        temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp{suffix}")
        try:
            os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, NEW_FILE_MODE))
        except FileExistsError:
            continue
        return temp
    raise FileExistsError(f"could not create a temporary file beside {path}")


@contextmanager
def atomic_path(path: str | os.PathLike[str], keep_suffix: bool = True) -> Iterator[Path]:
    """A temporary path beside `path` to write; renamed over `path` only if the block succeeds.

    The temp file exists (empty) when the block starts and has the mode a new file gets under the umask
    (0644 under umask 022), which the rename keeps. `keep_suffix=False` gives a name that does not end with
    `path`'s suffix, so a crash leftover is not mistaken for a finished file by a `*.pth`-style listing.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = _new_temp_beside(path, keep_suffix)
    try:
        yield temp
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write `text` (UTF-8) to `path` atomically; returns the path."""
    with atomic_path(path) as temp:
        temp.write_text(text, encoding="utf-8")
    return Path(path)


def write_json_atomic(path: str | os.PathLike[str], data: object, indent: int = 2) -> Path:
    """Write `data` as JSON to `path` atomically; returns the path."""
    return write_text_atomic(path, json.dumps(data, indent=indent))
