"""Datasets made in the app: recordings uploaded through the browser, copied into a named folder.

    added = add_recordings("alice", ["/tmp/gradio/take1.wav", "/tmp/gradio/notes.txt"])
    added.folder   # assets/datasets/alice, ready for preprocessing
    added.skipped  # [("notes.txt", "not an audio file ...")]

A `.zip` adds the recordings in it (vetted as untrusted first: `rvc.safe_zip`; its folders are flattened, so one zip is one speaker). A
file never replaces one already in the folder: a second `take1.wav` is stored as `take1 (2).wav`.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from rvc import paths
from rvc.audio import AUDIO_FORMATS, is_audio_file
from rvc.errors import RVCError
from rvc.safe_zip import archive_problem, base_name, copy_entry, member_files

MAX_ZIP_ENTRIES = 50_000
"""A dataset zip holds one file per take: thousands are normal, a million is a bomb pattern."""
MAX_ZIP_BYTES = 32 << 30
"""32 GiB uncompressed: hours of 48 kHz 24-bit stereo recordings fit."""


@dataclass
class AddedRecordings:
    """Where the recordings went, which files were stored (their names in the folder), and the files left out
    with the reason."""

    folder: Path
    added: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Audio files in the folder now."""
        return sum(1 for path in self.folder.iterdir() if path.is_file() and is_audio_file(path))


def dataset_folder(name: str) -> Path:
    """The folder of dataset `name` under `paths.datasets_dir()`; RVCError for a name that is not plain."""
    return paths.datasets_dir() / paths.check_plain_name((name or "").strip(), "dataset name", "alice")


def uploaded_datasets() -> list[Path]:
    """The dataset folders under `paths.datasets_dir()`, sorted (none when it does not exist)."""
    root = paths.datasets_dir()
    return sorted(folder for folder in root.iterdir() if folder.is_dir()) if root.is_dir() else []


def free_name(folder: Path, name: str) -> Path:
    """`folder/name`, or `folder/<stem> (k).<ext>` with the lowest k >= 2 that is not taken."""
    target = folder / name
    stem, suffix, number = target.stem, target.suffix, 2
    while target.exists():
        target = folder / f"{stem} ({number}){suffix}"
        number += 1
    return target


def add_recordings(name: str, files: list[str | Path]) -> AddedRecordings:
    """Copy the audio files among `files` into dataset `name` (made when missing); the others are skipped."""
    if not files:
        raise RVCError("choose the recordings to add (audio files: wav, flac, mp3, ...)")
    result = AddedRecordings(dataset_folder(name))
    result.folder.mkdir(parents=True, exist_ok=True)
    for source in map(Path, files):
        if source.suffix.lower() == ".zip":
            _add_zipped(source, result)
            continue
        if not is_audio_file(source):
            result.skipped.append((source.name, f"not an audio file ({', '.join(AUDIO_FORMATS)}, ...)"))
            continue
        if not source.is_file() or source.stat().st_size == 0:
            result.skipped.append((source.name, "empty or missing"))
            continue
        target = free_name(result.folder, source.name)
        shutil.copyfile(source, target)
        result.added.append(target.name)
    return result


def _add_zipped(source: Path, result: AddedRecordings) -> None:
    """Add the recordings inside zip `source` to `result.folder`; a refused zip or entry goes to `result.skipped`."""
    try:
        archive = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile) as error:
        result.skipped.append((source.name, f"not a readable zip ({error})"))
        return
    with archive:
        problem = archive_problem(archive.infolist(), MAX_ZIP_ENTRIES, MAX_ZIP_BYTES)
        if problem:
            result.skipped.append((source.name, f"refused: {problem}"))
            return
        for info in member_files(archive):
            label = f"{source.name}/{info.filename}"
            if not is_audio_file(base_name(info)):
                result.skipped.append((label, f"not an audio file ({', '.join(AUDIO_FORMATS)}, ...)"))
                continue
            if info.file_size == 0:
                result.skipped.append((label, "empty"))
                continue
            target = free_name(result.folder, base_name(info))
            try:
                copy_entry(archive, info, target)
            except ValueError as error:
                target.unlink(missing_ok=True)
                result.skipped.append((label, str(error)))
                continue
            result.added.append(target.name)
