"""Decoding of 360-bin pitch salience (RMVPE and CREPE share the bins: 20 cents each from ~31.7 Hz)."""

from __future__ import annotations

import numpy as np

N_BINS = 360
CENTS_PER_BIN = 20.0
CENTS_OFFSET = 1997.3794084376191
HALF_WINDOW = 4


def bin_cents() -> np.ndarray:
    """Cents (relative to 10 Hz) of each salience bin [360]."""
    return CENTS_PER_BIN * np.arange(N_BINS) + CENTS_OFFSET


def cents_to_hz(cents: np.ndarray) -> np.ndarray:
    """Cents relative to 10 Hz → Hz."""
    return 10.0 * 2.0 ** (np.asarray(cents) / 1200.0)


def hz_to_cents(hz: np.ndarray) -> np.ndarray:
    """Hz → cents relative to 10 Hz."""
    return 1200.0 * np.log2(np.asarray(hz) / 10.0)


def local_average(
    salience: np.ndarray, f0_min: float | None = None, f0_max: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Salience [T, 360] → (Hz [T], peak salience [T]) by a weighted mean over the 9 bins around the argmax.

    With `f0_min`/`f0_max` the argmax is searched only among bins within one bin of that range.
    Frames without any positive salience come out as 0 Hz.
    """
    salience = np.asarray(salience, dtype=np.float64)
    cents = bin_cents()
    search = salience
    if f0_min is not None or f0_max is not None:
        low = -np.inf if f0_min is None else hz_to_cents(f0_min)
        high = np.inf if f0_max is None else hz_to_cents(f0_max)
        search = np.where((cents >= low - CENTS_PER_BIN) & (cents <= high + CENTS_PER_BIN), salience, -np.inf)
    centre = np.argmax(search, axis=1)
    peak = np.take_along_axis(salience, centre[:, None], axis=1)[:, 0]
    window = centre[:, None] + np.arange(-HALF_WINDOW, HALF_WINDOW + 1)
    inside = (window >= 0) & (window < N_BINS)
    window = np.clip(window, 0, N_BINS - 1)
    weights = np.where(inside, np.take_along_axis(salience, window, axis=1), 0.0)
    total = weights.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_cents = (weights * cents[window]).sum(axis=1) / total
    f0 = np.where(total > 0, cents_to_hz(np.where(total > 0, mean_cents, 0.0)), 0.0)
    return f0, peak


def decode(
    salience: np.ndarray, threshold: float, f0_min: float | None = None, f0_max: float | None = None
) -> np.ndarray:
    """Salience [T, 360] → Hz [T]: local weighted average, 0 where the peak salience is ≤ `threshold`."""
    f0, peak = local_average(salience, f0_min, f0_max)
    return np.where(peak > threshold, f0, 0.0)
