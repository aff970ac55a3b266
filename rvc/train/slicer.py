"""Cut a recording at its silences, with the reference's thresholds and cut-point rules.

RMS is measured per hop on centred frames; a run of frames below the threshold splits the audio
when it lasts at least `min_interval_ms` and the current clip already lasts `min_length_ms`. At
most `max_silence_kept_ms` of silence stays at each clip edge, and every cut lands on the
quietest frame of its silence. Work is vectorised over samples; the only Python loop walks the
silent runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SlicerSettings:
    """Silence detection: threshold in dBFS RMS, lengths in milliseconds (training-set defaults)."""

    threshold_db: float = -42.0
    min_length_ms: float = 1500.0
    min_interval_ms: float = 400.0
    hop_ms: float = 15.0
    max_silence_kept_ms: float = 500.0

    def __post_init__(self) -> None:
        if not self.min_length_ms >= self.min_interval_ms >= self.hop_ms > 0:
            raise ValueError("slicer needs min_length_ms >= min_interval_ms >= hop_ms > 0")
        if self.max_silence_kept_ms < self.hop_ms:
            raise ValueError("slicer needs max_silence_kept_ms >= hop_ms")


def frame_rms(audio: np.ndarray, frame_length: int, hop: int) -> np.ndarray:
    """RMS of `[N]` audio per hop over zero-padded centred frames: `[1 + (N + 2 * (L // 2) - L) // hop]`."""
    total = audio.shape[0]
    half = frame_length // 2
    starts = np.arange(0, total + 2 * half - frame_length + 1, hop) - half
    lower = np.clip(starts, 0, total)
    upper = np.clip(starts + frame_length, 0, total)
    points = np.unique(np.concatenate((lower, upper, [0, total])))
    inner = points[points < total]
    energy_at = np.zeros(points.shape[0], dtype=np.float64)
    if inner.size:
        sums = np.add.reduceat(np.square(audio, dtype=np.float32), inner, dtype=np.float64)
        energy_at[1 : sums.shape[0] + 1] = np.cumsum(sums)
    energy = energy_at[np.searchsorted(points, upper)] - energy_at[np.searchsorted(points, lower)]
    return np.sqrt(np.maximum(energy, 0.0) / frame_length)


def find_segments(
    audio: np.ndarray, sample_rate: int, settings: SlicerSettings = SlicerSettings()
) -> list[tuple[int, int]]:
    """Sample ranges `(start, end)` of the clips that `[N]` audio splits into at its silences."""
    total = audio.shape[0]
    hop = round(sample_rate * settings.hop_ms / 1000)
    min_interval_samples = sample_rate * settings.min_interval_ms / 1000
    min_length = round(sample_rate * settings.min_length_ms / 1000 / hop)
    min_interval = round(min_interval_samples / hop)
    keep = round(sample_rate * settings.max_silence_kept_ms / 1000 / hop)
    if (total + hop - 1) // hop <= min_length:
        return [(0, total)]
    rms = frame_rms(audio, min(round(min_interval_samples), 4 * hop), hop)
    frames = rms.shape[0]
    silent = np.concatenate(([False], rms < 10.0 ** (settings.threshold_db / 20.0), [False]))
    edges = np.flatnonzero(np.diff(silent.astype(np.int8)))
    tags = _silence_tags(rms, edges[0::2], edges[1::2], frames, min_length, min_interval, keep)
    if not tags:
        return [(0, total)]
    bounds = [0, *(edge for tag in tags for edge in tag), frames]
    return [(begin * hop, min(total, end * hop)) for begin, end in zip(bounds[0::2], bounds[1::2]) if end > begin]


def slice_audio(audio: np.ndarray, sample_rate: int, settings: SlicerSettings = SlicerSettings()) -> list[np.ndarray]:
    """The clips of `[N]` audio between its silences, each `[n_i]`."""
    return [audio[start:end] for start, end in find_segments(audio, sample_rate, settings)]


def _silence_tags(
    rms: np.ndarray, starts: np.ndarray, ends: np.ndarray, frames: int, min_length: int, min_interval: int, keep: int
) -> list[tuple[int, int]]:
    """Frame ranges `(first, last)` of silence to drop, one per silent run that splits the audio."""
    tags: list[tuple[int, int]] = []
    clip_start = 0
    for start, stop in zip(starts.tolist(), ends.tolist()):
        if stop >= frames:
            if frames - start >= min_interval:
                last = min(frames, start + keep)
                tags.append((_quietest(rms, start, last + 1), frames + 1))
            break
        leading = start == 0 and stop > keep
        splits = stop - start >= min_interval and stop - clip_start >= min_length
        if not (leading or splits):
            continue
        length = stop - start
        if length <= keep:
            cut = _quietest(rms, start, stop + 1)
            tags.append((0, cut) if start == 0 else (cut, cut))
            clip_start = cut
            continue
        left = _quietest(rms, start, start + keep + 1)
        right = _quietest(rms, stop - keep, stop + 1)
        if start == 0:
            tags.append((0, right))
            clip_start = right
        elif length <= 2 * keep:
            middle = _quietest(rms, stop - keep, start + keep + 1)
            tags.append((min(left, middle), max(right, middle)))
            clip_start = max(right, middle)
        else:
            tags.append((left, right))
            clip_start = right
    return tags


def _quietest(rms: np.ndarray, begin: int, end: int) -> int:
    """Index of the first minimum of `rms[begin:end]`."""
    return begin + int(np.argmin(rms[begin:end]))
