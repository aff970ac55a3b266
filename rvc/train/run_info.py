"""A run's `model_info.json`: dataset and extraction facts that later steps and the voice file reuse."""

from __future__ import annotations

import json
from pathlib import Path

from rvc.atomic_files import write_json_atomic
from rvc.errors import RVCError


def read_model_info(path: Path) -> dict:
    """The run's model info, or {} when there is none yet; RVCError when the file is damaged."""
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        raise RVCError(f"{path} is not valid JSON; delete it and run preprocess again") from None


def update_model_info(path: Path, **values) -> dict:
    """Merge `values` into the model info at `path` and write it atomically; returns the new content."""
    info = read_model_info(path)
    info.update(values)
    write_json_atomic(path, info, indent=4)
    return info
