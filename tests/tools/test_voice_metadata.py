"""Editing a voice's name, author and description: a new file with every other key and tensor kept exactly."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest
import torch

from rvc.errors import RVCError
from rvc.models import load_voice
from rvc.testing.model_fixtures import save_random_voice
from rvc.tools.voice_metadata import describe_voice, edit_voice_metadata


@pytest.fixture(scope="module")
def built_voice(tmp_path_factory):
    """A small random 32 kHz v2 voice, built once."""
    return save_random_voice(tmp_path_factory.mktemp("voices") / "alice.pth", 32000, vocoder_channels=32)


@pytest.fixture
def voice(built_voice, tmp_path):
    """This test's own copy of the voice."""
    return Path(shutil.copy(built_voice, tmp_path / "alice.pth"))


def raw(path):
    return torch.load(path, map_location="cpu", weights_only=True)


def test_edit_writes_a_new_file_and_keeps_everything_else(voice, tmp_path):
    before = voice.read_bytes()
    out = edit_voice_metadata(voice, tmp_path / "bob.pth", name="Bob", author="Dana", description="calm, low voice")

    assert voice.read_bytes() == before
    old, new = raw(voice), raw(out)
    assert new["model_name"] == "Bob" and new["author"] == "Dana" and new["info"] == "calm, low voice"
    assert set(new) == set(old) | {"info"}
    for key in set(old) - {"model_name", "author", "weight"}:
        assert new[key] == old[key], key
    assert list(new["weight"]) == list(old["weight"])
    for key, tensor in old["weight"].items():
        assert new["weight"][key].dtype == tensor.dtype and torch.equal(new["weight"][key], tensor), key
    details = describe_voice(out)
    assert (details["name"], details["author"], details["description"]) == ("Bob", "Dana", "calm, low voice")
    assert load_voice(out).n_speakers == load_voice(voice).n_speakers


def test_only_given_fields_change(voice, tmp_path):
    out = edit_voice_metadata(voice, tmp_path / "a2.pth", author="Eve")
    assert raw(out)["model_name"] == "alice" and raw(out)["author"] == "Eve" and "info" not in raw(out)


def test_the_original_is_rewritten_only_when_asked(voice, tmp_path):
    with pytest.raises(RVCError, match="is the voice being edited"):
        edit_voice_metadata(voice, voice, name="Bob")
    with pytest.raises(RVCError, match="Name the new voice file"):
        edit_voice_metadata(voice, None, name="Bob")
    assert raw(voice)["model_name"] == "alice"
    edit_voice_metadata(voice, name="Bob", in_place=True)
    assert raw(voice)["model_name"] == "Bob"
    assert [path.name for path in tmp_path.iterdir()] == ["alice.pth"]


def test_existing_output_needs_overwrite(voice, tmp_path):
    other = tmp_path / "other.pth"
    other.write_bytes(b"keep me")
    with pytest.raises(RVCError, match="already exists"):
        edit_voice_metadata(voice, other, name="Bob")
    assert other.read_bytes() == b"keep me"
    edit_voice_metadata(voice, other, name="Bob", overwrite=True)
    assert raw(other)["model_name"] == "Bob"


@pytest.mark.parametrize(
    ("changes", "message"),
    [({}, "Nothing to change"), ({"name": "  "}, "name cannot be empty")],
)
def test_refused_edits_write_nothing(voice, tmp_path, changes, message):
    with pytest.raises(RVCError, match=message):
        edit_voice_metadata(voice, tmp_path / "new.pth", **changes)
    assert not (tmp_path / "new.pth").exists()


def test_unsafe_file_is_refused_and_nothing_written(tmp_path):
    class Payload:
        def __reduce__(self):
            return (print, ("pwned",))

    evil = tmp_path / "evil.pth"
    evil.write_bytes(pickle.dumps({"weight": Payload()}))
    with pytest.raises(RVCError, match="NOT loaded"):
        edit_voice_metadata(evil, tmp_path / "new.pth", name="x")
    assert not (tmp_path / "new.pth").exists()


def test_epoch_kept_only_in_info_survives_a_new_description(voice, tmp_path):
    data = raw(voice)
    del data["epoch"]
    data["info"] = "120epoch"
    legacy = tmp_path / "legacy.pth"
    torch.save(data, legacy)
    assert describe_voice(legacy)["epochs"] == 120
    out = edit_voice_metadata(legacy, tmp_path / "described.pth", description="new words")
    assert describe_voice(out)["epochs"] == 120 and raw(out)["epoch"] == 120
