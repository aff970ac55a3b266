"""`hybrid[a+b+...]`: several pitch methods combined frame by frame.

Unvoiced estimates count as missing, not as 0 Hz (the reference took a median that included the
zeros, so with two methods one unvoiced vote halved the pitch). A frame is voiced when at least
half of the methods call it voiced: for a pair that keeps a frame either method hears (dropping a
voiced frame is the audible failure in conversion), for three or more it is a majority vote. The
pitch is the median of the voiced estimates on a log scale, so with two voiced estimates it is
their geometric mean, the midpoint in cents.
"""

from __future__ import annotations

import re

import numpy as np

PATTERN = re.compile(r"hybrid\[(.+)\]")


def parse(method: str) -> list[str] | None:
    """The method names inside `hybrid[a+b+...]` (stripped, in order), or None if `method` is not a hybrid."""
    match = PATTERN.fullmatch(method.strip())
    if match is None:
        return None
    return [part.strip() for part in match.group(1).split("+")]


def combine(tracks: list[np.ndarray]) -> np.ndarray:
    """Tracks [M][T] in Hz (0 = unvoiced) → one track [T]: voiced where ≥ half vote so, median of the voiced."""
    stacked = np.stack([np.asarray(track, dtype=np.float64) for track in tracks])
    voiced = stacked > 0
    votes = voiced.sum(axis=0)
    logs = np.where(voiced, np.log(np.where(voiced, stacked, 1.0)), np.nan)
    median = np.zeros(stacked.shape[1])
    any_voiced = votes > 0
    median[any_voiced] = np.exp(np.nanmedian(logs[:, any_voiced], axis=0))
    return np.where(2 * votes >= len(tracks), median, 0.0)
