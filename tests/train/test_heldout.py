"""Held-out scores on known signals: identical audio scores perfectly, noise scores worse, a pitch shift of N
semitones reads as N * 100 cents."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from rvc.testing.synthetic_speech import synth_speech
from rvc.train import heldout
from rvc.train.mel import mel_spectrogram

SR = 40000


def _mel(audio: torch.Tensor) -> torch.Tensor:
    return mel_spectrogram(audio.squeeze(1), SR, 2048, 400, 2048, 125, 0.0, None)


def _harmonic(semitones: float, seconds: float = 1.5) -> np.ndarray:
    """A buzz of 14 harmonics around 150 Hz (3 Hz vibrato), voiced 0.35 s of every 0.5 s, `semitones` up."""
    t = np.arange(int(seconds * SR)) / SR
    f0 = 150 * 2 ** (semitones / 12) * (1 + 0.05 * np.sin(2 * np.pi * 3 * t))
    phase = 2 * np.pi * np.cumsum(f0) / SR
    buzz = sum(np.sin(k * phase) / k for k in range(1, 15))
    return (0.3 * buzz * ((t % 0.5) < 0.35)).astype(np.float32)


def _wave(audio: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(audio).reshape(1, 1, -1)


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    return synth_speech(1.5, SR, seed=3).audio


def test_identical_audio_scores_perfectly(speech):
    scores = heldout.score_pair(_wave(speech), _wave(speech), SR, _mel)
    assert list(scores) == list(heldout.SCORES)
    assert scores["mel_l1"] == 0 and scores["mrstft"] == pytest.approx(0, abs=1e-6)
    assert scores["si_sdr"] > 100 and scores["pesq"] > 4.5
    assert scores["f0_rmse"] == 0 and scores["vuv_error"] == 0


def test_more_noise_scores_worse_on_every_score(speech):
    noise = np.random.default_rng(0).standard_normal(len(speech)).astype(np.float32)
    clean = heldout.score_pair(_wave(speech), _wave(speech), SR, _mel)
    light, heavy = (heldout.score_pair(_wave(speech), _wave(speech + level * noise), SR, _mel) for level in (0.01, 0.1))
    for name in ("mel_l1", "mrstft", "si_sdr", "pesq"):
        assert heldout.better(name, clean[name], light[name]) and heldout.better(name, light[name], heavy[name]), name
    assert heavy["vuv_error"] > clean["vuv_error"]


@pytest.mark.parametrize("semitones", [1, 3])
def test_a_pitch_shift_of_n_semitones_is_n_hundred_cents(semitones):
    rmse, vuv = heldout.pitch_scores(_harmonic(0), _harmonic(semitones), SR)
    assert rmse == pytest.approx(100 * semitones, abs=3)
    assert vuv < 0.02


def test_si_sdr_is_the_snr_of_orthogonal_noise_and_ignores_scale():
    t = np.arange(16000) / 16000
    signal, noise = np.sin(2 * np.pi * 200 * t), 0.1 * np.sin(2 * np.pi * 300 * t)
    assert heldout.si_sdr(signal, signal + noise) == pytest.approx(20, abs=0.01)
    assert heldout.si_sdr(signal, 3 * (signal + noise)) == pytest.approx(20, abs=0.01)


def test_f0_errors_on_hand_made_tracks():
    rmse, vuv = heldout.f0_errors(np.array([100.0, 100, 0, 200]), np.array([200.0, 100, 100, 0, 300]))
    assert rmse == pytest.approx(math.sqrt(1200**2 / 2)) and vuv == 0.5
    rmse, vuv = heldout.f0_errors(np.array([100.0, 0]), np.array([0.0, 0]))
    assert math.isnan(rmse) and vuv == 0.5


def test_scores_that_cannot_be_computed_are_left_out_and_averages_skip_them():
    silence = np.zeros(SR, dtype=np.float32)
    assert math.isnan(heldout.pesq_wideband(silence, silence, SR))
    scores = heldout.score_pair(_wave(silence), _wave(silence), SR, _mel)
    assert "pesq" not in scores and "f0_rmse" not in scores and scores["vuv_error"] == 0
    mean = heldout.average_scores([{"pesq": 2.0, "mel_l1": 1.0}, {"mel_l1": 3.0}])
    assert mean == {"mel_l1": 2.0, "pesq": 2.0} and list(mean) == ["mel_l1", "pesq"]


def test_tags_round_trip_and_other_values_are_left_out():
    assert heldout.tagged({"mel_l1": 1.0}) == {"validation/mel_l1": 1.0}
    assert heldout.untagged({"validation/mel_l1": 1.0, "validation/other": 2.0, "mel_l1": 3.0}) == {"mel_l1": 1.0}
