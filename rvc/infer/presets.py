"""Conversion presets (Applio's inference presets): the options that shape the sound, saved under a name.

A preset holds every `ConversionOptions` field but those tied to one file or one machine (`NOT_IN_PRESETS`).
Loading one gives the fields it holds and nothing else, so the caller keeps its other values; Applio's preset
files (pitch, filter_radius, index_rate, rms_mix_rate, protect) load as they are. Shipped: default (every
preset field at its default), good-for-anything and music (Applio's two).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rvc import paths
from rvc.atomic_files import write_json_atomic
from rvc.errors import RVCError
from rvc.infer.options import ConversionOptions
from rvc.presets import find_preset

NOT_IN_PRESETS = (
    "index_path", "f0_file", "speaker_id", "embedder", "output_format", "output_sr", "device", "half", "precision",
)  # fmt: skip
"""Fields a preset leaves out: the index, F0 file, speaker and embedder belong to one voice or song, the output
format and rate to one file, the rest to one machine."""


def conversion_presets_dir() -> Path:
    """Where conversion presets live: `conversion/` of the presets folder."""
    return paths.presets_dir() / "conversion"


def preset_fields() -> list[str]:
    """The `ConversionOptions` fields a preset holds, in declaration order."""
    return [item.name for item in dataclasses.fields(ConversionOptions) if item.name not in NOT_IN_PRESETS]


def read_conversion_preset(path: Path) -> dict[str, Any]:
    """The options preset file `path` holds, checked (unknown fields and bad values are RVCError)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RVCError(
            f"conversion preset {path} not found: pick one of the listed presets, or save one first"
        ) from None
    except OSError as error:
        raise RVCError(f"cannot read conversion preset {path}: {error.strerror or error}") from None
    except ValueError as error:
        raise RVCError(f"conversion preset {path} is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise RVCError(f"conversion preset {path} is not a JSON object of options")
    unknown = sorted(set(data) - set(preset_fields()))
    if unknown:
        raise RVCError(
            f"conversion preset {Path(path).name} holds {', '.join(unknown)}, which a preset does not keep; "
            f"it may hold {', '.join(preset_fields())}"
        )
    try:
        ConversionOptions(**data)
    except TypeError as error:
        raise RVCError(f"conversion preset {Path(path).name} has a value of the wrong type: {error}") from None
    return data


def load_conversion_preset(name_or_path: str) -> dict[str, Any]:
    """The options of preset `name_or_path`: a name in `conversion_presets_dir()` or the path of a `.json` file."""
    return read_conversion_preset(find_preset(conversion_presets_dir(), name_or_path))


def save_conversion_preset(path: Path, options: Mapping[str, Any]) -> Path:
    """Write the preset fields of `options` (defaults for the ones it lacks) to `path`, checked, atomically."""
    defaults = ConversionOptions()
    values = {name: options.get(name, getattr(defaults, name)) for name in preset_fields()}
    ConversionOptions(**values)
    return write_json_atomic(path, values)
