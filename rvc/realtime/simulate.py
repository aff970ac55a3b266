"""Streaming a whole recording through an engine block by block, as an audio device would, and timing it.

Paced (the default) feeds block k when it would have been captured, at k·block seconds, like a device;
a block is an underrun when its output is not ready by the time the device must play it (one block
after capture). `as_fast_as_possible` feeds blocks back to back and counts a block whose compute took
longer than a block as an underrun.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rvc.realtime.engine import StreamEngine


@dataclass(frozen=True)
class StreamReport:
    """Timing of a simulated stream: seconds per block of compute, underruns and the engine's latency."""

    blocks: int
    block_seconds: float
    latency: float
    mean_compute: float
    max_compute: float
    underruns: int

    def lines(self) -> list[str]:
        """Human-readable summary, one figure per line."""
        share = 100.0 * self.mean_compute / self.block_seconds
        return [
            f"blocks: {self.blocks} of {self.block_seconds * 1000:.0f} ms",
            f"algorithmic latency: {self.latency * 1000:.0f} ms",
            (
                f"compute per block: mean {self.mean_compute * 1000:.1f} ms ({share:.0f}% of the block), "
                f"max {self.max_compute * 1000:.1f} ms"
            ),
            f"underruns: {self.underruns}",
        ]


def stream_blocks(audio: np.ndarray, engine: StreamEngine) -> list[np.ndarray]:
    """`[N]` at the engine's rate -> blocks of `block_samples`, zero-padded so the last input also comes out."""
    size = engine.block_samples
    tail = round(engine.latency * engine.rate)
    count = -(-(len(audio) + tail) // size)
    padded = np.zeros(count * size, dtype=np.float32)
    padded[: len(audio)] = audio
    return [padded[start : start + size] for start in range(0, len(padded), size)]


def simulate(
    engine: StreamEngine,
    audio: np.ndarray,
    paced: bool = True,
    on_block: Callable[[int, int], None] | None = None,
) -> tuple[np.ndarray, StreamReport]:
    """Stream mono `[N]` at the engine's rate through `engine` -> (output `[M >= N]` as a device plays it, report).

    A device plays each converted block during the next block's capture, so the output starts with one block of
    silence and is the input delayed by the engine's latency.
    """
    block_seconds = engine.block_samples / engine.rate
    blocks = stream_blocks(audio, engine)
    outputs, computes = [], []
    underruns = 0
    start = time.perf_counter()
    for number, block in enumerate(blocks):
        captured = start + (number + 1) * block_seconds
        if paced:
            wait = captured - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
        began = time.perf_counter()
        outputs.append(engine.process(block))
        finished = time.perf_counter()
        computes.append(finished - began)
        late = finished > captured + block_seconds if paced else finished - began > block_seconds
        underruns += int(late)
        if on_block is not None:
            on_block(number + 1, len(blocks))
    report = StreamReport(
        blocks=len(blocks),
        block_seconds=block_seconds,
        latency=engine.latency,
        mean_compute=float(np.mean(computes)),
        max_compute=float(np.max(computes)),
        underruns=underruns,
    )
    silence_before_first = np.zeros(engine.block_samples, dtype=np.float32)
    return np.concatenate([silence_before_first, *outputs]), report
