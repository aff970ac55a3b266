"""ONNX export of the MRF HiFi-GAN and RefineGAN voices: ONNX Runtime gives PyTorch's audio for the same inputs
with the vocoder's random draws off, at two lengths through one graph (the time axis is dynamic).

One rate per vocoder keeps the file fast (each export spends ~10 s in torch's initializer deduplication): MRF at
44.1 kHz (odd up-sampling rates 7·7·3·3), RefineGAN at 40 kHz (10·10·2·2); the other two pairs passed the same
check when the export was written.
"""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime
import pytest
import torch

from rvc.infer.onnx_export import example_inputs, export_module, export_voice
from rvc.models import load_voice
from rvc.testing.model_fixtures import save_random_voice

MAX_ERROR = 1e-6
"""Largest |ONNX Runtime - PyTorch| sample allowed (measured at 40 and 44.1 kHz, two lengths each: <= 2.1e-7 for
MRF HiFi-GAN, peak 0.39; <= 1.5e-7 for RefineGAN, peak 0.05)."""
TRACE_FRAMES = 16
"""Frames the test graphs are traced on (the CLI traces 200; fewer only make the test faster), fewer than either
of `LENGTHS`, so both run at lengths the trace did not see."""
LENGTHS = (32, 21)
RANDOM_OPS = {"RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike"}


def _voice(tmp_path, vocoder: str, sample_rate: int):
    """A tiny random voice, loaded (RefineGAN keeps its real width: its skip paths only fit 512 channels)."""
    channels = None if vocoder == "RefineGAN" else 32
    path = save_random_voice(tmp_path / "v.pth", sample_rate, vocoder=vocoder, vocoder_channels=channels)
    return load_voice(path, "cpu")


def _random_ops(graph) -> set[str]:
    return RANDOM_OPS & {node.op_type for node in onnx.load(str(graph)).graph.node}


def _session(graph) -> onnxruntime.InferenceSession:
    return onnxruntime.InferenceSession(str(graph), providers=["CPUExecutionProvider"])


@pytest.mark.parametrize(("vocoder", "sample_rate"), [("MRF HiFi-GAN", 44100), ("RefineGAN", 40000)])
def test_export_parity_with_pytorch_at_two_lengths(tmp_path, vocoder, sample_rate):
    voice = _voice(tmp_path, vocoder, sample_rate)
    graph = export_voice(voice, tmp_path / "v.onnx", source_noise=False, example_frames=TRACE_FRAMES)
    assert not _random_ops(graph)
    session, module = _session(graph), export_module(voice, source_noise=False)
    for frames in LENGTHS:
        inputs = example_inputs(voice, frames=frames, seed=frames)
        with torch.inference_mode():
            expected = module(*inputs.values()).numpy()
        actual = session.run(None, {name: value.numpy() for name, value in inputs.items()})[0]
        assert actual.shape == expected.shape == (1, 1, frames * sample_rate // 100)
        assert np.abs(expected).max() > 1e-2
        assert np.abs(actual - expected).max() < MAX_ERROR


def test_default_graph_draws_the_vocoders_noise(tmp_path):
    voice = _voice(tmp_path, "MRF HiFi-GAN", 40000)
    graph = export_voice(voice, tmp_path / "v.onnx", example_frames=TRACE_FRAMES)
    assert _random_ops(graph)
    session = _session(graph)
    inputs = {name: value.numpy() for name, value in example_inputs(voice, frames=24).items()}
    first, second = (session.run(None, inputs)[0] for _ in range(2))
    assert first.shape == second.shape == (1, 1, 24 * 400)
    assert np.isfinite(first).all() and np.abs(first).max() < 1
    assert np.abs(first - second).max() > 1e-3
