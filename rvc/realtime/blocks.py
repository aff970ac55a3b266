"""What the realtime front-ends share: the converter they drive, the queues between the audio side and the
converter, and the live meter.

The audio side (a PortAudio callback, a browser request) must never wait for the model, so it only ever
pushes samples into a `BlockQueue` and takes converted samples from a `PlayQueue`; both are bounded, drop
the oldest audio when full (latency stays bounded when the model is too slow) and never block.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Protocol

import numpy as np

INPUT_DEPTH = 2
"""Whole input blocks that may wait for the converter; a third drops the oldest (the speaker is not delayed)."""
PLAY_DEPTH = 3
"""Converted blocks that may wait to be played before the oldest is dropped."""
SILENT_DB = -90.0
"""Input level (dBFS RMS) shown for digital silence; below `NO_SIGNAL_DB` the readout says the input is silent."""
NO_SIGNAL_DB = -70.0
SLOW_AFTER_BLOCKS = 3
"""Blocks converted before the readout judges the speed (the first ones pay one-time costs)."""


class BlockConverter(Protocol):
    """A streaming converter: fixed-size float32 mono blocks in, blocks of the same size out, at `rate` Hz.

    `rvc.realtime.engine.StreamEngine` is one; the front-ends know nothing else about it.
    """

    rate: int
    block_samples: int
    latency: float
    """Algorithmic latency in seconds (the block itself included)."""

    def process(self, block: np.ndarray) -> np.ndarray:
        """Convert one `(block_samples,)` block into `(block_samples,)` samples."""
        ...


class BlockQueue:
    """Samples in (any chunk size) -> whole blocks out, each with the stream time its first sample was captured.

    At most `depth` blocks wait; a new block beyond that drops the oldest and counts it in `dropped`.
    """

    def __init__(self, block_samples: int, depth: int = INPUT_DEPTH) -> None:
        self.block_samples = block_samples
        self.depth = depth
        self.dropped = 0
        self._pending = np.zeros(0, dtype=np.float32)
        self._pending_start = 0.0
        self._blocks: deque[tuple[np.ndarray, float]] = deque()
        self._ready = threading.Condition()

    def push(self, samples: np.ndarray, captured: float, rate: int) -> None:
        """Append `(N,)` samples whose first one was captured at `captured` seconds (never blocks for long)."""
        with self._ready:
            if not len(self._pending):
                self._pending_start = captured
            self._pending = np.concatenate([self._pending, np.asarray(samples, dtype=np.float32).reshape(-1)])
            while len(self._pending) >= self.block_samples:
                block, self._pending = self._pending[: self.block_samples], self._pending[self.block_samples :]
                self._blocks.append((block, self._pending_start))
                self._pending_start += self.block_samples / rate
                if len(self._blocks) > self.depth:
                    self._blocks.popleft()
                    self.dropped += 1
                self._ready.notify()

    def pop(self, timeout: float | None = None) -> tuple[np.ndarray, float] | None:
        """The oldest whole block and its capture time, waiting at most `timeout` s; None when none came."""
        with self._ready:
            if not self._blocks and not self._ready.wait_for(lambda: bool(self._blocks), timeout):
                return None
            return self._blocks.popleft()

    def waiting(self) -> int:
        """Whole blocks waiting now."""
        with self._ready:
            return len(self._blocks)


class PlayQueue:
    """Converted samples waiting to be played; `take` never waits: it pads with silence and counts an underrun.

    Underruns count only once the first converted audio arrived (the start-up silence is not one). More than
    `limit` samples waiting drops the oldest chunk (counted in `dropped`), so a late burst does not add delay.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.underruns = 0
        self.dropped = 0
        self._chunks: deque[list] = deque()
        self._queued = 0
        self._primed = False
        self._lock = threading.Lock()

    def put(self, samples: np.ndarray, captured: float) -> None:
        """Queue `(N,)` converted samples of audio captured at `captured`."""
        with self._lock:
            self._chunks.append([np.asarray(samples, dtype=np.float32), captured])
            self._queued += len(samples)
            self._primed = True
            while self._queued > self.limit and len(self._chunks) > 1:
                self._queued -= len(self._chunks.popleft()[0])
                self.dropped += 1

    def take(self, frames: int) -> tuple[np.ndarray, float | None]:
        """`(frames,)` samples to play now (silence where none are ready) and the capture time of the first one."""
        out = np.zeros(frames, dtype=np.float32)
        captured = None
        filled = 0
        with self._lock:
            while filled < frames and self._chunks:
                chunk = self._chunks[0]
                if captured is None:
                    captured = chunk[1]
                count = min(frames - filled, len(chunk[0]))
                out[filled : filled + count] = chunk[0][:count]
                filled += count
                self._queued -= count
                if count == len(chunk[0]):
                    self._chunks.popleft()
                else:
                    chunk[0] = chunk[0][count:]
            if filled < frames and self._primed:
                self.underruns += 1
        return out, captured


class StreamMeter:
    """Live figures of one stream: compute time per block, measured latency, device status flags."""

    def __init__(self, converter: BlockConverter) -> None:
        self.block_seconds = converter.block_samples / converter.rate
        self.algorithmic = float(converter.latency)
        self.blocks = 0
        self.xruns = 0
        self._compute_total = 0.0
        self._compute_max = 0.0
        self._compute_last = 0.0
        self._delay: float | None = None
        self._input_db = SILENT_DB
        self._lock = threading.Lock()

    def heard(self, block: np.ndarray) -> None:
        """Note the level of the input block about to be converted."""
        power = float(np.mean(np.square(block, dtype=np.float64))) if len(block) else 0.0
        with self._lock:
            self._input_db = max(SILENT_DB, 10 * np.log10(power)) if power > 0 else SILENT_DB

    def computed(self, seconds: float) -> None:
        """One block was converted in `seconds`."""
        with self._lock:
            self.blocks += 1
            self._compute_total += seconds
            self._compute_last = seconds
            self._compute_max = max(self._compute_max, seconds)

    def played(self, captured: float | None, plays_at: float) -> None:
        """Audio captured at `captured` starts playing at `plays_at` (same clock)."""
        if captured is not None:
            with self._lock:
                self._delay = max(0.0, plays_at - captured)

    def xrun(self) -> None:
        """The audio device reported an over- or underflow of its own buffers."""
        with self._lock:
            self.xruns += 1

    def latency(self) -> float | None:
        """Measured mouth-to-ear delay in seconds, None before the first converted audio played.

        The capture-to-playback time of a block's first sample already holds the block, so only the part of
        the algorithmic latency beyond the block (crossfade, look-ahead) is added.
        """
        with self._lock:
            if self._delay is None:
                return None
            return self._delay + max(0.0, self.algorithmic - self.block_seconds)

    def readout(self, dropped: int = 0, underruns: int = 0) -> dict:
        """The figures as a dict: seconds for times, counts for events, `load` = mean compute / block, and
        `advice`, sentences for people (`advice`)."""
        latency = self.latency()
        with self._lock:
            mean = self._compute_total / self.blocks if self.blocks else 0.0
            return {
                "latency": latency,
                "algorithmic": self.algorithmic,
                "block": self.block_seconds,
                "compute_mean": mean,
                "compute_max": self._compute_max,
                "compute_last": self._compute_last,
                "load": mean / self.block_seconds,
                "blocks": self.blocks,
                "dropped": dropped,
                "underruns": underruns,
                "xruns": self.xruns,
                "input_db": self._input_db,
                "advice": advice(self.blocks, self._input_db, mean / self.block_seconds),
            }


def convert_timed(converter: BlockConverter, meter: StreamMeter, block: np.ndarray) -> np.ndarray:
    """`converter.process(block)` with its wall time added to `meter`."""
    meter.heard(block)
    start = time.perf_counter()
    out = converter.process(block)
    meter.computed(time.perf_counter() - start)
    return np.asarray(out, dtype=np.float32).reshape(-1)


def advice(blocks: int, input_db: float, load: float) -> list[str]:
    """What to do about the stream so far, for people: a silent input, a converter slower than the stream."""
    notes = []
    if blocks and input_db < NO_SIGNAL_DB:
        notes.append("no input signal: check the microphone, its mute switch and the input device")
    if blocks >= SLOW_AFTER_BLOCKS and load > 1.0:
        notes.append(
            "too slow: a block takes longer to convert than to play, so audio is dropped; raise Block (s), "
            "lower Extra context (s), or choose a faster pitch method (swift or pm)"
        )
    return notes


def readout_text(readout: dict) -> str:
    """One line for people: latency, compute per block, load, the event counts and the readout's advice."""
    latency = readout.get("latency")
    shown = "measuring" if latency is None else f"{latency * 1000:.0f} ms"
    warning = "".join(f" | {note}" for note in readout["advice"])
    return (
        f"latency {shown} (algorithmic {readout['algorithmic'] * 1000:.0f} ms) | compute "
        f"{readout['compute_mean'] * 1000:.0f} ms/block mean, {readout['compute_max'] * 1000:.0f} max "
        f"({readout['load']:.0%} of the {readout['block'] * 1000:.0f} ms block) | blocks {readout['blocks']}, "
        f"dropped {readout['dropped']}, underruns {readout['underruns']}, device xruns {readout['xruns']}"
        f" | input {readout['input_db']:.0f} dB{warning}"
    )
