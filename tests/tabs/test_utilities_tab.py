"""Utilities tab callbacks: voice info and edit, pitch curve, analyzer and the dataset-check button."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import numpy as np
import soundfile as sf
import torch

from rvc import paths
from rvc.infer.pitch import read_f0_file
from rvc.testing.model_fixtures import save_random_voice
from rvc.testing.synthetic_speech import write_wav
from tabs import utilities
from tabs.dataset_check_ui import build_dataset_check, check_dataset_folder


def tone_file(folder, hz=220.0, seconds=1.0, rate=16000):
    path = folder / "tone.wav"
    sf.write(path, 0.5 * np.sin(2 * np.pi * hz * np.arange(round(seconds * rate)) / rate), rate)
    return path


def test_tab_builds_without_placeholder_text():
    with gr.Blocks() as demo:
        utilities.build()
    texts = [getattr(block, "value", "") for block in demo.blocks.values() if isinstance(block, gr.Markdown)]
    assert not any("planned" in str(text) for text in texts)
    labels = {getattr(block, "label", None) for block in demo.blocks.values()}
    assert {"Voice file", "Pitch curve", "F0 file (CSV)", "Waveform", "Spectrogram", "Dataset check"} <= labels
    assert "Allow overwriting an existing file of that name" in labels  # what the 'already exists' error names


def test_voice_is_listed_shown_and_saved_as_a_new_file():
    voice = save_random_voice(paths.logs_dir() / "alice" / "alice.pth", 32000, vocoder_channels=32)
    assert [path for _label, path in utilities.voice_choices()] == [str(voice)]
    text, name, author, description, save_as = utilities.show_voice(str(voice))
    assert "Sample rate" in text and "32000 Hz" in text
    assert (name, author, description) == ("alice", "", "")
    assert save_as == str(voice.with_name("alice_edited.pth"))

    status = utilities.save_voice_edit(str(voice), "alice", "Dana", "warm", save_as, False)
    assert status == f"Saved {save_as} (author, description changed)."
    data = torch.load(save_as, map_location="cpu", weights_only=True)
    assert (data["model_name"], data["author"], data["info"]) == ("alice", "Dana", "warm")
    assert torch.load(voice, map_location="cpu", weights_only=True)["author"] is None

    again = utilities.save_voice_edit(str(voice), "alice", "Dana", "warm", save_as, False)
    assert again.startswith("Error:") and "already exists" in again and "allow overwriting it" in again
    replaced = utilities.save_voice_edit(str(voice), "alice", "Eve", "warm", save_as, False, True)
    assert replaced == f"Saved {save_as} (author, description changed)."
    assert torch.load(save_as, map_location="cpu", weights_only=True)["author"] == "Eve"


def test_voice_errors_are_one_line(tmp_path):
    assert utilities.show_voice("")[0].startswith("Error: choose a voice")
    assert utilities.show_voice(str(tmp_path / "missing.pth"))[0].startswith("Error:")


def test_pitch_curve_gives_a_plot_and_an_f0_file(tmp_path):
    png, csv, status = utilities.extract_curve(None, str(tone_file(tmp_path)), "pm")
    assert png.endswith(".png") and Path(png).read_bytes().startswith(b"\x89PNG")
    times, hz = read_f0_file(csv)
    assert len(times) == 101
    assert abs(np.median(hz[hz > 0]) - 220) < 2
    assert status.startswith("101 frames of 10 ms") and "F0 file" in status
    assert utilities.extract_curve(None, "", "pm") == (
        None,
        None,
        "Error: Choose an audio file: upload one, or type its path.",
    )


def test_analyzer_gives_report_and_two_images(tmp_path):
    report, waveform, spectrogram = utilities.analyze(None, str(tone_file(tmp_path)), "pm")
    assert "16000 Hz" in report and "-6.02 dBFS" in report
    assert waveform.endswith("tone_waveform.png") and spectrogram.endswith("tone_spectrogram.png")
    error, *images = utilities.analyze(None, str(tmp_path / "nope.wav"), "pm")
    assert error.startswith("Error: Audio file not found") and images == [None, None]


def test_dataset_check_button_reports_findings(tmp_path):
    write_wav(tmp_path / "data" / "silent.wav", np.zeros(16000, np.float32), 16000)
    text, histogram = check_dataset_folder(str(tmp_path / "data"))
    assert "PROBLEM (silent)" in text and "silent.wav" in text
    assert histogram.endswith(".png")
    assert check_dataset_folder("  ")[0].startswith("Error: type the dataset folder")
    assert check_dataset_folder(str(tmp_path / "nope"))[0].startswith("Error: Dataset folder not found")


def test_dataset_check_attaches_to_any_textbox():
    with gr.Blocks() as demo:
        dataset = gr.Textbox(label="Dataset folder")
        build_dataset_check(dataset)
    buttons = [block for block in demo.blocks.values() if isinstance(block, gr.Button)]
    assert [button.value for button in buttons] == ["Check dataset"]
    assert any(dataset._id in [block._id for block in dep.inputs] for dep in demo.fns.values())
