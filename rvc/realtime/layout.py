"""Block geometry of a stream: how many device samples and 10 ms frames each part of the window spans.

The engine converts a sliding window `[extra | tail]` of the most recent input, where the tail
`[block | crossfade | SOLA search]` (rounded up to whole frames) is what the vocoder renders; the rest is
context for the embedder and the text encoder. Every length is a whole number of frames, and, at
22.05 kHz where 10 ms is 220.5 samples, of 20 ms steps, so the window is a whole number of samples at
the device rate, at 16 kHz and at the voice's rate, and its frames line up with the pitch frames.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rvc.errors import RVCError
from rvc.realtime.settings import StreamSettings

DEVICE_RATES = (16000, 22050, 32000, 44100, 48000)
FRAME_SECONDS = 0.01
VOCODER_MARGIN_FRAMES = 8
"""Frames rendered left of the tail and dropped: the vocoder's convolutions see real context (~80 ms) there."""


@dataclass(frozen=True)
class StreamLayout:
    """Lengths of one stream's window at device rate `rate` (samples) and in 10 ms frames."""

    rate: int
    step_frames: int
    """Frames per rounding step: 1, or 2 where 10 ms is not a whole number of samples."""
    block_frames: int
    block_samples: int
    crossfade_samples: int
    sola_samples: int
    tail_frames: int
    """Frames of the window the vocoder renders (block + crossfade + SOLA search, plus the margin)."""
    window_frames: int

    @property
    def window_samples(self) -> int:
        """Device-rate samples in the window."""
        return self.frames_to_samples(self.window_frames)

    @property
    def output_samples(self) -> int:
        """Device-rate samples of the rendered tail that SOLA works on: block + crossfade + search."""
        return self.block_samples + self.crossfade_samples + self.sola_samples

    @property
    def latency(self) -> float:
        """Seconds from the end of an input block to the input the start of its output block renders (worst case)."""
        return self.output_samples / self.rate

    def frames_to_samples(self, frames: int, rate: int | None = None) -> int:
        """Samples at `rate` (default the device rate) in `frames` 10 ms frames (a whole number by construction)."""
        return frames * (rate or self.rate) // 100


def plan_layout(settings: StreamSettings, rate: int) -> StreamLayout:
    """The window layout for `settings` at device rate `rate`; RVCError for a rate the engine does not take."""
    if rate not in DEVICE_RATES:
        raise RVCError(
            f"Device rate {rate} Hz is not supported for realtime conversion: set the device to one of "
            f"{', '.join(map(str, DEVICE_RATES))} Hz."
        )
    step = 1 if rate % 100 == 0 else 2

    def frames(seconds: float) -> int:
        return step * math.ceil(round(seconds / FRAME_SECONDS, 6) / step)

    block_frames = max(step, step * round(settings.block / FRAME_SECONDS / step))
    block_samples = block_frames * rate // 100
    crossfade = round(settings.crossfade * rate)
    sola = round(settings.sola_search * rate)
    rendered = frames((block_samples + crossfade + sola) / rate)
    tail = rendered + VOCODER_MARGIN_FRAMES
    window = max(tail, rendered + frames(settings.extra))
    return StreamLayout(rate, step, block_frames, block_samples, crossfade, sola, tail, window)
