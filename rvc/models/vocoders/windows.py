"""Vocoding a window of a latent: only the frames whose audio is kept, plus the context the convolutions read.

A conversion pads each piece with 1 s of reflected audio on both sides and throws the padding's audio away;
running the vocoder over those 200 frames is wasted work. The HiFi-GAN vocoders are convolutional: an output
sample depends on the latent frames within their receptive field (about 12 frames each side at 40 kHz, 15 at
44.1 kHz, mostly from the first stage's dilated kernels), so vocoding `[start - CONTEXT_FRAMES, stop +
CONTEXT_FRAMES)` and cutting the context off gives the audio of `[start, stop)` a full pass gives, up to float
rounding. Their random draws all happen in the excitation source, which is still made for the whole track
and then cut, so a seed draws the same numbers in the same order (`tests/models/test_vocoder_windows.py`).
"""

from __future__ import annotations

import torch

CONTEXT_FRAMES = 24
"""Latent frames kept on each side of a window: about twice the widest receptive field (44.1 kHz HiFi-GAN)."""

Window = tuple[int, int]
"""(start, stop) latent frames whose audio is wanted."""


def context_bounds(frames: int, window: Window) -> tuple[int, int]:
    """(first, last) frames to vocode for `window` of a `frames`-long latent: the window plus its context."""
    start, stop = window
    if not 0 <= start < stop <= frames:
        raise ValueError(f"window {window} is not inside a latent of {frames} frames")
    return max(start - CONTEXT_FRAMES, 0), min(stop + CONTEXT_FRAMES, frames)


def crop_frames(x: torch.Tensor, bounds: tuple[int, int]) -> torch.Tensor:
    """Frames `[first, last)` of `[B, C, T]`."""
    return x[..., bounds[0] : bounds[1]]


def crop_samples(audio: torch.Tensor, bounds: tuple[int, int], window: Window, hop: int) -> torch.Tensor:
    """Audio of `window`'s frames out of `[B, 1, (last - first)·hop]` vocoded from `bounds` -> `[B, 1, (stop - start)·hop]`."""
    offset = (window[0] - bounds[0]) * hop
    return audio[..., offset : offset + (window[1] - window[0]) * hop]
