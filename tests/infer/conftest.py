"""Random-weight models for conversion tests, built once per session and installed into each test's folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rvc import paths
from rvc.testing.model_fixtures import save_random_index, save_random_rmvpe, save_random_voice, save_tiny_embedder
from rvc.testing.synthetic_speech import synth_speech, write_wav
from tests.graph_cache import share_onnx_graphs


@pytest.fixture(scope="session")
def infer_models(tmp_path_factory) -> dict[str, Path]:
    """Voice (v2, 32 kHz, thin vocoder), tiny 768-d embedder, RMVPE, a 768-d and a 256-d index, an input wav."""
    root = tmp_path_factory.mktemp("infer_models")
    return {
        "voice": save_random_voice(root / "voices" / "alice.pth", 32000, vocoder_channels=32),
        "embedder": save_tiny_embedder(root / "contentvec"),
        "rmvpe": save_random_rmvpe(root / "rmvpe.pt"),
        "index": save_random_index(root / "voices" / "alice.index", dim=768),
        "index_v1": save_random_index(root / "v1.index", dim=256),
        "speech": write_wav(root / "speech.wav", synth_speech(1.5, 44100, speaker=1).audio, 44100),
    }


@pytest.fixture
def installed(infer_models, isolated_paths, onnx_graph_cache) -> dict[str, Path]:
    """`infer_models` with the embedder and RMVPE linked where `rvc.paths` looks for them in this test, and the
    ONNX graphs of the CPU speed paths shared with the other tests that use these models."""
    share_onnx_graphs(onnx_graph_cache)
    for source, target in (
        (infer_models["embedder"], paths.embedder_dir("contentvec")),
        (infer_models["rmvpe"], paths.rmvpe_path()),
    ):
        target.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(source, target)
    return infer_models
