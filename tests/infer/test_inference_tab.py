"""Inference tab: builds inside Blocks, pairs indexes, turns controls into options, converts and reports errors."""

from __future__ import annotations

import shutil
import threading

import gradio as gr
import soundfile as sf

from rvc import paths
from rvc.infer.library import match_index
from rvc.infer.options import ConversionOptions
from tabs import inference


def control_defaults() -> list:
    values = [
        0,
        "pm",
        0.75,
        0.5,
        1.0,
        0,
        0,
        "contentvec",
        0.0,
        False,
        1.0,
        0.0,
        None,
        "wav",
        inference.VOICE_RATE,
        "cpu",
        False,
        0,
    ]
    for name, param in inference.effect_slots():
        values.append(
            False if param is None else next(p.default for p in inference.EFFECTS[name][1] if p.name == param)
        )
    return values


def test_tab_builds_inside_blocks():
    with gr.Blocks() as demo, gr.Tab("Inference"):
        inference.build()
    labels = {getattr(block, "label", None) for block in demo.blocks.values()}
    assert {"Voice", "Index", "Protect consonants", "Pitch method", "Input folder", "Converted audio"} <= labels
    protect = next(block for block in demo.blocks.values() if getattr(block, "label", None) == "Protect consonants")
    assert "0.5 = off" in protect.info and "Lower values" in protect.info


def test_collect_options_builds_valid_options_and_effects():
    values = control_defaults()
    slots = inference.effect_slots()
    offset = len(inference.OPTION_NAMES)
    values[offset + slots.index(("reverb", None))] = True
    values[offset + slots.index(("reverb", "room_size"))] = 0.9
    options = inference.collect_options(values)
    assert options["effects"] == {
        "reverb": {**{p.name: p.default for p in inference.EFFECTS["reverb"][1]}, "room_size": 0.9}
    }
    assert options["output_sr"] is None and options["seed"] == 0 and options["f0_file"] == ""
    ConversionOptions(**options)


def test_index_is_paired_with_the_voice(tmp_path):
    voice = tmp_path / "alice" / "alice.pth"
    other = str(tmp_path / "bob" / "bob.index")
    own = str(tmp_path / "alice" / "alice.index")
    assert match_index(voice, [other, own]) == own
    assert match_index(voice, [other, str(tmp_path / "alice" / "added_IVF5_Flat.index")]).endswith(
        "added_IVF5_Flat.index"
    )
    assert match_index(voice, [str(tmp_path / "x" / "alice_v2.index"), other]).endswith("alice_v2.index")
    assert match_index(voice, [other]) == ""


def test_voice_change_selects_its_index(installed):
    run = paths.run_dir("alice")
    run.mkdir(parents=True)
    voice = shutil.copy(installed["voice"], run / "alice.pth")
    index = shutil.copy(installed["index"], run / "alice.index")
    update, info = inference.on_voice_change(str(voice))
    assert update["value"] == str(index)
    assert "32000 Hz" in info and "v2" in info
    assert str(voice) in inference.voice_choices()
    assert inference.refresh_lists("", "")[1]["choices"] == [str(index)]


def test_convert_single_writes_output_and_reports(installed, monkeypatch, tmp_path):
    monkeypatch.setenv("RVC_OUTPUTS_DIR", str(tmp_path / "outputs"))
    calls = []
    player, download, status = inference.convert_single(
        str(installed["voice"]),
        "",
        None,
        str(installed["speech"]),
        *control_defaults(),
        progress=lambda fraction, desc: calls.append(fraction),
    )
    assert status.startswith("Done:") and player == download
    assert sf.info(player).samplerate == 32000
    assert calls and calls[-1] == 1.0


def test_convert_single_errors_are_one_readable_line(installed, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"nope")
    _, _, status = inference.convert_single(str(installed["voice"]), "", None, str(bad), *control_defaults())
    assert status.startswith("Error: ") and "\n" not in status
    _, _, status = inference.convert_single("", "", None, str(bad), *control_defaults())
    assert "choose a voice" in status


def test_stop_before_work_reports_stopped(installed, monkeypatch, tmp_path):
    monkeypatch.setenv("RVC_OUTPUTS_DIR", str(tmp_path / "outputs"))
    stop = threading.Event()
    monkeypatch.setattr(inference, "STOP", stop)
    monkeypatch.setattr(stop, "clear", lambda: None)
    assert inference.request_stop().startswith("Stopping")
    _, _, status = inference.convert_single(
        str(installed["voice"]), "", None, str(installed["speech"]), *control_defaults()
    )
    assert status.startswith("Stopped")
    assert not list((tmp_path / "outputs").glob("*.wav"))


def test_batch_reports_each_failure(installed, tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    shutil.copy(installed["speech"], source / "good.wav")
    (source / "bad.wav").write_bytes(b"RIFFjunk")
    text = inference.convert_batch(str(installed["voice"]), "", str(source), str(tmp_path / "out"), *control_defaults())
    assert text.splitlines()[0] == "1 converted, 1 failed"
    assert "failed: bad.wav" in text


def test_unexpected_errors_show_their_first_line_only():
    assert inference._error_text(ValueError("bad value\nmore detail")) == (
        "Unexpected error (ValueError: bad value); details are in the console."
    )
    assert inference._error_text(RuntimeError()).startswith("Unexpected error (RuntimeError: )")
