"""Recordings uploaded in the app become a dataset folder: audio copied, nothing replaced, the rest named."""

from __future__ import annotations

import pytest

from rvc import paths
from rvc.errors import RVCError
from rvc.testing.synthetic_speech import synth_speech, write_wav
from rvc.train.dataset_folder import add_recordings
from tabs.dataset_upload_ui import upload_recordings


@pytest.fixture
def uploads(tmp_path):
    """Two takes, a second file called take1.wav (another recording), a text file and an empty wav."""
    folder = tmp_path / "uploads"
    take1 = write_wav(folder / "take1.wav", synth_speech(0.5, 16000, seed=1).audio, 16000)
    take2 = write_wav(folder / "take2.flac", synth_speech(0.5, 16000, seed=2).audio, 16000)
    again = write_wav(folder / "again" / "take1.wav", synth_speech(0.5, 16000, seed=3).audio, 16000)
    notes = folder / "notes.txt"
    notes.write_text("mic: SM58")
    empty = folder / "empty.wav"
    empty.write_bytes(b"")
    return [take1, take2, again, notes, empty]


def test_audio_is_copied_nothing_is_replaced_and_the_rest_is_named(uploads):
    take1, take2, again, _notes, _empty = uploads
    added = add_recordings("alice", uploads)
    assert added.folder == paths.datasets_dir() / "alice"
    assert added.added == ["take1.wav", "take2.flac", "take1 (2).wav"] and added.total == 3
    assert (added.folder / "take1.wav").read_bytes() == take1.read_bytes()
    assert (added.folder / "take1 (2).wav").read_bytes() == again.read_bytes()
    assert [name for name, _ in added.skipped] == ["notes.txt", "empty.wav"]
    assert added.skipped[0][1].startswith("not an audio file (wav, flac, mp3")
    assert add_recordings("alice", [take2]).added == ["take2 (2).flac"]


@pytest.mark.parametrize("name", ["", "  ", "../x", "a/b", ".hidden", "c:d"])
def test_a_dataset_name_is_a_plain_folder_name(uploads, name):
    with pytest.raises(RVCError, match="enter a dataset name"):
        add_recordings(name, uploads)


def test_the_train_tab_upload_fills_the_dataset_box(uploads):
    message, box = upload_recordings("bob", [str(path) for path in uploads])
    folder = paths.datasets_dir() / "bob"
    assert message.splitlines()[0] == f"✅ Added 3 recording(s) to `{folder}` (3 in it now)."
    assert message.splitlines()[1].startswith("- skipped notes.txt: not an audio file")
    assert box["value"] == str(folder)
    message, box = upload_recordings("bob", None)
    assert message == "❌ choose the recordings to add (audio files: wav, flac, mp3, ...)" and "value" not in box
    message, box = upload_recordings("bob", [str(uploads[3])])
    assert message.startswith("✅ Added 0 recording(s)") and "value" not in box
