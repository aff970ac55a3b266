"""User settings (theme, output folder, training and conversion precision): loaded with defaults, validated, saved atomically.

The file lives at `rvc.paths.settings_path()` and holds one JSON object. Keys this
version does not know are ignored on load; a missing file means all defaults.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path

from rvc import paths
from rvc.atomic_files import atomic_path
from rvc.configs import CONVERSION_PRECISIONS, PRECISIONS
from rvc.errors import RVCError

THEMES: tuple[str, ...] = (
    "Default",
    "Soft",
    "Base",
    "Glass",
    "Monochrome",
    "Origin",
    "Citrus",
    "Ocean",
    "Ember",
)


@dataclass(frozen=True)
class Settings:
    """What the user chose in the Settings tab.

    `output_dir` is empty for the default folder (`rvc.paths.outputs_dir()`); a relative
    path is taken relative to the project folder. `precision` is the Train tab's default, `conversion_precision`
    the one conversions start with in the Inference, TTS and Realtime tabs (the CLI and API keep `auto`).
    """

    theme: str = "Soft"
    output_dir: str = ""
    precision: str = "fp32"
    conversion_precision: str = "auto"


def validate(settings: Settings, source: Path | None = None) -> Settings:
    """Return `settings` unchanged if every field is acceptable, else raise `RVCError` naming the field."""
    where = f" in {source}" if source is not None else ""
    if settings.theme not in THEMES:
        raise RVCError(f"unknown theme {settings.theme!r}{where}; choose one of {', '.join(THEMES)}")
    if settings.precision not in PRECISIONS:
        raise RVCError(f"unknown precision {settings.precision!r}{where}; choose one of {', '.join(PRECISIONS)}")
    if settings.conversion_precision not in CONVERSION_PRECISIONS:
        raise RVCError(
            f"unknown conversion precision {settings.conversion_precision!r}{where}; "
            f"choose one of {', '.join(CONVERSION_PRECISIONS)}"
        )
    if not isinstance(settings.output_dir, str):
        raise RVCError(f"output_dir{where} must be a folder path written as text, not {settings.output_dir!r}")
    if "\0" in settings.output_dir:
        raise RVCError(f"output_dir{where} contains a NUL character; enter a plain folder path")
    folder = resolve_output_dir(settings)
    if folder.exists() and not folder.is_dir():
        raise RVCError(f"output folder {folder} is a file, not a folder; choose a folder path")
    return settings


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings file (default `rvc.paths.settings_path()`); a missing file gives the defaults."""
    path = paths.settings_path() if path is None else Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except OSError as error:
        raise RVCError(f"cannot read settings file {path}: {error.strerror}; check its permissions") from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise RVCError(
            f"settings file {path} is not valid JSON (line {error.lineno}); fix it or delete it to restore defaults"
        ) from error
    if not isinstance(data, dict):
        raise RVCError(f"settings file {path} must hold a JSON object; fix it or delete it to restore defaults")
    known = {field.name for field in dataclasses.fields(Settings)}
    return validate(Settings(**{key: value for key, value in data.items() if key in known}), source=path)


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Validate `settings` and write them atomically (temp file + rename); return the file path."""
    path = paths.settings_path() if path is None else Path(path)
    validate(settings)
    text = json.dumps(dataclasses.asdict(settings), indent=2, sort_keys=True) + "\n"
    try:
        with atomic_path(path) as temp, open(temp, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
    except OSError as error:
        raise RVCError(
            f"cannot write settings file {path}: {error.strerror}; check the folder's permissions"
        ) from error
    return path


def update_settings(**changes: str) -> Settings:
    """Load the settings, apply `changes` (field name -> value), validate, save and return them."""
    known = {field.name for field in dataclasses.fields(Settings)}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise RVCError(f"unknown setting {', '.join(unknown)}; known settings are {', '.join(sorted(known))}")
    settings = dataclasses.replace(load_settings(), **changes)
    save_settings(settings)
    return settings


def resolve_output_dir(settings: Settings | None = None) -> Path:
    """The folder converted audio goes to: the chosen one, or `rvc.paths.outputs_dir()` when none is set."""
    settings = load_settings() if settings is None else settings
    chosen = settings.output_dir.strip()
    if not chosen:
        return paths.outputs_dir()
    folder = Path(chosen).expanduser()
    return folder if folder.is_absolute() else paths.PROJECT_ROOT / folder


def ensure_output_dir(settings: Settings | None = None) -> Path:
    """Create the output folder if needed and return it; raise `RVCError` when it cannot be made."""
    folder = resolve_output_dir(settings)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RVCError(f"cannot create output folder {folder}: {error.strerror}; choose another folder") from error
    return folder
