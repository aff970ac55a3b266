"""The Inference tab's presets row: save the page's options, load them back (only what a preset holds), import
Applio's preset files, and say what went wrong."""

from __future__ import annotations

import json

import gradio as gr
import pytest

from rvc.infer.presets import conversion_presets_dir
from tabs import conversion_presets_ui as presets_ui
from tabs import inference
from tests.infer.test_inference_tab import build_tab, control_values

APPLIO_MUSIC = {"pitch": 0, "filter_radius": 3, "index_rate": 0.75, "rms_mix_rate": 0.25, "protect": 0.33}


@pytest.fixture(scope="module")
def controls() -> dict[str, gr.components.Component]:
    return build_tab()[1]


def _set(updates: list) -> dict:
    """The values `load_preset`'s updates set, by control key (controls it leaves alone are absent)."""
    return {
        key: update["value"] for key, update in zip(inference.control_keys(), updates, strict=True) if "value" in update
    }


def test_the_page_options_saved_load_back_and_leave_the_index_and_machine_alone(controls):
    changes = {"pitch": 3, "rms_mix_rate": 0.4, "proposed_pitch": True, "effects.reverb": True,
               "effects.reverb.room_size": 0.7, "index_path": "/voices/a.index", "device": "cpu"}  # fmt: skip
    message, listed = presets_ui.save_preset("mine", *control_values(controls, changes))
    assert message == f"✅ Preset saved: `{conversion_presets_dir() / 'mine.json'}`"
    assert listed["choices"] == ["mine"] and listed["value"] == "mine"
    saved = json.loads((conversion_presets_dir() / "mine.json").read_text())
    assert (saved["pitch"], saved["rms_mix_rate"], saved["proposed_pitch"]) == (3, 0.4, True)
    assert saved["effects"]["reverb"]["room_size"] == 0.7 and "index_path" not in saved and "device" not in saved

    *updates, result = presets_ui.load_preset("mine")
    shown = _set(updates)
    assert result.startswith("✅ Loaded preset `mine`")
    assert (shown["pitch"], shown["rms_mix_rate"], shown["proposed_pitch"]) == (3, 0.4, True)
    assert shown["effects.reverb"] is True and shown["effects.reverb.room_size"] == 0.7
    assert shown["effects.chorus"] is False
    assert not {"index_path", "device", "embedder", "speaker_id", "output_format"} & set(shown)


def test_an_applio_preset_is_imported_and_sets_only_its_five_sliders(tmp_path):
    upload = tmp_path / "Music.json"
    upload.write_text(json.dumps(APPLIO_MUSIC))
    message, listed = presets_ui.import_preset(str(upload))
    assert message == "✅ Imported preset `Music`." and listed["value"] == "Music"
    *updates, _ = presets_ui.load_preset("Music")
    assert _set(updates) == APPLIO_MUSIC
    assert presets_ui.import_preset(str(upload))[0] == (
        "❌ Preset not imported: a preset named 'Music' exists already: rename the file, or load that one"
    )


def test_preset_mistakes_are_one_line_messages(tmp_path, controls):
    bad = tmp_path / "bad.json"
    bad.write_text('{"index_path": "x.index"}')
    assert presets_ui.import_preset(str(bad))[0].startswith("❌ Preset not imported: conversion preset bad.json holds")
    assert presets_ui.import_preset(None)[0] == "❌ Preset not imported: choose a .json preset file"
    assert (
        presets_ui.save_preset("", *control_values(controls))[0]
        == "❌ Preset not saved: enter a preset name, e.g. my-preset"
    )
    message = presets_ui.save_preset("mine", *control_values(controls, {"protect": 0.9}))[0]
    assert message.startswith("❌ Preset not saved:") and "protect" in message
    assert presets_ui.load_preset(None)[-1] == "❌ choose a preset"
    assert presets_ui.load_preset("jazz")[-1] == (
        f"❌ conversion preset {conversion_presets_dir() / 'jazz.json'} not found: pick one of the listed presets, "
        "or save one first"
    )
    assert all(update == {"__type__": "update"} for update in presets_ui.load_preset("jazz")[:-1])


def test_the_inference_tab_connects_the_row_to_its_option_controls():
    demo, controls = build_tab()
    events = {fn.fn: fn for fn in demo.fns.values() if fn.fn in (presets_ui.load_preset, presets_ui.save_preset)}
    options = [controls[key] for key in inference.control_keys()]
    assert events[presets_ui.load_preset].outputs[:-1] == options
    assert events[presets_ui.save_preset].inputs[1:] == options


@pytest.mark.parametrize("tab", ["tts", "realtime"])
def test_the_other_conversion_tabs_connect_the_row_too(tab):
    import importlib

    with gr.Blocks() as demo:
        controls = importlib.import_module(f"tabs.{tab}").build()
    (event,) = [fn for fn in demo.fns.values() if fn.fn is presets_ui.load_preset]
    assert event.outputs[:-1] == [controls[key] for key in inference.control_keys()]
