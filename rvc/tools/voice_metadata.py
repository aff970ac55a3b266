"""Show and edit a voice file's name, author and description without touching anything else in it.

The edit loads the file with the safe loader, changes only the named top-level keys and writes the
result atomically, by default to a new file: every other key and every tensor is kept exactly as
stored, so the file still loads here, in Applio and in mainline RVC.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rvc.errors import RVCError

FIELD_KEYS = {"name": "model_name", "author": "author", "description": "info"}
"""Editable field -> the top-level key that holds it (`info` is where RVC and Applio keep a description)."""


def describe_voice(path: str | os.PathLike[str]) -> dict[str, Any]:
    """`rvc info`'s summary of the voice plus its description (`info` key), as JSON-ready values."""
    from rvc.models.voice_file import read_voice_file

    voice = read_voice_file(path)
    description = voice.metadata.get("info")
    return {**voice.summary(), "description": description if isinstance(description, str) else None}


def _target(source: Path, output: str | os.PathLike[str] | None, in_place: bool, overwrite: bool) -> Path:
    """Where the edited voice goes; refuses to replace the source or an existing file unless asked to."""
    if in_place:
        if output is not None and Path(output).resolve() != source.resolve():
            raise RVCError("Give either an output file or 'in place', not both.")
        return source
    if output is None or not str(output).strip():
        raise RVCError(f"Name the new voice file to write (e.g. {source.with_name(source.stem + '_edited.pth')}).")
    target = Path(output).expanduser()
    if target.suffix.lower() != ".pth":
        raise RVCError(f"The new voice file {target} must end in .pth so RVC tools recognise it.")
    if target.exists() and target.resolve() == source.resolve():
        raise RVCError(
            f"{target} is the voice being edited: choose a new file name, or ask explicitly to rewrite the original."
        )
    if target.exists() and not overwrite:
        raise RVCError(f"{target} already exists: choose another name, or allow overwriting it.")
    return target


def edit_voice_metadata(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    *,
    name: str | None = None,
    author: str | None = None,
    description: str | None = None,
    in_place: bool = False,
    overwrite: bool = False,
) -> Path:
    """Write `source` with the given fields set (None = keep) to `output`, or over `source` when `in_place`.

    Only the keys in `FIELD_KEYS` change; an epoch count that older files keep only inside their `info`
    text is stored as `epoch` before a new description replaces that text. Returns the written path.
    """
    from rvc.models.torch_files import load_torch_file, save_torch_file
    from rvc.models.voice_file import read_voice_file

    source = Path(source).expanduser()
    changes = {"name": name, "author": author, "description": description}
    changes = {field: value for field, value in changes.items() if value is not None}
    if not changes:
        raise RVCError("Nothing to change: give a new name, author or description.")
    if "name" in changes and not changes["name"].strip():
        raise RVCError("The voice name cannot be empty: type a name, or leave the name unchanged.")
    target = _target(source, output, in_place, overwrite)
    checked = read_voice_file(source)
    data = load_torch_file(source)
    if "description" in changes and data.get("epoch") is None and checked.metadata.get("epoch") is not None:
        data["epoch"] = checked.metadata["epoch"]
    for field, value in changes.items():
        data[FIELD_KEYS[field]] = value.strip() if field == "name" else value
    return save_torch_file(data, target)
