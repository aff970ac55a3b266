"""RMVPE's network in ONNX Runtime gives torch's salience, at lengths other than the traced one."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

from rvc import onnx_graphs, paths
from rvc.features.f0 import rmvpe, rmvpe_onnx


@pytest.mark.parametrize(("batch", "frames"), [(2, 96)])
def test_onnx_net_matches_torch(batch, frames):
    torch.manual_seed(0)
    plain = rmvpe.RMVPENet(base_channels=4, gru_hidden=8).eval()
    fast = rmvpe.RMVPENet(base_channels=4, gru_hidden=8).eval()
    fast.load_state_dict(plain.state_dict())
    assert rmvpe_onnx.use_onnx_net(fast)
    mel = torch.randn(batch, rmvpe.N_MELS, frames, generator=torch.Generator().manual_seed(frames))
    with torch.inference_mode():
        expected = plain(mel)
        actual = fast(mel)
    assert actual.shape == expected.shape == (batch, frames, 360)
    torch.testing.assert_close(actual, expected, rtol=1e-4, atol=1e-5)


def test_loaded_cpu_estimator_runs_onnx_with_the_same_pitch(isolated_paths, monkeypatch):
    thin = functools.partial(rmvpe.RMVPENet, base_channels=4, gru_hidden=8)
    monkeypatch.setattr(rmvpe, "RMVPENet", thin)
    paths.rmvpe_path().parent.mkdir(parents=True, exist_ok=True)
    torch.save(thin().state_dict(), paths.rmvpe_path())
    fast = rmvpe.load("cpu")
    assert isinstance(fast.net.forward, rmvpe_onnx.OnnxNet)
    monkeypatch.setattr(onnx_graphs, "ENABLED", False)
    plain = rmvpe.load("cpu")
    assert not isinstance(plain.net.forward, rmvpe_onnx.OnnxNet)
    wav = np.random.default_rng(0).standard_normal(8000).astype(np.float32) * 0.1
    np.testing.assert_allclose(fast.salience(wav), plain.salience(wav), atol=1e-5)
