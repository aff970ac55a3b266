"""Shared test set-up: every test runs with weights, logs and settings in temporary folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(autouse=True)
def isolated_paths(tmp_path, monkeypatch):
    """Point the weights, logs, outputs, presets, datasets and settings locations at a fresh temporary folder."""
    monkeypatch.setenv("RVC_WEIGHTS_DIR", str(tmp_path / "weights"))
    monkeypatch.setenv("RVC_LOGS_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("RVC_SETTINGS", str(tmp_path / "settings.json"))
    monkeypatch.setenv("RVC_OUTPUTS_DIR", str(tmp_path / "outputs"))
    monkeypatch.setenv("RVC_PRESETS_DIR", str(tmp_path / "presets"))
    monkeypatch.setenv("RVC_DATASETS_DIR", str(tmp_path / "datasets"))
    return tmp_path


@pytest.fixture(scope="session")
def onnx_graph_cache(tmp_path_factory) -> Path:
    """One folder of exported ONNX graphs for the whole run (see `tests.graph_cache.share_onnx_graphs`)."""
    return tmp_path_factory.mktemp("onnx-graphs")
