"""Voice conversion: audio + voice file + index -> converted audio.

`convert` and `convert_folder` are re-exported lazily, so `import rvc.infer` stays cheap:

    from rvc.infer import convert
    result = convert("in.wav", "out.wav", "logs/alice/alice.pth", pitch=2)
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "convert": "rvc.infer.conversion",
    "convert_folder": "rvc.infer.conversion",
    "ConversionOptions": "rvc.infer.options",
    "ConversionResult": "rvc.infer.conversion",
    "BatchResult": "rvc.infer.conversion",
}

__all__ = ["BatchResult", "ConversionOptions", "ConversionResult", "convert", "convert_folder"]


def __getattr__(name: str) -> Any:
    """Import the module that defines `name` on first access."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'rvc.infer' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    """Module attributes including the lazy re-exports."""
    return sorted(set(globals()) | set(_EXPORTS))
