"""Features of 16 kHz audio that voices are built on: content vectors (HuBERT/ContentVec) and pitch.

`load_embedder` and `Embedder` are re-exported lazily, so `import rvc.features` does not import torch:

    from rvc.features import load_embedder
    embedder = load_embedder("contentvec")
    feats = embedder.extract(wav16k)  # [B, N] -> [B, T, 768]
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Embedder": "rvc.features.embedders",
    "load_embedder": "rvc.features.embedders",
}

__all__ = ["Embedder", "load_embedder"]


def __getattr__(name: str) -> Any:
    """Import the module that defines `name` on first access."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'rvc.features' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    """Module attributes including the lazy re-exports."""
    return sorted(set(globals()) | set(_EXPORTS))
