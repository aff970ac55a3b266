"""Recordings uploaded in the app become a dataset folder: audio copied, nothing replaced, the rest named."""

from __future__ import annotations

import zipfile

import pytest

from rvc import paths
from rvc.errors import RVCError
from rvc.testing.synthetic_speech import synth_speech, write_wav
from rvc.train.dataset_folder import add_recordings
from tabs.dataset_upload_ui import dataset_choices, upload_recordings


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


@pytest.mark.parametrize("name", ["", "  "])
def test_a_dataset_needs_a_name(uploads, name):
    with pytest.raises(RVCError, match="^enter a dataset name, e.g. alice$"):
        add_recordings(name, uploads)


@pytest.mark.parametrize("name", ["../x", "a/b", ".hidden", "c:d"])
def test_a_dataset_name_is_a_plain_folder_name(uploads, name):
    with pytest.raises(RVCError, match="invalid dataset name .*: use a plain name without slashes, colons or a"):
        add_recordings(name, uploads)
    assert not paths.datasets_dir().exists()


def test_the_train_tab_upload_fills_the_dataset_box(uploads):
    message, box = upload_recordings("bob", [str(path) for path in uploads])
    folder = paths.datasets_dir() / "bob"
    assert message.splitlines()[0] == f"✅ Added 3 recording(s) to `{folder}` (3 in it now)."
    assert message.splitlines()[1].startswith("- skipped notes.txt: not an audio file")
    assert box["value"] == str(folder) and box["choices"] == [str(folder)] == dataset_choices()
    message, box = upload_recordings("bob", None)
    assert message == "❌ choose the recordings to add (audio files: wav, flac, mp3, ...)" and "value" not in box
    message, box = upload_recordings("bob", [str(uploads[3])])
    assert message.startswith("✅ Added 0 recording(s)") and "value" not in box


def test_a_zip_adds_the_recordings_in_it_and_an_unsafe_zip_adds_nothing(uploads, tmp_path):
    take1, take2, _again, notes, _empty = uploads
    packed = tmp_path / "takes.zip"
    with zipfile.ZipFile(packed, "w") as archive:
        archive.write(take1, "alice/take1.wav")
        archive.write(take2, "alice/more/take2.flac")
        archive.write(notes, "alice/notes.txt")
        archive.writestr("__MACOSX/alice/._take1.wav", b"resource fork")
        archive.writestr("alice/silence.wav", b"")
    added = add_recordings("alice", [take1, packed])
    assert added.added == ["take1.wav", "take1 (2).wav", "take2.flac"] and added.total == 3
    assert (added.folder / "take2.flac").read_bytes() == take2.read_bytes()
    assert added.skipped == [
        ("takes.zip/alice/notes.txt", "not an audio file (wav, flac, mp3, ogg, m4a, ...)"),
        ("takes.zip/alice/silence.wav", "empty"),
    ]

    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("ok.wav", take1.read_bytes())
        archive.writestr("../outside.wav", take1.read_bytes())
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK not really")
    added = add_recordings("bob", [evil, broken])
    assert added.added == [] and not (tmp_path / "outside.wav").exists()
    assert added.skipped[0] == (
        "evil.zip",
        "refused: entry '../outside.wav' points outside the archive ('..'); the archive is unsafe",
    )
    assert added.skipped[1][0] == "broken.zip" and added.skipped[1][1].startswith("not a readable zip")
