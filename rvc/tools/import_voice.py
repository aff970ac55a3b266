"""Importing a shared voice (a `.pth` or a `.zip` with its `.index`, local or from a link) into `logs/<name>/`.

Everything that arrives is untrusted. A zip is vetted from its directory before a byte is extracted
(no absolute or `..` paths, links, device files or encrypted entries; limited entry count, total size and
compression ratio), then only its voice and index are streamed into a hidden staging folder beside the
target. The voice must pass the weights-only loader and load as a voice; the index must be a faiss index
whose width fits the voice's version. Only then is the staging folder renamed to `logs/<name>/` (with a
`_2`, `_3`... suffix if the name is taken); on any failure it is deleted, so nothing half-imported remains.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit, urlunsplit

from rvc import paths
from rvc.errors import RVCError
from rvc.safe_zip import archive_problem, base_name, copy_entry, member_files

if TYPE_CHECKING:
    from rvc.models.voice_file import Voice

MAX_ENTRIES = 1000
"""A voice zip holds a handful of files; thousands of entries are a zip-bomb pattern (each costs an inode to vet)."""
MAX_TOTAL_BYTES = 4 << 30
"""4 GiB uncompressed: a fp32 voice (~220 MB) with an index of 200,000 768-d vectors (~600 MB) fits many times."""
CHECKPOINT_PREFIXES = ("G_", "D_")
HF_HOSTS = ("huggingface.co", "www.huggingface.co", "hf.co")
MAX_NAME_CHARS = 64

ProgressCallback = Callable[[int, int | None], None]


@dataclass(frozen=True)
class ImportedVoice:
    """A voice placed in the logs folder: its name, folder, voice file, index (if any) and remarks."""

    name: str
    folder: Path
    voice: Path
    index: Path | None
    sample_rate: int
    version: str
    vocoder: str
    notes: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line for the CLI and the tab."""
        index = f" with its index {self.index.name}" if self.index else " (no index)"
        text = (
            f"imported {self.name!r} into {self.folder}{index}: {self.sample_rate} Hz, {self.version}, {self.vocoder}."
        )
        return " ".join([text, *self.notes])


def is_url(source: str) -> bool:
    """True for `http://` and `https://` links."""
    return urlsplit(str(source)).scheme.lower() in ("http", "https")


def normalize_url(url: str) -> str:
    """The direct file URL: Hugging Face `/blob/` pages become `/resolve/` files, `?download=true` is dropped."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https"):
        raise RVCError(f"{url} is not an http(s) link: give an https://... link or the path of a local .pth or .zip.")
    path = parts.path
    if parts.netloc.lower() in HF_HOSTS:
        if "/tree/" in path:
            raise RVCError(
                f"{url} is a Hugging Face folder page, not a file: open the folder and copy the link of the .pth or "
                ".zip file (its …/resolve/… or …/blob/… address)."
            )
        path = path.replace("/blob/", "/resolve/", 1)
    query = "&".join(item for item in parts.query.split("&") if item and item.lower() != "download=true")
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def voice_name_from(text: str) -> str:
    """A folder name from a file name or title: Unicode word characters, `-` and `.`, spaces as `_`."""
    text = unicodedata.normalize("NFC", text).strip()
    text = re.sub(r"\s+", "_", text)
    text = re.sub(r"[^\w.\-]", "", text).strip("._-")[:MAX_NAME_CHARS]
    if text.startswith(CHECKPOINT_PREFIXES):
        text = "voice-" + text
    return text or "voice"


def check_voice_name(name: str) -> str:
    """`name` stripped, if it can name a voice folder and file; RVCError saying what to type otherwise."""
    name = paths.check_run_name(name.strip())
    if name.startswith(".") or name.startswith(CHECKPOINT_PREFIXES):
        raise RVCError(
            f"invalid voice name {name!r}: names starting with '.', 'G_' or 'D_' are hidden or taken for training "
            "checkpoints; use e.g. my-voice"
        )
    return name


def _free_name(base: str) -> str:
    """`base`, or `base_2`, `base_3`, ... : the first name with no folder in the logs folder yet."""
    logs = paths.logs_dir()
    candidate, number = base, 1
    while (logs / candidate).exists():
        number += 1
        candidate = f"{base}_{number}"
    return candidate


def _refuse(label: str, reason: str) -> RVCError:
    """The error for an archive or file that is not imported."""
    return RVCError(f"{label} was not imported: {reason} Nothing was written to the voices folder.")


@dataclass(frozen=True)
class _ZipPlan:
    """The vetted entries of a voice zip to extract."""

    voice: zipfile.ZipInfo
    index: zipfile.ZipInfo | None
    notes: tuple[str, ...]


def _plan_zip(archive: zipfile.ZipFile, label: str) -> _ZipPlan:
    """Vet every entry of `archive` from its directory and pick the voice and index; RVCError if unsafe."""
    problem = archive_problem(archive.infolist(), MAX_ENTRIES, MAX_TOTAL_BYTES)
    if problem:
        raise _refuse(label, f"{problem}.")
    files = member_files(archive)
    names = {info: base_name(info) for info in files}
    voices = [
        info
        for info in files
        if names[info].lower().endswith(".pth") and not names[info].startswith(CHECKPOINT_PREFIXES)
    ]
    if not voices:
        raise _refuse(label, "it holds no voice .pth file (training checkpoints G_*/D_* are not voices).")
    if len(voices) > 1:
        listed = ", ".join(names[info] for info in voices[:4])
        raise _refuse(label, f"it holds {len(voices)} voices ({listed}); import a zip with one voice, or each .pth.")
    indexes = [
        info for info in files if names[info].lower().endswith(".index") and "trained" not in names[info].lower()
    ]
    indexes.sort(key=lambda info: "added" not in names[info].lower())
    notes = []
    if len(indexes) > 1:
        notes.append(f"The zip holds {len(indexes)} indexes; {names[indexes[0]]} was taken.")
    return _ZipPlan(voices[0], indexes[0] if indexes else None, tuple(notes))


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, label: str) -> None:
    """Stream one entry to `target` (`rvc.safe_zip.copy_entry`); RVCError if it lies about its size or is damaged."""
    try:
        copy_entry(archive, info, target)
    except ValueError as error:
        raise _refuse(label, str(error)) from None


def _check_space(folder: Path, needed: int, label: str) -> None:
    """Refuse before extracting when the disk cannot hold the voice and index."""
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise _refuse(label, f"it needs {needed / 1e6:.0f} MB but {folder} has {free / 1e6:.0f} MB free.")


def _check_voice(path: Path, label: str, entry: str) -> Voice:
    """The loaded `Voice` if `path` passes the weights-only loader and builds as a voice; RVCError if not."""
    from rvc.models.voice_file import load_voice

    try:
        return load_voice(path)
    except RVCError as error:
        raise _refuse(label, str(error).replace(str(path), entry)) from None


def _check_index(path: Path, version: str, label: str, entry: str) -> None:
    """The index must be a readable faiss index, not empty, with the width of the voice's version."""
    import faiss

    from rvc.models.voice_file import VERSION_TO_TEXT_DIM

    try:
        index = faiss.read_index(str(path))
    except RuntimeError as error:
        raise _refuse(label, f"{entry} is not a readable faiss index ({str(error).splitlines()[0][:120]}).") from None
    width = VERSION_TO_TEXT_DIM[version]
    if index.d != width:
        raise _refuse(
            label,
            f"{entry} holds {index.d}-d features but the voice is {version} ({width}-d): the index belongs to "
            "another voice. Import the .pth alone, or fix the zip.",
        )
    if index.ntotal == 0:
        raise _refuse(label, f"{entry} holds no vectors (a 'trained_' index); include the 'added_' index instead.")


def _kind(path: Path, file_name: str, label: str) -> str:
    """ "pth" or "zip": by the file name, else by the content (torch files are pickles or zips with data.pkl)."""
    suffix = Path(file_name).suffix.lower()
    if suffix in (".pth", ".pt"):
        return "pth"
    if suffix == ".zip":
        return "zip"
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head.startswith(b"\x80"):
        return "pth"
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            torch_zip = any(PurePosixPath(name).name == "data.pkl" for name in archive.namelist())
        return "pth" if torch_zip else "zip"
    raise _refuse(label, "it is neither a .pth voice nor a .zip archive (a web page instead of the file?).")


def _open_zip(path: Path, label: str) -> zipfile.ZipFile:
    """The archive at `path`; RVCError when it is not a readable zip."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise _refuse(label, f"it is not a readable zip archive ({error}).") from None


def _stage(
    path: Path, file_name: str, staging: Path, label: str, plan: _ZipPlan | None
) -> tuple[Path, str, Path | None, str | None]:
    """Put the voice (and index) into `staging`; returns (voice, its entry name, index, its entry name)."""
    voice = staging / "voice.pth"
    if plan is None:
        _check_space(staging.parent, path.stat().st_size, label)
        shutil.copyfile(path, voice)
        return voice, file_name, None, None
    with _open_zip(path, label) as archive:
        _check_space(staging.parent, plan.voice.file_size + (plan.index.file_size if plan.index else 0), label)
        _extract(archive, plan.voice, voice, label)
        if plan.index is None:
            return voice, plan.voice.filename, None, None
        index = staging / "voice.index"
        _extract(archive, plan.index, index, label)
    return voice, plan.voice.filename, index, plan.index.filename


def import_file(path: str | os.PathLike[str], name: str | None = None, file_name: str | None = None) -> ImportedVoice:
    """Import a local `.pth` or `.zip` (`file_name` is its original name when `path` is a download or upload)."""
    path = Path(path)
    file_name = file_name or path.name
    label = file_name
    if not path.is_file():
        raise RVCError(f"{path} does not exist or is not a file: give the path of a .pth or .zip, or an https link.")
    base = check_voice_name(name) if name else voice_name_from(Path(file_name).stem)
    plan = None
    if _kind(path, file_name, label) == "zip":
        with _open_zip(path, label) as archive:
            plan = _plan_zip(archive, label)
    logs = paths.logs_dir()
    logs.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=logs, prefix=".import-"))
    try:
        voice, voice_entry, index, index_entry = _stage(path, file_name, staging, label, plan)
        loaded = _check_voice(voice, label, voice_entry)
        if index is not None:
            _check_index(index, loaded.version, label, index_entry)
        final = _free_name(base)
        voice = voice.rename(staging / f"{final}.pth")
        if index is not None:
            index = index.rename(staging / f"{final}.index")
        folder = logs / final
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    notes = plan.notes if plan else ()
    if final != base:
        notes = (*notes, f"A voice named {base!r} exists, so this one is {final!r}.")
    return ImportedVoice(
        name=final,
        folder=folder,
        voice=folder / voice.name,
        index=folder / index.name if index is not None else None,
        sample_rate=loaded.sample_rate,
        version=loaded.version,
        vocoder=loaded.vocoder,
        notes=notes,
    )


def download_target(url: str) -> tuple[Path, str]:
    """Where the download of `url` is kept (resumable; unique per URL) and the file name the URL gives."""
    file_name = unquote(PurePosixPath(urlsplit(url).path).name) or "download"
    safe = re.sub(r"[^\w.\-]", "_", file_name)[:MAX_NAME_CHARS]
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return paths.voice_downloads_dir() / f"{digest}-{safe}", file_name


def import_voice(source: str, name: str | None = None, progress: ProgressCallback | None = None) -> ImportedVoice:
    """Import `source` (an http(s) link, or a local `.pth`/`.zip`) into `logs/<name>/`; see the module docstring.

    A link is downloaded with the resumable, verified downloader (`progress(done, total)` as bytes arrive);
    the download is removed once imported or refused, and kept (to resume) when the transfer was cut.
    """
    from rvc.downloads import download_file

    if name is not None:
        check_voice_name(name)
    if not is_url(source):
        return import_file(Path(source).expanduser(), name)
    url = normalize_url(source)
    target, file_name = download_target(url)
    download_file(url, target, progress=progress)
    try:
        return import_file(target, name, file_name=file_name)
    finally:
        target.unlink(missing_ok=True)
