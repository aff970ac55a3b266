"""Files the app writes get the mode any new file gets under the user's umask (0644 under 022), not mkstemp's 0600."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from rvc.atomic_files import atomic_path, write_json_atomic, write_text_atomic
from rvc.audio import save_audio

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")


@pytest.fixture(params=[(0o022, 0o644), (0o077, 0o600)], ids=["umask022", "umask077"])
def expected_mode(request):
    """Set the process umask for the test and give the mode a new file must then have."""
    umask, mode = request.param
    previous = os.umask(umask)
    yield mode
    os.umask(previous)


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("name", ["out.wav", "out.flac"])
def test_converted_audio(tmp_path, expected_mode, name):
    path = save_audio(tmp_path / "converted" / name, np.zeros(1600, np.float32), 16000)
    assert mode_of(path) == expected_mode


def test_atomic_text_and_json(tmp_path, expected_mode):
    assert mode_of(write_text_atomic(tmp_path / "filelist.txt", "a|b")) == expected_mode
    assert mode_of(write_json_atomic(tmp_path / "progress.json", {"epoch": 1})) == expected_mode


def test_overwritten_file_gets_the_umask_mode(tmp_path, expected_mode):
    path = tmp_path / "settings.json"
    path.write_text("{}")
    path.chmod(0o640)
    assert mode_of(write_json_atomic(path, {"theme": "ocean"})) == expected_mode


def test_settings(tmp_path, expected_mode):
    from rvc.settings import Settings, save_settings

    assert mode_of(save_settings(Settings(), tmp_path / "settings.json")) == expected_mode


def test_exported_voice_and_torch_file(tmp_path, expected_mode):
    import torch

    from rvc.configs import load_config
    from rvc.models import save_torch_file, save_voice
    from rvc.models.synthesizer_config import SynthesizerConfig
    from tests.models.test_voice_file import fake_weights

    config = SynthesizerConfig.from_json_config(load_config(40000, "v2")).replace(spk_embed_dim=3)
    assert mode_of(save_voice(tmp_path / "voice.pth", fake_weights(), config)) == expected_mode
    assert mode_of(save_torch_file({"x": torch.zeros(2)}, tmp_path / "G_1.pth")) == expected_mode


def test_index(tmp_path, expected_mode):
    from rvc.testing.model_fixtures import save_random_index

    assert mode_of(save_random_index(tmp_path / "voice.index", dim=8, vectors=64)) == expected_mode


def test_failed_write_leaves_the_target_and_no_temp(tmp_path):
    path = write_text_atomic(tmp_path / "keep.txt", "old")
    with pytest.raises(OSError, match="disk full"), atomic_path(path) as temp:
        temp.write_text("half")
        raise OSError("disk full")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_temp_names_are_hidden_and_keep_or_drop_the_suffix(tmp_path):
    with atomic_path(tmp_path / "out.m4a") as kept, atomic_path(tmp_path / "v.pth", keep_suffix=False) as dropped:
        assert kept.name.startswith(".out.m4a.") and kept.suffix == ".m4a" and kept.exists()
        assert dropped.name.startswith(".v.pth.") and not dropped.name.endswith(".pth")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.m4a", "v.pth"]
