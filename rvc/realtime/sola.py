"""Joining converted blocks: SOLA (synchronised overlap-add) alignment, then an equal-gain crossfade.

Each rendered tail is `[search + block + crossfade]` samples long. The offset in `0..search` whose first
`crossfade` samples best match (normalised cross-correlation) the previous block's continuation is where
this block starts, so the waveforms are in phase where they are blended.
"""

from __future__ import annotations

import numpy as np

EPSILON = 1e-8


def fades(length: int) -> tuple[np.ndarray, np.ndarray]:
    """(fade-in, fade-out) `[length]` float32: sin² and cos² of a quarter period, summing to 1 everywhere."""
    ramp = np.sin(0.5 * np.pi * (np.arange(length) + 0.5) / max(length, 1)) ** 2
    return ramp.astype(np.float32), (1.0 - ramp).astype(np.float32)


def best_offset(rendered: np.ndarray, previous: np.ndarray, search: int) -> int:
    """Offset in `0..search` where `rendered` `[>= search + len(previous)]` best continues `previous` `[C]`."""
    length = len(previous)
    if search <= 0 or length == 0 or not np.any(previous):
        return 0
    region = rendered[: search + length].astype(np.float64)
    windows = np.lib.stride_tricks.sliding_window_view(region, length)
    numerator = windows @ previous.astype(np.float64)
    energy = np.sqrt(np.sum(windows * windows, axis=1) + EPSILON)
    return int(np.argmax(numerator / energy))


class SolaJoiner:
    """Keeps the previous block's continuation and turns rendered tails into seamless blocks."""

    def __init__(self, block: int, crossfade: int, search: int) -> None:
        self.block = block
        self.crossfade = crossfade
        self.search = search
        self.fade_in, self.fade_out = fades(crossfade)
        self.previous = np.zeros(crossfade, dtype=np.float32)

    def join(self, rendered: np.ndarray) -> np.ndarray:
        """`[search + block + crossfade]` rendered samples -> the next `[block]` output samples."""
        offset = best_offset(rendered, self.previous, self.search)
        out = rendered[offset : offset + self.block].astype(np.float32, copy=True)
        count = min(self.crossfade, self.block)
        out[:count] = out[:count] * self.fade_in[:count] + self.previous[:count] * self.fade_out[:count]
        self.previous = rendered[offset + self.block : offset + self.block + self.crossfade].astype(np.float32)
        return out

    def fade_to_silence(self) -> np.ndarray:
        """The next `[block]` output samples when nothing was rendered: the previous continuation fading out."""
        out = np.zeros(self.block, dtype=np.float32)
        count = min(self.crossfade, self.block)
        out[:count] = self.previous[:count] * self.fade_out[:count]
        self.previous = np.zeros(self.crossfade, dtype=np.float32)
        return out

    def reset(self) -> None:
        """Forget the previous block (the next one fades in from silence)."""
        self.previous = np.zeros(self.crossfade, dtype=np.float32)
