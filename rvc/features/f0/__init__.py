"""Pitch (F0) extraction: every method behind one signature, one registry and one model cache.

`extract_f0(wav16k, method)` gives Hz per frame (0 = unvoiced) with frame k at sample k·hop and
`len(wav16k) // hop + 1` frames; a voiced estimate outside [f0_min, f0_max] counts as unvoiced.
`coarse_f0` turns a track into the models' 1..255 pitch index.
Methods: rmvpe, crepe, crepe-tiny, fcpe, swift, pm, harvest, dio, and `hybrid[a+b+...]` of them.
Heavy packages load only when a method is first used.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from rvc import paths
from rvc.errors import RVCError
from rvc.features.f0 import hybrid
from rvc.features.f0.track import PitchEstimator, coarse_f0, frame_count

__all__ = ["METHODS", "MODELS", "EstimatorCache", "coarse_f0", "extract_f0", "frame_count", "validate_method"]

METHODS: dict[str, tuple[str, str]] = {
    "rmvpe": ("rmvpe", "load"),
    "crepe": ("crepe", "load_full"),
    "crepe-tiny": ("crepe", "load_tiny"),
    "fcpe": ("fcpe", "load"),
    "swift": ("swift", "load"),
    "pm": ("pm", "load"),
    "harvest": ("harvest", "load"),
    "dio": ("dio", "load"),
}
"""Method name → (module in this package, its loader taking a device)."""

CPU_ONLY = frozenset({"swift", "pm", "harvest", "dio"})
WEIGHT_FILES: dict[str, Callable[[], Path]] = {"rmvpe": paths.rmvpe_path}


class EstimatorCache:
    """The one owner of loaded pitch estimators, keyed by (method, device, weights file)."""

    def __init__(self) -> None:
        self._estimators: dict[tuple[str, str, str], PitchEstimator] = {}
        self._lock = threading.Lock()

    def get(self, method: str, device: str = "cpu") -> PitchEstimator:
        """The estimator for a single (non-hybrid) `method` on `device`, loaded on first use."""
        if method not in METHODS:
            raise _unknown(method)
        if method in CPU_ONLY:
            device = "cpu"
        weights = str(WEIGHT_FILES[method]()) if method in WEIGHT_FILES else ""
        key = (method, device, weights)
        with self._lock:
            if key not in self._estimators:
                module, loader = METHODS[method]
                load = getattr(importlib.import_module(f"{__name__}.{module}"), loader)
                self._estimators[key] = load(device)
            return self._estimators[key]

    def clear(self) -> None:
        """Forget every loaded estimator (frees their models)."""
        with self._lock:
            self._estimators.clear()


MODELS = EstimatorCache()


def _unknown(method: str) -> RVCError:
    names = ", ".join(METHODS)
    return RVCError(f"Unknown pitch method '{method}': use one of {names}, or hybrid[a+b+...] of two or more of them.")


def validate_method(method: str) -> list[str]:
    """The single methods that `method` runs (one, or the parts of a hybrid); RVCError if it names none."""
    parts = hybrid.parse(method)
    if parts is None:
        if method not in METHODS:
            raise _unknown(method)
        return [method]
    if len(parts) < 2 or len(set(parts)) != len(parts) or any(part not in METHODS for part in parts):
        raise _unknown(method)
    return parts


def extract_f0(
    wav16k: np.ndarray,
    method: str,
    f0_min: float = 50.0,
    f0_max: float = 1100.0,
    hop: int = 160,
    device: str = "cpu",
) -> np.ndarray:
    """16 kHz mono float audio [N] → Hz per frame [N // hop + 1] float64: 0 = unvoiced, else in [f0_min, f0_max]."""
    parts = validate_method(method)
    if not 0 < f0_min < f0_max:
        raise RVCError(f"Pitch range {f0_min}-{f0_max} Hz is empty: set 0 < minimum < maximum (e.g. 50 and 1100).")
    if int(hop) != hop or hop < 1:
        raise RVCError(f"Pitch hop {hop} is not a positive whole number of samples: use e.g. 160 (10 ms at 16 kHz).")
    wav = np.asarray(wav16k, dtype=np.float32)
    if wav.ndim != 1:
        raise ValueError(f"extract_f0 takes mono audio [N], got shape {wav.shape}")
    tracks = []
    for part in parts:
        f0 = np.nan_to_num(np.asarray(MODELS.get(part, device)(wav, f0_min, f0_max, int(hop)), dtype=np.float64))
        tracks.append(np.where((f0 >= f0_min) & (f0 <= f0_max), f0, 0.0))
    return tracks[0] if len(tracks) == 1 else hybrid.combine(tracks)
