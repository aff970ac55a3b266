"""The exported-graph cache: a second session for the same module reads the graph from disk instead of exporting."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch
from torch import nn

from rvc import onnx_graphs

pytest.importorskip("onnxruntime")


def _small_net(seed: int) -> nn.Module:
    """A tiny conv net `[1, 2, T]` -> `[1, 3, T]` with seeded weights."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv1d(2, 4, 3, padding=1), nn.ReLU(), nn.Conv1d(4, 3, 1)).eval()


def _session(net: nn.Module, variant: str = ""):
    """A CPU session for `net` with a dynamic time axis."""
    dynamic = {"x": {2: "frames"}, "y": {2: "frames"}}
    return onnx_graphs.cpu_session(net, (torch.zeros(1, 2, 8),), ["x"], ["y"], dynamic, threads=1, variant=variant)


@pytest.fixture
def exports(monkeypatch) -> list[int]:
    """Counts the exports `cpu_session` makes."""
    calls: list[int] = []
    real = onnx_graphs._export

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(onnx_graphs, "_export", counting)
    return calls


def _run(session, frames: int) -> np.ndarray:
    """The session's output on a fixed input of `frames` frames."""
    x = np.linspace(-1.0, 1.0, 2 * frames, dtype=np.float32).reshape(1, 2, frames)
    return session.run(None, {"x": x})[0]


def test_second_session_reads_the_cached_graph(exports):
    net = _small_net(0)
    first = _session(net)
    second = _session(net)
    assert len(exports) == 1
    assert len(list(onnx_graphs.graphs_dir().glob("*.onnx"))) == 1
    expected = net(torch.from_numpy(np.linspace(-1.0, 1.0, 26, dtype=np.float32).reshape(1, 2, 13)))
    np.testing.assert_allclose(_run(second, 13), expected.detach().numpy(), atol=1e-6)
    np.testing.assert_array_equal(_run(first, 13), _run(second, 13))


def test_other_weights_or_variant_export_their_own_graph(exports):
    _session(_small_net(0))
    _session(_small_net(1))
    _session(_small_net(0), variant="other")
    assert len(exports) == 3
    assert len(list(onnx_graphs.graphs_dir().glob("*.onnx"))) == 3


def test_a_damaged_cached_graph_is_exported_again(exports):
    net = _small_net(0)
    _session(net)
    (cached,) = onnx_graphs.graphs_dir().glob("*.onnx")
    cached.write_bytes(b"not a graph")
    session = _session(net)
    assert len(exports) == 2
    assert _run(session, 5).shape == (1, 3, 5)
    assert cached.read_bytes() != b"not a graph"


def test_only_the_most_recently_used_graphs_are_kept(monkeypatch, exports):
    monkeypatch.setattr(onnx_graphs, "KEPT_GRAPHS", 2)
    for seed in range(3):
        _session(_small_net(seed))
    kept = {path.stem for path in onnx_graphs.graphs_dir().glob("*.onnx")}
    assert kept == {onnx_graphs.graph_key(_small_net(seed), "") for seed in (1, 2)}


def test_only_float32_cpu_modules_run_in_onnx_runtime_when_it_is_on_and_installed(monkeypatch):
    layer = nn.Linear(2, 2)
    assert onnx_graphs.cpu_onnx_applies(layer)
    assert not onnx_graphs.cpu_onnx_applies(nn.Linear(2, 2).to(torch.bfloat16))
    monkeypatch.setattr(onnx_graphs, "ENABLED", False)
    assert not onnx_graphs.cpu_onnx_applies(layer)
    monkeypatch.setattr(onnx_graphs, "ENABLED", True)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    assert not onnx_graphs.cpu_onnx_applies(layer)
