"""Every CPU speed path of a conversion keeps the output's length and rate, and the audio of the plain path."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rvc import onnx_graphs
from rvc.audio import load_audio
from rvc.infer import cache
from rvc.infer.conversion import load_models
from rvc.infer.options import make_options
from rvc.infer.pipeline import SAMPLE_RATE, convert_wav16k, kept_frames, output_length
from rvc.models.vocoders import windows

OPTIONS = {"f0_method": "pm", "seed": 7, "device": "cpu"}
FAST = {
    "ONNX_VOCODERS": cache.ONNX_VOCODERS,
    "FAST_CONV_VOCODERS": cache.FAST_CONV_VOCODERS,
}
CONTEXT = windows.CONTEXT_FRAMES


def convert(installed, **changes) -> tuple[np.ndarray, int, list[int], int]:
    """(converted audio, voice rate, latent frames each vocoder body call saw, input samples) with fresh models."""
    cache.MODELS.clear()
    options = make_options(**{**OPTIONS, **changes})
    models = load_models(installed["voice"], options)
    seen = []
    dec = models.voice.model.dec
    body = dec._decode

    def recording(x, g, source):
        seen.append(x.shape[-1])
        return body(x, g, source)

    dec._decode = recording
    wav, _ = load_audio(installed["speech"], SAMPLE_RATE)
    audio = convert_wav16k(wav, models, options)
    return audio, models.voice.sample_rate, seen, len(wav)


@pytest.fixture
def plain_vocoder(monkeypatch):
    """The pre-speed-up conversion: torch embedder, plain torch convolutions, whole padded latent vocoded."""
    monkeypatch.setattr(onnx_graphs, "ENABLED", False)
    monkeypatch.setattr(cache, "ONNX_VOCODERS", ())
    monkeypatch.setattr(cache, "FAST_CONV_VOCODERS", ())
    monkeypatch.setattr(windows, "CONTEXT_FRAMES", 10**6)


def test_padding_is_not_vocoded_and_the_audio_is_unchanged(installed, monkeypatch):
    monkeypatch.setattr(cache, "ONNX_VOCODERS", ())
    trimmed, rate, _seen, n = convert(installed)
    monkeypatch.setattr(windows, "CONTEXT_FRAMES", 10**6)
    full, _rate, _seen, _n = convert(installed)
    assert len(trimmed) == len(full) == output_length(n, rate)
    np.testing.assert_allclose(trimmed, full, atol=1e-5)
    assert np.abs(full).max() > 1e-3


@pytest.mark.parametrize("path", ["onnx", "channels-last", "bf16"])
def test_speed_paths_keep_length_rate_and_audio(installed, monkeypatch, plain_vocoder, path):
    reference, rate, _seen, n = convert(installed)
    monkeypatch.setattr(windows, "CONTEXT_FRAMES", CONTEXT)
    monkeypatch.setattr(onnx_graphs, "ENABLED", True)
    for name, value in FAST.items():
        monkeypatch.setattr(cache, name, value)
    if path == "channels-last":
        monkeypatch.setattr(cache, "ONNX_VOCODERS", ())
    audio, fast_rate, _seen, _n = convert(installed, precision="bf16" if path == "bf16" else "fp32")
    assert fast_rate == rate == 32000
    assert audio.shape == reference.shape == (output_length(n, rate),)
    if path == "bf16":
        assert 10 * np.log10(np.sum(reference**2) / np.sum((audio - reference) ** 2)) > 15
    else:
        np.testing.assert_allclose(audio, reference, atol=1e-4)


def test_the_vocoder_sees_the_kept_frames_plus_context_only(installed, monkeypatch):
    monkeypatch.setattr(cache, "ONNX_VOCODERS", ())
    _audio, rate, seen, n = convert(installed)
    start, stop = kept_frames(2 * SAMPLE_RATE // 160 + n // 160, output_length(n, rate), rate)
    assert seen == [stop - start + 2 * windows.CONTEXT_FRAMES]


def test_kept_frames_cover_the_wanted_samples():
    assert kept_frames(400, 80_000, 40_000) == (100, 300)
    assert kept_frames(250, 80_000, 40_000) == (100, 250)
    assert kept_frames(400, 441 * 3 + 1, 44_100) == (100, 104)
    with pytest.raises(ValueError):
        kept_frames(100, 10, 40_000)


def test_bf16_weights_really_are_bf16(installed):
    cache.MODELS.clear()
    models = load_models(installed["voice"], make_options(**OPTIONS, precision="bf16"))
    assert next(models.voice.model.parameters()).dtype == torch.bfloat16
    assert models.embedder.dtype == torch.bfloat16
    cache.MODELS.clear()
