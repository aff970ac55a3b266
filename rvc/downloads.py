"""HTTP downloads that resume, verify and never leave half a file at the destination.

Bytes arrive in `<target>.part` beside the target. A later call resumes from the part with an
HTTP Range request (and starts over if the server ignores it). Only after the size (and sha256,
where known) check out is the part renamed over the target with `os.replace`. A corrupt or
mismatched part is deleted; an interrupted one is kept so the next call resumes it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

from rvc.errors import RVCError
from rvc.prerequisites import BASE_URL_ENV, Prerequisite

ProgressCallback = Callable[[int, int | None], None]
ItemProgressCallback = Callable[[Prerequisite, int, int | None], None]

CHUNK_BYTES = 1 << 16
TIMEOUT_S = (10.0, 60.0)


def part_path(target: Path) -> Path:
    """Where the bytes of `target` accumulate until verified: `<target>.part`."""
    return target.with_name(target.name + ".part")


def _by_hand(url: str, target: Path) -> str:
    """The manual fallback, appended to every error."""
    return f"download {url} by hand and save it as {target}"


def _connection_reason(error: Exception) -> str:
    """Short human reason for a failed connection (offline, refused, timed out)."""
    import requests

    if isinstance(error, requests.exceptions.Timeout):
        return "the connection timed out"
    text = str(error)
    for needle, reason in (
        ("NameResolution", "the host name could not be resolved (offline?)"),
        ("Name or service not known", "the host name could not be resolved (offline?)"),
        ("Connection refused", "the connection was refused"),
        ("Network is unreachable", "the network is unreachable (offline?)"),
        ("timed out", "the connection timed out"),
    ):
        if needle in text:
            return reason
    return "the connection failed"


def _http_error(status: int, url: str, target: Path) -> RVCError:
    """User-facing error for an HTTP status that is not 200/206."""
    if status == 404:
        what = f"was not found (HTTP 404): the file may have moved; set {BASE_URL_ENV} to a mirror or"
    elif status in (401, 403):
        what = f"was refused (HTTP {status}); try again later or"
    elif status >= 500:
        what = f"failed with a server error (HTTP {status}); try again later or"
    else:
        what = f"failed with HTTP {status}; try again later or"
    return RVCError(f"{url} {what} {_by_hand(url, target)}")


def _content_range(header: str | None) -> tuple[int | None, int | None]:
    """Parse `bytes START-END/TOTAL` (or `bytes */TOTAL`) into (start, total); None where absent."""
    match = re.fullmatch(r"bytes\s+(?:(\d+)-\d+|\*)/(\d+|\*)", (header or "").strip())
    if match is None:
        return None, None
    start = int(match.group(1)) if match.group(1) is not None else None
    total = int(match.group(2)) if match.group(2) != "*" else None
    return start, total


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _finish(part: Path, target: Path, url: str, expected_size: int | None, sha256: str | None) -> Path:
    """Verify the complete part (size, sha256) and move it over the target; delete it if wrong."""
    size = part.stat().st_size
    if expected_size is not None and size != expected_size:
        part.unlink(missing_ok=True)
        raise RVCError(
            f"{target.name}: got {size} bytes but expected {expected_size}; the partial file was deleted. "
            f"Run the download again or {_by_hand(url, target)}"
        )
    if sha256 is not None:
        actual = sha256_of(part)
        if actual != sha256.lower():
            part.unlink(missing_ok=True)
            raise RVCError(
                f"{target.name}: checksum mismatch (sha256 {actual[:12]}..., expected {sha256[:12]}...); "
                f"the corrupted file was deleted. Run the download again or {_by_hand(url, target)}"
            )
    os.replace(part, target)
    return target


def _check_free_space(part: Path, needed: int | None, url: str, target: Path) -> None:
    """Fail before writing when the disk clearly cannot hold the rest of the file."""
    if needed is None:
        return
    free = shutil.disk_usage(part.parent).free
    if free < needed:
        raise RVCError(
            f"not enough disk space for {target.name} in {target.parent}: needs {needed / 1e6:.1f} MB, "
            f"{free / 1e6:.1f} MB free; free some space and run the download again, or {_by_hand(url, target)}"
        )


def _write_body(
    response, part: Path, offset: int, total: int | None, progress: ProgressCallback | None, url: str, target: Path
) -> None:
    """Append (offset > 0) or write the response body to the part, reporting progress."""
    import requests

    done = offset
    try:
        with open(part, "ab" if offset else "wb") as handle:
            if progress is not None:
                progress(done, total)
            for chunk in response.iter_content(CHUNK_BYTES):
                handle.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
            handle.flush()
            os.fsync(handle.fileno())
    except requests.RequestException as error:
        raise RVCError(
            f"download of {target.name} was interrupted after {done} of {total or '?'} bytes "
            f"({_connection_reason(error)}); run it again to resume, or {_by_hand(url, target)}"
        ) from error
    except OSError as error:
        part.unlink(missing_ok=True)
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            need = f"{total / 1e6:.0f} MB" if total else "more space"
            raise RVCError(
                f"disk full while saving {target.name} into {target.parent} (needs {need}); "
                f"free some space and run the download again, or {_by_hand(url, target)}"
            ) from error
        raise RVCError(
            f"could not write {part} ({error.strerror or error}); check the folder's permissions, "
            f"or {_by_hand(url, target)}"
        ) from error
    if total is not None and done < total:
        raise RVCError(
            f"download of {target.name} was interrupted after {done} of {total} bytes; "
            f"run it again to resume, or {_by_hand(url, target)}"
        )


def download_file(
    url: str,
    target: Path,
    *,
    expected_size: int | None = None,
    sha256: str | None = None,
    progress: ProgressCallback | None = None,
    timeout: tuple[float, float] = TIMEOUT_S,
) -> Path:
    """Fetch `url` into `target` (resuming `<target>.part`), verify it, and rename it into place.

    `progress(done_bytes, total_bytes)` is called as bytes arrive (total None when unknown).
    Raises `RVCError` naming the cause (offline, HTTP status, disk full, size/checksum mismatch).
    """
    import requests

    target = Path(target)
    part = part_path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RVCError(f"cannot create {target.parent} ({error.strerror or error}); check permissions") from error
    offset = part.stat().st_size if part.is_file() else 0
    if expected_size is not None and offset > expected_size:
        part.unlink()
        offset = 0
    if expected_size is not None and offset == expected_size:
        return _finish(part, target, url, expected_size, sha256)

    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        response = requests.get(url, headers=headers, stream=True, timeout=timeout)
    except requests.RequestException as error:
        host = urlsplit(url).netloc or url
        raise RVCError(
            f"cannot download {target.name}: {_connection_reason(error)} while contacting {host}. "
            f"Check the internet connection, or {_by_hand(url, target)}"
        ) from error

    with response:
        start, range_total = _content_range(response.headers.get("Content-Range"))
        if response.status_code == 416 and offset:
            if range_total == offset:
                return _finish(part, target, url, expected_size, sha256)
            part.unlink(missing_ok=True)
            return download_file(
                url, target, expected_size=expected_size, sha256=sha256, progress=progress, timeout=timeout
            )
        if response.status_code == 206:
            if start != offset and offset:
                part.unlink(missing_ok=True)
                return download_file(
                    url, target, expected_size=expected_size, sha256=sha256, progress=progress, timeout=timeout
                )
            if start != offset:
                raise RVCError(f"{url} answered a whole-file request with a partial reply; {_by_hand(url, target)}")
            total = range_total
        elif response.status_code == 200:
            offset = 0
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
        else:
            raise _http_error(response.status_code, url, target)
        if expected_size is not None and total is not None and total != expected_size:
            part.unlink(missing_ok=True)
            raise RVCError(
                f"{url} serves {total} bytes but {target.name} should be {expected_size}; nothing was saved. "
                f"Check the source, or {_by_hand(url, target)}"
            )
        total = total if total is not None else expected_size
        _check_free_space(part, total - offset if total is not None else None, url, target)
        _write_body(response, part, offset, total, progress, url, target)
    return _finish(part, target, url, expected_size, sha256)


def download_prerequisite(item: Prerequisite, progress: ProgressCallback | None = None) -> Path:
    """Download one catalogued prerequisite to its local path."""
    return download_file(item.url, item.path, expected_size=item.size, sha256=item.sha256, progress=progress)


def download_missing(items: Iterable[Prerequisite], progress: ItemProgressCallback | None = None) -> list[Path]:
    """Download each item not yet present, in order; returns the paths that were fetched."""
    fetched = []
    for item in items:
        if item.present:
            continue
        callback = None if progress is None else (lambda done, total, item=item: progress(item, done, total))
        fetched.append(download_prerequisite(item, callback))
    return fetched
