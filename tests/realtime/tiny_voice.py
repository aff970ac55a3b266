"""A tiny random voice with the models a real stream needs, installed where `rvc.paths` looks (tests only)."""

from __future__ import annotations

import os
from pathlib import Path

from rvc import paths
from rvc.testing.model_fixtures import save_random_rmvpe, save_random_voice, save_tiny_embedder


def install_tiny_voice(folder: Path) -> Path:
    """Build a thin 32 kHz voice `logs/alice/alice.pth`, a tiny contentvec and random RMVPE weights in `folder`,
    link the models into this test's weights folder, and return the voice's path."""
    for source, target in (
        (save_tiny_embedder(folder / "contentvec"), paths.embedder_dir("contentvec")),
        (save_random_rmvpe(folder / "rmvpe.pt"), paths.rmvpe_path()),
    ):
        target.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(source, target)
    return save_random_voice(paths.logs_dir() / "alice" / "alice.pth", 32000, vocoder_channels=32)
