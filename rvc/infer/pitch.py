"""Edits of a pitch track before synthesis: transposition (and the proposed key), autotune, median filter and an
F0-file override.

A track is Hz per 10 ms frame (frame k at k·10 ms), 0 = unvoiced; every function returns a new float64 array.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rvc.errors import RVCError

FRAME_SECONDS = 0.01
A4_HZ = 440.0


def transpose(f0: np.ndarray, semitones: float) -> np.ndarray:
    """Multiply every frame by 2^(semitones/12); unvoiced frames stay 0."""
    return np.asarray(f0, dtype=np.float64) * 2.0 ** (semitones / 12.0)


def proposed_key(f0: np.ndarray, target_hz: float) -> int:
    """Whole semitones (within ±12) that bring the median of the voiced frames of `f0` nearest to `target_hz`;
    0 when `target_hz` is 0 (off) or nothing is voiced."""
    voiced = np.asarray(f0, dtype=np.float64)
    voiced = voiced[voiced > 0]
    if target_hz <= 0 or voiced.size == 0:
        return 0
    return int(np.clip(np.round(12.0 * np.log2(target_hz / np.median(voiced))), -12, 12))


def autotune(f0: np.ndarray, strength: float) -> np.ndarray:
    """Pull voiced frames toward the nearest equal-tempered note (A4 = 440 Hz) by `strength` 0..1.

    Unlike the reference, unvoiced frames are left at 0 instead of being dragged toward the lowest note.
    """
    f0 = np.asarray(f0, dtype=np.float64)
    if strength <= 0:
        return f0.copy()
    voiced = f0 > 0
    notes = np.zeros_like(f0)
    notes[voiced] = A4_HZ * 2.0 ** (np.round(12.0 * np.log2(f0[voiced] / A4_HZ)) / 12.0)
    return np.where(voiced, f0 + (notes - f0) * strength, 0.0)


def median_filter(f0: np.ndarray, radius: int) -> np.ndarray:
    """Median of each frame's 2·radius+1 neighbourhood (removes single-frame octave jumps); radius 0 = copy."""
    f0 = np.asarray(f0, dtype=np.float64)
    if radius <= 0 or len(f0) == 0:
        return f0.copy()
    from scipy.ndimage import median_filter as scipy_median

    return scipy_median(f0, size=2 * int(radius) + 1, mode="nearest")


def read_f0_file(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(times s [M], Hz [M]) from a text file of `seconds,Hz` lines (blank lines and `#` comments skipped)."""
    path = Path(path)
    if not path.is_file():
        raise RVCError(f"F0 file not found: {path}. Pick an existing text file of 'seconds,Hz' lines.")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RVCError(f"Cannot read F0 file {path} ({error}); it must be a UTF-8 text file of 'seconds,Hz' lines.")
    times, values = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [part.strip() for part in line.replace(";", ",").replace("\t", ",").split(",")]
        try:
            time, hz = float(parts[0]), float(parts[1])
        except (ValueError, IndexError):
            raise RVCError(f"F0 file {path}, line {number}: {line[:40]!r} is not 'seconds,Hz' (e.g. 0.25,220).")
        if not (np.isfinite(time) and np.isfinite(hz)) or time < 0 or hz < 0:
            raise RVCError(f"F0 file {path}, line {number}: time and Hz must be finite and not negative.")
        times.append(time)
        values.append(hz)
    if not times:
        raise RVCError(f"F0 file {path} has no 'seconds,Hz' lines. Add at least one, e.g. 0.0,220.")
    times_array = np.asarray(times)
    if np.any(np.diff(times_array) <= 0):
        raise RVCError(f"F0 file {path}: the times must increase from line to line.")
    return times_array, np.asarray(values)


def apply_f0_file(f0: np.ndarray, times: np.ndarray, values: np.ndarray, offset_frames: float = 0.0) -> np.ndarray:
    """Replace frames of `f0` between the file's first and last time by the file's pitch, used as given.

    Frame `offset_frames + k` is at k·10 ms of the input; voiced points are joined on a log scale and
    0 Hz entries mark unvoiced stretches (see `rvc.features.f0.track.retime`).
    """
    from rvc.features.f0.track import retime

    out = np.asarray(f0, dtype=np.float64).copy()
    frame_times = (np.arange(len(out)) - offset_frames) * FRAME_SECONDS
    inside = (frame_times >= times[0]) & (frame_times <= times[-1])
    if inside.any():
        out[inside] = retime(times, values, frame_times[inside])
    return out
