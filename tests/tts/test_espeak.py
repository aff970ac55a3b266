"""eSpeak NG through the espeakng-loader wheel: voices, speech of plausible length, speed, pitch and errors."""

from __future__ import annotations

import numpy as np
import pytest

from rvc.errors import RVCError
from rvc.tts import get_engine, speak
from rvc.tts.speech import PAUSE_S, shift_pitch

SENTENCE = "The quick brown fox jumps over the lazy dog."


def test_voices_are_listed_by_language_with_unique_names():
    voices = get_engine("espeak").voices()
    names = [voice.name for voice in voices]
    assert len(voices) > 50 and len(set(names)) == len(names)
    english = {voice.name: voice for voice in voices}["en-us"]
    assert english.description == "English (America)" and english.label.startswith("en-us")


def test_a_sentence_becomes_audible_speech_of_plausible_length():
    audio, rate = get_engine("espeak").synthesize(SENTENCE, "en-us")
    seconds = len(audio) / rate
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert 1.5 < seconds < 5.0  # nine words at about 175 words per minute
    assert np.sqrt(np.mean(audio**2)) > 0.02 and np.abs(audio).max() <= 1.0


def test_rate_changes_the_speed():
    engine = get_engine("espeak")
    normal, _ = engine.synthesize(SENTENCE, "en-us", 0)
    fast, _ = engine.synthesize(SENTENCE, "en-us", 100)
    slow, _ = engine.synthesize(SENTENCE, "en-us", -50)
    assert len(fast) < 0.7 * len(normal) < 0.7 * len(slow)


def test_unknown_voice_and_out_of_range_rate_are_clear_errors():
    engine = get_engine("espeak")
    with pytest.raises(RVCError, match="unknown eSpeak voice 'xx-nowhere'.*--list-tts-voices"):
        engine.synthesize(SENTENCE, "xx-nowhere")
    with pytest.raises(RVCError, match="TTS speed 300% is out of range"):
        engine.synthesize(SENTENCE, "en-us", 300)
    with pytest.raises(RVCError, match="unknown TTS engine 'festival'"):
        get_engine("festival")


def test_long_text_is_spoken_piece_by_piece_and_joined_with_pauses():
    one, rate = speak(SENTENCE, "espeak", "en-us")
    page = " ".join([SENTENCE] * 12)  # about 540 characters: two pieces
    joined, joined_rate = speak(page, "espeak", "en-us")
    assert joined_rate == rate
    assert len(joined) > 10 * len(one)
    # pieces are separated by PAUSE_S of exact silence
    silent = np.flatnonzero(joined == 0)
    runs = np.split(silent, np.flatnonzero(np.diff(silent) != 1) + 1)
    assert max(len(run) for run in runs) >= int(PAUSE_S * rate)


def test_pitch_shift_moves_a_tone_by_the_semitones_and_keeps_the_length():
    rate = 22050
    tone = np.sin(2 * np.pi * 220 * np.arange(rate) / rate).astype(np.float32)
    shifted = shift_pitch(tone, rate, 12.0)
    spectrum = np.abs(np.fft.rfft(shifted))
    assert len(shifted) == len(tone)
    assert abs(np.argmax(spectrum) * rate / len(shifted) - 440) < 5
    assert shift_pitch(tone, rate, 0.0) is tone


def test_empty_text_is_refused_before_any_engine_runs():
    with pytest.raises(RVCError, match="the text is empty"):
        speak("   ", "espeak", "en-us")
