"""Fixtures shared by the training tests."""

from __future__ import annotations

import json

import pytest

from rvc.configs import load_config
from rvc.testing.tiny_training import shrink_config, use_tiny_discriminator


@pytest.fixture
def tiny_ready_run(monkeypatch):
    """Run `voice`, ready to train fast: five 1 s slices (one held out at the default holdout), a shrunk config,
    its filelist, and the tiny discriminator. Returns (layout, sample rate)."""
    from rvc.paths import logs_dir
    from rvc.train.filelist import write_filelist
    from tests.train.test_filelist_dataset import SR, _make_run

    layout = _make_run(logs_dir(), slices=tuple((f"0_0_{i}", 1.0) for i in range(5)))
    layout.config.write_text(json.dumps(shrink_config(load_config(SR), frames=10)))
    write_filelist(layout, SR, mute_files=0)
    use_tiny_discriminator(monkeypatch)
    return layout, SR
