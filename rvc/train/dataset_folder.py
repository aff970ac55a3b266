"""Datasets made in the app: recordings uploaded through the browser, copied into a named folder.

    added = add_recordings("alice", ["/tmp/gradio/take1.wav", "/tmp/gradio/notes.txt"])
    added.folder   # assets/datasets/alice, ready for preprocessing
    added.skipped  # [("notes.txt", "not an audio file ...")]

A file never replaces one already in the folder: a second `take1.wav` is stored as `take1 (2).wav`.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from rvc import paths
from rvc.audio import AUDIO_FORMATS, is_audio_file
from rvc.errors import RVCError


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
    """The folder of dataset `name` under `paths.datasets_dir()`; RVCError for an empty name or a path."""
    name = (name or "").strip()
    if not name or name.startswith(".") or any(char in name for char in "/\\:"):
        raise RVCError(
            f"enter a dataset name: a plain folder name without slashes or colons, e.g. alice (got {name!r})"
        )
    return paths.datasets_dir() / name


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
