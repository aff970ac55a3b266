"""The ONNX Runtime content embedder gives torch's features, at every length, batch and depth a conversion uses."""

from __future__ import annotations

import pytest
import torch

from rvc.features.embedders import load_embedder
from rvc.infer import cache
from rvc.infer.onnx_embedder import OnnxForward, use_onnx_forward
from rvc.testing.model_fixtures import save_tiny_embedder


@pytest.fixture(scope="module")
def embedder_folder(tmp_path_factory):
    return save_tiny_embedder(tmp_path_factory.mktemp("onnx_embedder") / "contentvec")


@pytest.mark.parametrize(("batch", "samples", "num_layers"), [(1, 16_000, None), (2, 7_123, None), (1, 24_000, 1)])
def test_onnx_forward_matches_torch(embedder_folder, batch, samples, num_layers):
    plain, fast = load_embedder(embedder_folder).model, load_embedder(embedder_folder).model
    assert use_onnx_forward(fast)
    wav = torch.randn(batch, samples, generator=torch.Generator().manual_seed(samples))
    with torch.inference_mode():
        expected = plain(wav, num_layers=num_layers)
        actual = fast(wav, num_layers=num_layers)
    assert actual.shape == expected.shape == (batch, plain.num_frames(samples), 768)
    torch.testing.assert_close(actual, expected, rtol=1e-4, atol=1e-4)


def test_conversion_cache_runs_the_cpu_embedder_in_onnx_with_the_same_features(installed):
    cache.MODELS.clear()
    embedder = cache.MODELS.embedder("contentvec", torch.device("cpu"))
    assert isinstance(embedder.model.forward, OnnxForward)
    wav = torch.randn(1, 20_000, generator=torch.Generator().manual_seed(3))
    expected = load_embedder("contentvec").extract(wav)
    torch.testing.assert_close(embedder.extract(wav), expected, rtol=1e-4, atol=1e-4)
    cache.MODELS.clear()


def test_other_float_types_stay_in_torch(embedder_folder):
    model = load_embedder(embedder_folder, dtype=torch.bfloat16).model
    assert not use_onnx_forward(model)
    assert not isinstance(model.forward, OnnxForward)
