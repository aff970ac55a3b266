"""Preset files: named JSON files of options, one folder per kind (training presets, conversion presets).

A preset's name is its file name without `.json`. A name typed in the UI is a plain file name, so it never
reaches outside its folder; the CLI also takes the path of a `.json` file.
"""

from __future__ import annotations

from pathlib import Path

from rvc.errors import RVCError
from rvc.paths import check_plain_name


def preset_names(folder: Path) -> list[str]:
    """The names of the presets in `folder`, sorted (none when it does not exist)."""
    return sorted(path.stem for path in folder.glob("*.json")) if folder.is_dir() else []


def preset_file(folder: Path, name: str) -> Path:
    """The file of preset `name` in `folder` (it may not exist yet); RVCError for a name that is not plain
    (`rvc.paths.check_plain_name`)."""
    return folder / f"{check_plain_name((name or '').strip(), 'preset name', 'my-preset')}.json"


def find_preset(folder: Path, name_or_path: str) -> Path:
    """An existing preset: the `.json` file `name_or_path` names, else preset `name_or_path` of `folder` (with or
    without `.json`); RVCError naming the presets there when there is neither."""
    given = Path(name_or_path).expanduser()
    if given.suffix.lower() == ".json" and given.is_file():
        return given
    if len(given.parts) == 1 and not name_or_path.startswith("."):
        path = preset_file(folder, name_or_path.removesuffix(".json"))
        if path.is_file():
            return path
    names = ", ".join(preset_names(folder)) or "none yet"
    raise RVCError(f"preset {name_or_path!r} not found: give a .json file or one of the presets in {folder} ({names})")
