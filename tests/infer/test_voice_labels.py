"""Pick lists: readable voice and index labels from the voice header alone, never broken by a bad file."""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from rvc import paths
from rvc.errors import RVCError
from rvc.infer import library
from rvc.infer.voice_header import read_voice_header

ROOT = Path(__file__).resolve().parents[2]


class _RunsCode:
    """Pickles to a call of os.system: a header reader that ran it would leave the marker file behind."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        import os

        return os.system, (f"touch {self.marker}",)


def _zip_with_pickle(path: Path, payload: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("voice/data.pkl", payload)
        archive.writestr("voice/version", "3\n")
    return path


def test_header_gives_rate_and_vocoder_of_a_real_voice(infer_models):
    header = read_voice_header(infer_models["voice"])
    assert (header.sample_rate, header.vocoder) == (32000, "HiFi-GAN")


def test_header_reading_imports_no_torch(infer_models):
    code = (
        "import sys\nfrom rvc.infer.voice_header import read_voice_header\n"
        f"print(read_voice_header({str(infer_models['voice'])!r}).sample_rate, 'torch' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["32000", "False"]


def test_header_refuses_code_in_the_pickle_and_runs_none(tmp_path):
    marker = tmp_path / "ran"
    voice = _zip_with_pickle(tmp_path / "evil.pth", pickle.dumps({"config": [40000], "x": _RunsCode(marker)}))
    with pytest.raises(pickle.UnpicklingError, match="os|posix"):
        read_voice_header(voice)
    assert not marker.exists()


def test_metadata_names_rate_and_vocoder_when_the_weights_do_not(tmp_path):
    voice = _zip_with_pickle(tmp_path / "old.pth", pickle.dumps({"weight": {}, "sr": "40k", "vocoder": "RefineGAN"}))
    header = read_voice_header(voice)
    assert (header.sample_rate, header.vocoder) == (40000, "RefineGAN")


def test_voice_labels_name_run_file_rate_and_vocoder(infer_models):
    run = paths.run_dir("alice")
    run.mkdir(parents=True)
    own = shutil.copy(infer_models["voice"], run / "alice.pth")
    later = shutil.copy(infer_models["voice"], run / "alice_e100.pth")
    loose = shutil.copy(infer_models["voice"], paths.logs_dir() / "solo.pth")
    assert library.voice_choices() == [
        ("alice · 32 kHz · HiFi-GAN", str(own)),
        ("alice / alice_e100 · 32 kHz · HiFi-GAN", str(later)),
        ("solo · 32 kHz · HiFi-GAN", str(loose)),
    ]
    assert library.voice_label("/elsewhere/missing.pth") == "missing.pth"


def test_unreadable_voices_are_listed_by_file_name(tmp_path):
    run = paths.run_dir("bob")
    run.mkdir(parents=True)
    (run / "empty.pth").write_bytes(b"")
    (run / "html.pth").write_text("<html>not found</html>")
    _zip_with_pickle(run / "list.pth", pickle.dumps([1, 2, 3]))
    _zip_with_pickle(run / "truncated.pth", pickle.dumps({"config": [40000]})[:-3])
    labels = [label for label, _path in library.voice_choices()]
    assert labels == ["bob / empty.pth", "bob / html.pth", "bob / list.pth", "bob / truncated.pth"]


def test_a_changed_file_is_read_again(infer_models, tmp_path):
    path = paths.logs_dir() / "carol" / "carol.pth"
    _zip_with_pickle(path, pickle.dumps({"config": [48000], "weight": {"dec.ups.0.weight": None}}))
    assert library.voice_label(path) == "carol · 48 kHz · HiFi-GAN"
    shutil.copy(infer_models["voice"], path)
    assert library.voice_label(path) == "carol · 32 kHz · HiFi-GAN"


def test_index_labels_name_run_and_file():
    run = paths.run_dir("alice")
    run.mkdir(parents=True)
    (run / "added_IVF5_Flat_alice.index").write_bytes(b"x")
    (run / "trained_IVF5_Flat_alice.index").write_bytes(b"x")
    (paths.logs_dir() / "loose.index").write_bytes(b"x")
    assert library.index_choices() == [
        ("alice · added_IVF5_Flat_alice.index", str(run / "added_IVF5_Flat_alice.index")),
        ("loose.index", str(paths.logs_dir() / "loose.index")),
    ]


def test_resolve_voice_takes_a_path_a_file_name_or_a_run_with_one_voice(infer_models):
    for run, names in (
        ("alice", ("alice", "alice_e100")),
        ("bob", ("bob_v1",)),
        ("carol", ("take",)),
        ("dan", ("take",)),
    ):
        paths.run_dir(run).mkdir(parents=True)
        for name in names:
            shutil.copy(infer_models["voice"], paths.run_dir(run) / f"{name}.pth")
    assert library.resolve_voice(str(infer_models["voice"])) == str(infer_models["voice"])
    assert library.resolve_voice("alice") == str(paths.run_dir("alice") / "alice.pth")
    assert library.resolve_voice("alice_e100") == str(paths.run_dir("alice") / "alice_e100.pth")
    assert library.resolve_voice("bob") == str(paths.run_dir("bob") / "bob_v1.pth")
    with pytest.raises(RVCError, match="2 voices are named 'take'"):
        library.resolve_voice("take")
    with pytest.raises(RVCError, match="not found.*alice, alice_e100, bob_v1, take"):
        library.resolve_voice("zoe")
