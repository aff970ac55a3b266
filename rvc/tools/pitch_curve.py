"""The pitch curve of a recording as conversion sees it, saved in the F0-file format conversion accepts.

The audio is prepared exactly as `rvc.infer.pipeline` prepares one stretch (16 kHz mono, 48 Hz zero-phase
high-pass, peak limit, 1 s reflect padding) before the pitch method runs, so at the default hop the curve
holds the very values conversion would extract: converting with the saved file as `f0_file` gives the same
audio as converting with the method itself. The file has `seconds,Hz` lines, 0 Hz marking unvoiced frames.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rvc.errors import RVCError

DEFAULT_HOP = 160
"""Samples at 16 kHz per frame: 10 ms, the frame rate conversion uses."""


@dataclass(frozen=True)
class PitchCurve:
    """Hz per frame (`hz` [T], 0 = unvoiced) at `times` [T] seconds, found by `method`."""

    times: np.ndarray
    hz: np.ndarray
    method: str

    @property
    def voiced(self) -> np.ndarray:
        """The voiced frames' Hz [V]."""
        return self.hz[self.hz > 0]


def prepared_audio(wav16k: np.ndarray) -> np.ndarray:
    """16 kHz mono [N] -> [N] with conversion's input clean-up (48 Hz zero-phase high-pass, peak limit)."""
    from rvc.audio import high_pass, limit_peak
    from rvc.infer.pipeline import HIGH_PASS_HZ, INPUT_PEAK, SAMPLE_RATE

    audio = np.asarray(wav16k, dtype=np.float32)
    return limit_peak(high_pass(audio, SAMPLE_RATE, cutoff=HIGH_PASS_HZ, zero_phase=True), INPUT_PEAK)


def pitch_curve(wav16k: np.ndarray, method: str, hop: int = DEFAULT_HOP, device: str = "cpu") -> PitchCurve:
    """16 kHz mono [N] -> the curve [N // hop + 1] that conversion's pitch step would extract with `method`."""
    from rvc.features.f0 import extract_f0, frame_count
    from rvc.infer.pipeline import PAD, SAMPLE_RATE

    if int(hop) != hop or hop < 1:
        raise RVCError(f"Pitch hop {hop} is not a positive whole number of samples: use e.g. 160 (10 ms).")
    hop = int(hop)
    audio = prepared_audio(wav16k)
    if len(audio) < 2:
        raise RVCError("The audio is too short for a pitch curve: use at least a few milliseconds of sound.")
    pad = -(-PAD // hop) * hop
    padded = np.pad(audio, pad, mode="reflect")
    raw = extract_f0(padded, method, hop=hop, device=device)
    first = pad // hop
    hz = raw[first : first + frame_count(len(audio), hop)]
    return PitchCurve(times=np.arange(len(hz)) * (hop / SAMPLE_RATE), hz=hz, method=method)


def pitch_curve_of_file(
    path: str | os.PathLike[str], method: str, hop: int = DEFAULT_HOP, device: str = "cpu"
) -> PitchCurve:
    """The pitch curve of an audio file, decoded as conversion decodes it (16 kHz mono)."""
    from rvc.audio import load_audio
    from rvc.infer.pipeline import SAMPLE_RATE

    wav16k, _ = load_audio(path, SAMPLE_RATE)
    return pitch_curve(wav16k, method, hop, device)


def f0_file_text(curve: PitchCurve, source: str = "") -> str:
    """The curve as F0-file text: a `#` header, then one `seconds,Hz` line per frame (Hz at full precision)."""
    header = f"# pitch curve{f' of {source}' if source else ''} by {curve.method}: seconds,Hz (0 = unvoiced)\n"
    lines = (f"{round(float(time), 6)!r},{float(hz)!r}" for time, hz in zip(curve.times, curve.hz))
    return header + "\n".join(lines) + "\n"


def write_f0_file(curve: PitchCurve, path: str | os.PathLike[str], source: str = "") -> Path:
    """Write the curve atomically as an F0 file that `rvc.infer.pitch.read_f0_file` reads back; returns the path."""
    from rvc.atomic_files import write_text_atomic

    if len(curve.hz) == 0:
        raise RVCError("The pitch curve is empty; nothing to write.")
    return write_text_atomic(path, f0_file_text(curve, source))
