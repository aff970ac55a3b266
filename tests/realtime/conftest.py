"""Tiny random-weight models and a speech clip for the streaming-engine tests, built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rvc import paths
from rvc.testing.model_fixtures import save_random_index, save_random_voice, save_tiny_embedder
from rvc.testing.synthetic_speech import synth_speech, write_wav
from tests.graph_cache import share_onnx_graphs

SPEECH_SECONDS = 1.2


@pytest.fixture(scope="session")
def stream_models(tmp_path_factory) -> dict[str, Path]:
    """Two v2 32 kHz voices with thin vocoders, a tiny 768-d embedder, an index and a 48 kHz speech clip."""
    root = tmp_path_factory.mktemp("stream_models")
    return {
        "voice": save_random_voice(root / "alice.pth", 32000, vocoder_channels=32, seed=0),
        "other": save_random_voice(root / "bob.pth", 32000, vocoder_channels=32, seed=1),
        "embedder": save_tiny_embedder(root / "contentvec"),
        "index": save_random_index(root / "alice.index", dim=768),
        "speech": write_wav(root / "speech.wav", synth_speech(SPEECH_SECONDS, 48000, speaker=1).audio, 48000),
    }


@pytest.fixture
def stream_installed(stream_models, isolated_paths, onnx_graph_cache) -> dict[str, Path]:
    """`stream_models` with the embedder linked where `rvc.paths` looks for contentvec in this test, and the ONNX
    graphs of the CPU speed paths shared with the other tests that use these models."""
    share_onnx_graphs(onnx_graph_cache)
    target = paths.embedder_dir("contentvec")
    target.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(stream_models["embedder"], target)
    return stream_models
