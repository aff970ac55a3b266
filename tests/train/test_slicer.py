"""Silence slicer: cuts at long silences only, keeps the voiced parts, reference RMS framing."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from rvc.testing.synthetic_speech import synth_speech
from rvc.train.slicer import SlicerSettings, find_segments, frame_rms, slice_audio

SR = 40000


def _speech_with_gaps(pieces: list[tuple[str, float]]) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Concatenate ("speech"|"silence", seconds) pieces; return audio and the speech sample ranges.

    Speech is trimmed to its first and last voiced 10 ms frame, so silences are exactly as long as asked.
    """
    parts, speech, position = [], [], 0
    for seed, (kind, seconds) in enumerate(pieces):
        if kind == "speech":
            clip = synth_speech(seconds + 0.5, SR, speaker=seed % 2, seed=seed)
            voiced = np.flatnonzero(clip.voiced)
            first = int(voiced[0] * 0.01 * SR)
            part = clip.audio[first : first + round(seconds * SR)]
            speech.append((position, position + len(part)))
        else:
            part = np.zeros(round(seconds * SR), dtype=np.float32)
        parts.append(part)
        position += len(part)
    return np.concatenate(parts), speech


def test_frame_rms_matches_centred_zero_padded_frames():
    y = np.random.default_rng(0).standard_normal(12_345).astype(np.float32)
    for frame_length, hop in [(2400, 600), (33, 7), (4, 2)]:
        padded = np.pad(y.astype(np.float64), frame_length // 2)
        frames = np.lib.stride_tricks.sliding_window_view(padded, frame_length)[::hop]
        expected = np.sqrt(np.mean(frames**2, axis=1))
        np.testing.assert_allclose(frame_rms(y, frame_length, hop), expected, rtol=1e-5, atol=1e-8)


def test_cuts_inside_long_silences_and_keeps_all_speech():
    audio, speech = _speech_with_gaps(
        [("silence", 0.8), ("speech", 2.0), ("silence", 1.2), ("speech", 2.5), ("silence", 0.6), ("speech", 1.8)]
    )
    segments = find_segments(audio, SR)
    assert len(segments) == 3
    for (start, end), (voice_start, voice_end) in zip(segments, speech):
        # each clip holds all of its speech
        assert start <= voice_start and end >= voice_end
        # and at most 0.5 s of silence (+ one 15 ms hop) on either side
        assert voice_start - start <= 0.515 * SR and end - voice_end <= 0.515 * SR
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(segments))


def test_short_pauses_do_not_split():
    audio, _ = _speech_with_gaps([("speech", 2.0), ("silence", 0.3), ("speech", 2.0)])
    assert find_segments(audio, SR) == [(0, len(audio))]


def test_clip_shorter_than_min_length_is_not_split_off():
    # the pause is long enough, but clip + pause stay under min_length (1.5 s), so nothing is cut
    audio, _ = _speech_with_gaps([("speech", 0.5), ("silence", 0.6), ("speech", 2.0)])
    assert find_segments(audio, SR) == [(0, len(audio))]
    audio, _ = _speech_with_gaps([("speech", 1.0), ("silence", 0.6), ("speech", 2.0)])
    assert len(find_segments(audio, SR)) == 2


def test_short_audio_is_returned_whole_and_slices_are_views():
    short = np.zeros(SR, dtype=np.float32)
    assert find_segments(short, SR) == [(0, SR)]
    audio, _ = _speech_with_gaps([("speech", 2.0), ("silence", 1.0), ("speech", 2.0)])
    clips = slice_audio(audio, SR)
    assert len(clips) == 2
    assert [len(c) for c in clips] == [end - start for start, end in find_segments(audio, SR)]
    assert all(np.shares_memory(c, audio) for c in clips)


def test_threshold_decides_what_is_silence():
    audio, _ = _speech_with_gaps([("speech", 2.0), ("silence", 1.0), ("speech", 2.0)])
    hiss = audio + 0.02 * np.random.default_rng(1).standard_normal(len(audio)).astype(np.float32)  # about -34 dB
    assert len(find_segments(hiss, SR)) == 1
    assert len(find_segments(hiss, SR, SlicerSettings(threshold_db=-25.0))) == 2


def test_settings_are_validated():
    with pytest.raises(ValueError):
        SlicerSettings(min_length_ms=300.0, min_interval_ms=400.0)
    with pytest.raises(ValueError):
        SlicerSettings(max_silence_kept_ms=5.0)
