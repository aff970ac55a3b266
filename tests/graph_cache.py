"""Share the CPU speed paths' ONNX graph cache between tests that convert with the same tiny models."""

from __future__ import annotations

import os
from pathlib import Path


def share_onnx_graphs(folder: Path) -> None:
    """Link this test's ONNX graph cache (`rvc.onnx_graphs.graphs_dir()`) to `folder`.

    For tests that convert with the session's shared tiny models: the CPU speed paths would otherwise export the
    same embedder, RMVPE and vocoder-body graphs again in every test. A graph is keyed by its module's weights, so a
    test whose models differ still exports its own; the export and the cache themselves are tested in
    tests/test_onnx_graphs.py, with a cache of their own.
    """
    from rvc.onnx_graphs import graphs_dir

    target = graphs_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(folder, target, target_is_directory=True)
