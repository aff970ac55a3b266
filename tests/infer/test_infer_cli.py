"""`python -m rvc infer` / `batch-infer`: exit codes, outputs and one-line errors."""

from __future__ import annotations

import shutil
import sys

import numpy as np
import soundfile as sf

from rvc import paths
from rvc.cli import main
from rvc.testing.synthetic_speech import synth_speech, write_wav

FAST = ["--f0-method", "pm", "--device", "cpu", "--seed", "0"]


def infer(voice, source, output, *extra: str) -> int:
    """Exit code of `python -m rvc infer` on one file with the fast CPU options plus `extra`."""
    return main(["infer", "-m", str(voice), "-i", str(source), "-o", str(output), *FAST, *extra])


def test_infer_writes_the_file_and_reports_timings(installed, tmp_path, capsys):
    out = tmp_path / "out.flac"
    code = infer(
        installed["voice"],
        installed["speech"],
        out,
        *("--index", str(installed["index"]), "--pitch", "2", "--protect", "0.33", "--effect", "gain:gain_db=-3"),
    )
    assert code == 0
    audio, rate = sf.read(out)
    assert rate == 32000 and len(audio) == 48000
    printed = capsys.readouterr().out
    assert f"converted: {out}" in printed and "synthesis" in printed


def test_infer_bad_input_is_one_line_error(installed, tmp_path, capsys):
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"not an mp3 at all" * 10)
    code = infer(installed["voice"], bad, tmp_path / "o.wav")
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_error_after_progress_starts_on_its_own_line(installed, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"not an mp3 at all" * 10)
    code = infer(installed["voice"], bad, tmp_path / "o.wav")
    progress, _, error = capsys.readouterr().err.rpartition("\n")[0].rpartition("\n")
    assert code == 1
    assert "loading models" in progress and error.startswith("error: Cannot read")


def test_infer_bad_effect_is_one_line_error(installed, tmp_path, capsys):
    code = infer(installed["voice"], installed["speech"], tmp_path / "o.wav", "--effect", "reverb:room_size=loud")
    err = capsys.readouterr().err
    assert code == 1 and "room_size=loud" in err and err.count("\n") == 1


def test_batch_continues_past_a_bad_file_and_fails_at_the_end(installed, tmp_path, capsys):
    source = tmp_path / "in"
    source.mkdir()
    shutil.copy(installed["speech"], source / "a.wav")
    write_wav(source / "c.wav", synth_speech(1.0, 22050).audio, 22050)
    (source / "b.wav").write_bytes(b"RIFF....WAVEjunk")
    (source / "readme.txt").write_text("not audio", encoding="utf-8")
    out = tmp_path / "out"
    code = main(
        ["batch-infer", "-m", str(installed["voice"]), "-i", str(source), "-o", str(out), *FAST, "--format", "flac"]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert sorted(path.name for path in out.iterdir()) == ["a.flac", "c.flac"]
    assert sf.info(out / "c.flac").frames == 32000
    assert "b.wav" in captured.err and "a.wav" not in captured.err
    assert "2 converted, 1 failed" in captured.out


def test_batch_all_good_exits_zero(installed, tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    write_wav(source / "x.wav", np.zeros(8000, np.float32), 16000)
    assert (
        main(["batch-infer", "-m", str(installed["voice"]), "-i", str(source), "-o", str(tmp_path / "o"), *FAST]) == 0
    )
    assert (tmp_path / "o" / "x.wav").is_file()


def test_batch_refuses_missing_folder_and_same_folder(installed, tmp_path, capsys):
    assert main(["batch-infer", "-m", str(installed["voice"]), "-i", str(tmp_path / "nope"), "-o", str(tmp_path)]) == 1
    assert "Input folder not found" in capsys.readouterr().err
    assert main(["batch-infer", "-m", str(installed["voice"]), "-i", str(tmp_path), "-o", str(tmp_path)]) == 1
    assert "output folder is the input folder" in capsys.readouterr().err


def test_a_voice_is_named_as_in_the_logs_folder(installed, tmp_path, capsys):
    """`-m alice` takes the voice `logs/alice/alice.pth`, as the app's Voice box and gradio_client do."""
    voice = paths.logs_dir() / "alice" / "alice.pth"
    voice.parent.mkdir(parents=True)
    shutil.copy(installed["voice"], voice)
    assert infer("alice", installed["speech"], tmp_path / "named.wav") == 0
    assert sf.info(tmp_path / "named.wav").frames == 48000
    folder = tmp_path / "takes"
    folder.mkdir()
    shutil.copy(installed["speech"], folder / "take.wav")
    assert main(["batch-infer", "-m", "alice", "-i", str(folder), "-o", str(tmp_path / "out"), *FAST]) == 0
    capsys.readouterr()
    assert infer("bob", installed["speech"], tmp_path / "bob.wav") == 1
    err = capsys.readouterr().err
    assert err.startswith("error: Voice 'bob' not found") and "(voices: alice)" in err and err.count("\n") == 1
