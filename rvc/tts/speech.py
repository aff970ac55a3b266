"""Whole texts to speech: split into sentences, speak each piece, join with short pauses, shift the pitch."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from rvc.audio import resample, save_audio
from rvc.errors import RVCError
from rvc.tts.base import check_pitch, check_rate
from rvc.tts.engines import get_engine
from rvc.tts.text import split_sentences

PAUSE_S = 0.25  # silence between pieces: a sentence break, not a paragraph

Progress = Callable[[float, str], None]


def shift_pitch(audio: np.ndarray, sample_rate: int, semitones: float) -> np.ndarray:
    """`audio` `[N]` transposed by `semitones` with its duration kept (the same for every engine)."""
    if semitones == 0 or audio.size == 0:
        return audio
    import librosa

    return librosa.effects.pitch_shift(audio, sr=sample_rate, n_steps=semitones).astype(np.float32)


def speak(
    text: str, engine: str, voice: str, rate: float = 0, pitch: float = 0.0, progress: Progress | None = None
) -> tuple[np.ndarray, int]:
    """`text` spoken by `voice` of `engine`: float32 mono `[N]` and its sample rate.

    `rate` is the speed change in percent (-50..100), `pitch` the transposition in semitones (-12..12).
    Long texts are spoken one sentence group at a time; empty text is an RVCError.
    """
    rate, pitch = check_rate(rate), check_pitch(pitch)
    pieces = split_sentences(text)
    tts = get_engine(engine)
    sample_rate = 0
    spoken: list[np.ndarray] = []
    for number, piece in enumerate(pieces):
        if progress is not None:
            progress(number / len(pieces), f"speaking {number + 1}/{len(pieces)}")
        audio, piece_rate = tts.synthesize(piece, voice, rate)
        sample_rate = sample_rate or piece_rate
        audio = resample(np.asarray(audio, dtype=np.float32), piece_rate, sample_rate)
        if spoken:
            spoken.append(np.zeros(int(PAUSE_S * sample_rate), dtype=np.float32))
        spoken.append(audio)
    joined = np.concatenate(spoken).astype(np.float32)
    if not np.any(joined):
        raise RVCError(f"the {engine} voice {voice!r} produced no sound for this text; try another voice or text")
    return shift_pitch(joined, sample_rate, pitch), sample_rate


def speak_to_file(
    text: str,
    path: str | Path,
    engine: str,
    voice: str,
    rate: float = 0,
    pitch: float = 0.0,
    progress: Progress | None = None,
) -> Path:
    """`speak` and save the speech to `path` (its extension picks the format); returns the path written."""
    audio, sample_rate = speak(text, engine, voice, rate, pitch, progress)
    return save_audio(path, audio, sample_rate)
