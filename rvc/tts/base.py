"""The one small interface every text-to-speech engine offers, and the voice it speaks with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rvc.errors import RVCError

RATE_RANGE = (-50, 100)  # percent speed change; -50 = half speed, +100 = double
PITCH_RANGE = (-12.0, 12.0)  # semitones


@dataclass(frozen=True)
class TtsVoice:
    """One voice of an engine: `name` is what `--tts-voice` takes, `description` says what it sounds like."""

    name: str
    description: str
    language: str = ""
    gender: str = ""

    @property
    def label(self) -> str:
        """Name and description, as a voice list shows them."""
        return f"{self.name} — {self.description}"


class TtsEngine(Protocol):
    """A text-to-speech engine: lists its voices and speaks one piece of text."""

    name: str
    offline: bool

    def voices(self) -> list[TtsVoice]:
        """Every voice this engine can speak with now (offline engines: without a network)."""
        ...

    def synthesize(self, text: str, voice: str, rate: int = 0) -> tuple[np.ndarray, int]:
        """Speak `text` with `voice` at `rate` percent faster (negative: slower): float32 mono audio `[N]` and its rate."""
        ...


def check_rate(rate: float) -> int:
    """`rate` as a whole percent inside `RATE_RANGE`, else RVCError naming the range."""
    low, high = RATE_RANGE
    if not low <= rate <= high:
        raise RVCError(f"TTS speed {rate}% is out of range: choose {low}..{high} (0 = the voice's normal speed)")
    return round(rate)


def check_pitch(pitch: float) -> float:
    """`pitch` in semitones inside `PITCH_RANGE`, else RVCError naming the range."""
    low, high = PITCH_RANGE
    if not low <= pitch <= high:
        raise RVCError(f"TTS pitch {pitch} semitones is out of range: choose {low:g}..{high:g} (0 = unchanged)")
    return float(pitch)
