"""ONNX: the exported voice runs in ONNX Runtime with RVC's input names and gives PyTorch's audio for the same
inputs and noise; the ONNX Runtime vocoder body gives the torch body's audio."""

from __future__ import annotations

import numpy as np
import onnxruntime
import pytest
import torch

from rvc.cli import main
from rvc.infer.onnx_export import INPUT_NAMES_F0, example_inputs, export_module
from rvc.infer.onnx_vocoder import use_onnx_body
from rvc.models import load_voice
from rvc.testing.model_fixtures import save_random_voice

MAX_ERROR = 1e-5
"""Largest |ONNX Runtime - PyTorch| sample allowed (measured: ~1e-8 on a 0.007-peak tiny voice, 4e-7 on a
full-size 40 kHz one with peak 0.3)."""


@pytest.fixture(scope="module")
def voice_path(tmp_path_factory):
    return save_random_voice(tmp_path_factory.mktemp("onnx") / "v.pth", 40000, vocoder_channels=32)


def test_cli_writes_a_graph_with_pytorchs_audio(voice_path, tmp_path):
    """The CLI's graph (vocoder draws off, so it is deterministic) has RVC's names and gives PyTorch's audio."""
    output = tmp_path / "cli.onnx"
    assert main(["export-onnx", str(voice_path), "-o", str(output), "--no-source-noise"]) == 0
    assert output.stat().st_size > 10_000
    session = onnxruntime.InferenceSession(str(output), providers=["CPUExecutionProvider"])
    assert [item.name for item in session.get_inputs()] == list(INPUT_NAMES_F0)
    assert [item.name for item in session.get_outputs()] == ["audio"]
    voice = load_voice(voice_path, "cpu")
    inputs = example_inputs(voice, frames=150, seed=3)
    with torch.inference_mode():
        expected = export_module(voice, source_noise=False)(*inputs.values()).numpy()
    actual = session.run(None, {name: value.numpy() for name, value in inputs.items()})[0]
    assert actual.shape == expected.shape == (1, 1, 150 * 400)
    assert np.abs(expected).max() > 1e-3
    assert np.abs(actual - expected).max() < MAX_ERROR


@pytest.mark.parametrize(("vocoder", "use_f0"), [("HiFi-GAN", True), ("HiFi-GAN", False), ("MRF HiFi-GAN", True)])
def test_onnx_body_matches_the_torch_vocoder(tmp_path, vocoder, use_f0):
    path = save_random_voice(tmp_path / "b.pth", 44100, vocoder=vocoder, use_f0=use_f0, vocoder_channels=32)
    plain, fast = load_voice(path, "cpu").model.dec, load_voice(path, "cpu").model.dec
    assert use_onnx_body(fast, use_f0)
    z, g = torch.randn(1, 192, 60), torch.randn(1, 256, 1)
    f0 = torch.linspace(100.0, 300.0, 60)[None] if use_f0 else None
    with torch.inference_mode():
        torch.manual_seed(2)
        expected = plain(z, f0, g, window=(20, 40))
        torch.manual_seed(2)
        actual = fast(z, f0, g, window=(20, 40))
    assert actual.shape == expected.shape == (1, 1, 20 * 441)
    torch.testing.assert_close(actual, expected, rtol=1e-4, atol=1e-6)
