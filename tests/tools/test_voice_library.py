"""The voice library: listing with details and paired index, renaming (folder too for imported voices), deleting,
packing into a zip that imports back."""

from __future__ import annotations

import shutil
import zipfile

import pytest

from rvc import paths
from rvc.errors import RVCError
from rvc.testing.model_fixtures import save_random_index
from rvc.tools.voice_library import delete_voice, list_voices, pack_voice, rename_voice
from tests.tools.voices import tiny_voice


@pytest.fixture
def imported(tmp_path):
    """logs/alice/alice.pth + alice.index, as an import leaves them."""
    folder = paths.logs_dir() / "alice"
    tiny_voice(folder / "alice.pth", seed=1)
    save_random_index(folder / "alice.index", dim=768, vectors=200)
    return folder / "alice.pth"


@pytest.fixture
def run_voice():
    """A training run's exported voice beside its checkpoint and a differently named index."""
    folder = paths.logs_dir() / "run1"
    tiny_voice(folder / "run1_e10.pth", seed=2, sample_rate=48000, version="v1")
    (folder / "G_100.pth").write_bytes(b"checkpoint")
    save_random_index(folder / "added_IVF4_Flat_nprobe_1_run1_v1.index", dim=256, vectors=200)
    return folder / "run1_e10.pth"


def test_list_shows_rate_version_vocoder_size_and_index(imported, run_voice):
    (paths.logs_dir() / "broken").mkdir()
    (paths.logs_dir() / "broken" / "broken.pth").write_bytes(b"<html>not a model</html>")
    voices = {voice.name: voice for voice in list_voices()}
    assert sorted(voices) == ["alice", "broken", "run1_e10"]
    alice, run, broken = voices["alice"], voices["run1_e10"], voices["broken"]
    assert (alice.sample_rate, alice.version, alice.vocoder, alice.use_f0) == (40000, "v2", "HiFi-GAN", True)
    assert alice.size_bytes == imported.stat().st_size and alice.index == imported.with_suffix(".index")
    assert (run.sample_rate, run.version) == (48000, "v1")
    assert run.index.name == "added_IVF4_Flat_nprobe_1_run1_v1.index"
    assert broken.sample_rate is None and "web page" in broken.problem and broken.index is None


def test_renaming_an_imported_voice_moves_its_folder_and_index(imported):
    new = rename_voice(imported, "bob")
    assert new == paths.logs_dir().resolve() / "bob" / "bob.pth"
    assert sorted(path.name for path in new.parent.iterdir()) == ["bob.index", "bob.pth"]
    assert not imported.parent.exists()
    assert [voice.index for voice in list_voices()] == [new.with_suffix(".index")]


def test_renaming_a_training_run_voice_keeps_the_run_folder(run_voice):
    new = rename_voice(run_voice, "final.pth")
    assert new == run_voice.parent.resolve() / "final.pth"
    assert sorted(path.name for path in new.parent.iterdir()) == [
        "G_100.pth",
        "added_IVF4_Flat_nprobe_1_run1_v1.index",
        "final.pth",
    ]


def test_rename_never_overwrites(imported, run_voice):
    shutil.copytree(imported.parent, paths.logs_dir() / "bob")
    with pytest.raises(RVCError, match="a folder named 'bob' already exists"):
        rename_voice(imported, "bob")
    (run_voice.parent / "taken.pth").write_bytes(b"x")
    with pytest.raises(RVCError, match="a voice named 'taken' already exists"):
        rename_voice(run_voice, "taken")
    assert imported.is_file() and run_voice.is_file()
    with pytest.raises(RVCError, match="invalid run name"):
        rename_voice(imported, "../escape")


def test_delete_needs_confirmation_then_removes_voice_index_and_empty_folder(imported):
    with pytest.raises(RVCError, match="tick 'yes, delete'"):
        delete_voice(imported, confirmed=False)
    assert imported.is_file()
    removed = delete_voice(imported, confirmed=True)
    assert [path.name for path in removed] == ["alice.pth", "alice.index"]
    assert not imported.parent.exists() and list_voices() == []


def test_delete_in_a_run_folder_keeps_the_other_files(run_voice):
    delete_voice(run_voice, confirmed=True)
    assert sorted(path.name for path in run_voice.parent.iterdir()) == ["G_100.pth"]


def test_files_outside_the_logs_folder_are_refused(tmp_path, imported):
    outside = tiny_voice(tmp_path / "elsewhere.pth")
    for action in (lambda: delete_voice(outside, confirmed=True), lambda: rename_voice(outside, "x")):
        with pytest.raises(RVCError, match="is not a voice in the voices folder"):
            action()
    assert outside.is_file()
    with pytest.raises(RVCError, match="is not a voice"):
        delete_voice(paths.logs_dir() / "run1" / "G_1.pth", confirmed=True)


def test_a_packed_voice_imports_back_with_its_index(run_voice, tmp_path, capsys):
    from rvc.cli import main
    from rvc.tools.import_voice import import_file

    packed = pack_voice(run_voice, tmp_path / "share" / "run1.zip")
    with zipfile.ZipFile(packed) as archive:
        assert archive.namelist() == ["run1_e10.pth", "run1_e10.index"]
    assert [path.name for path in packed.parent.iterdir()] == ["run1.zip"]  # no temp file left beside it
    imported = import_file(packed, "shared")
    assert imported.voice.read_bytes() == run_voice.read_bytes()
    assert imported.index.read_bytes() == (run_voice.parent / "added_IVF4_Flat_nprobe_1_run1_v1.index").read_bytes()

    assert main(["pack-voice", "-m", "shared"]) == 0
    default = paths.outputs_dir() / "voices" / "shared.zip"
    assert f"packed {imported.voice.resolve()} into {default}" in capsys.readouterr().out
    assert zipfile.ZipFile(default).namelist() == ["shared.pth", "shared.index"]


def test_packing_needs_a_library_voice_and_a_zip_name(run_voice, tmp_path):
    outside = tmp_path / "elsewhere.pth"
    shutil.copy(run_voice, outside)
    with pytest.raises(RVCError, match="is not a voice in the voices folder"):
        pack_voice(outside, tmp_path / "a.zip")
    with pytest.raises(RVCError, match="a.tar is not a .zip file name"):
        pack_voice(run_voice, tmp_path / "a.tar")
    from tabs.voices_ui import pack_from_ui

    message, shown = pack_from_ui(None)
    assert message == "❌ pick a voice in the library first." and shown["visible"] is False
    message, shown = pack_from_ui(str(run_voice))
    assert message.startswith("✅ Packed `run1_e10`") and shown["value"].endswith("voices/run1_e10.zip")
