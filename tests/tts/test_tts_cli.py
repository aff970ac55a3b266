"""`python -m rvc tts`: eSpeak speech converted with a random-weight voice; both files written; one-line errors."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from rvc.cli import main

FAST = ["--f0-method", "pm", "--device", "cpu", "--seed", "0"]


def test_tts_writes_the_speech_and_its_conversion(installed, tmp_path, capsys):
    out, speech = tmp_path / "out.wav", tmp_path / "speech.wav"
    code = main(
        ["tts", "--engine", "espeak", "--tts-voice", "en-us", "--text", "Hello there. This is a test.",
         "-m", str(installed["voice"]), "-o", str(out), "--tts-output", str(speech), *FAST]
    )  # fmt: skip
    assert code == 0
    spoken, spoken_rate = sf.read(speech)
    converted, converted_rate = sf.read(out)
    assert converted_rate == 32000
    assert 1.0 < len(spoken) / spoken_rate < 5.0
    assert abs(len(converted) / converted_rate - len(spoken) / spoken_rate) < 0.05
    assert np.sqrt(np.mean(converted**2)) > 1e-3
    printed = capsys.readouterr().out
    assert f"speech: {speech}" in printed and f"converted: {out}" in printed


def test_text_file_and_default_speech_path(installed, tmp_path):
    story = tmp_path / "story.txt"
    story.write_text("One sentence. Another one.", encoding="utf-8")
    out = tmp_path / "story.flac"
    assert main(["tts", "--text-file", str(story), "--tts-voice", "en-gb", "-m", str(installed["voice"]),
                 "-o", str(out), "--tts-rate", "30", *FAST]) == 0  # fmt: skip
    assert out.is_file() and (tmp_path / "story_tts.wav").is_file()


def test_list_voices_needs_no_voice_file(capsys):
    assert main(["tts", "--engine", "espeak", "--list-tts-voices"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.split()[:3] == ["en-us", "English", "(America)"] for line in lines)
    assert lines[-1].endswith("espeak voices")


def test_missing_arguments_and_empty_text_are_one_line_errors(installed, tmp_path, capsys):
    assert main(["tts", "--text", "hi"]) == 1
    assert "missing --tts-voice, -m, -o" in capsys.readouterr().err
    args = ["tts", "--tts-voice", "en-us", "-m", str(installed["voice"]), "-o", str(tmp_path / "o.wav")]
    assert main([*args, "--text", "  "]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the text is empty") and err.count("\n") == 1
    assert main(args) == 1
    assert "--text" in capsys.readouterr().err
    assert not (tmp_path / "o.wav").exists()
