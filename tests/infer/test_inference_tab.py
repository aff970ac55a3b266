"""Inference tab: builds inside Blocks, pairs indexes, turns controls into options, converts, stops per session."""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from types import SimpleNamespace

import gradio as gr
import pytest
import soundfile as sf

import rvc.infer.conversion
from rvc import paths
from rvc.errors import RVCError
from rvc.infer.library import match_index
from rvc.infer.options import ConversionOptions
from rvc.infer.pipeline import ConversionStopped
from rvc.option_spec import option_field
from rvc.settings import update_settings
from tabs import inference

FAST = {"f0_method": "pm", "device": "cpu", "seed": 0}


def build_tab() -> tuple[gr.Blocks, dict[str, gr.components.Component]]:
    with gr.Blocks() as demo, gr.Tab("Inference"):
        controls = inference.build()
    return demo, controls


def control_values(controls: dict, changes: dict | None = None) -> list:
    """The controls' starting values in `control_keys()` order with `FAST` and `changes` applied."""
    values = {key: controls[key].value for key in inference.control_keys()}
    values.update(FAST)
    values.update(changes or {})
    return [values[key] for key in inference.control_keys()]


@pytest.fixture
def controls() -> dict[str, gr.components.Component]:
    return build_tab()[1]


def session(name: str) -> SimpleNamespace:
    """Stands for the `gr.Request` Gradio passes: only the session id is read."""
    return SimpleNamespace(session_hash=name)


def test_tab_builds_inside_blocks():
    demo, controls = build_tab()
    labels = {getattr(block, "label", None) for block in demo.blocks.values()}
    assert {"Voice", "Index", "Protect consonants", "Pitch method", "Input folder", "Converted audio"} <= labels
    help_text = option_field(ConversionOptions, "protect").spec.help
    assert controls["protect"].info == help_text[0].upper() + help_text[1:] + "."
    assert controls["index_path"].label == "Index"
    assert set(inference.control_keys()) == set(controls)


def test_collect_options_builds_valid_options_and_effects(controls):
    values = dict(zip(inference.control_keys(), control_values(controls)))
    values[inference.effect_key("reverb")] = True
    values[inference.effect_key("reverb", "room_size")] = 0.9
    options = inference.collect_options(values)
    assert options["effects"] == {
        "reverb": {**{p.name: p.default for p in inference.EFFECTS["reverb"][1]}, "room_size": 0.9}
    }
    assert options["output_sr"] is None and options["seed"] == 0 and options["f0_file"] == ""
    assert options["output_format"] == "wav" and options["index_path"] == ""
    ConversionOptions(**options)


def test_half_precision_follows_the_saved_precision_at_page_load():
    update_settings(precision="fp16")
    half = build_tab()[1]["half"]
    assert half.value is True
    load_value, _triggers, _inputs = half.load_event_to_attach
    update_settings(precision="fp32")
    assert load_value() is False


def test_conversion_precision_follows_the_settings_tab_into_single_and_batch_options(monkeypatch, tmp_path):
    update_settings(conversion_precision="fp32")
    controls = build_tab()[1]
    assert controls["precision"].value == "fp32"
    load_value, _triggers, _inputs = controls["precision"].load_event_to_attach
    update_settings(conversion_precision="bf16")
    assert load_value() == "bf16"
    seen = []

    def record(*args, **options):
        seen.append(ConversionOptions(**{k: v for k, v in options.items() if k not in ("progress", "should_stop")}))
        raise RVCError("recorded")

    monkeypatch.setattr(rvc.infer.conversion, "convert", record)
    monkeypatch.setattr(rvc.infer.conversion, "convert_folder", record)
    values = control_values(controls, {"precision": load_value()})
    voice = tmp_path / "v.pth"
    voice.write_bytes(b"")
    inference.convert_single(str(voice), None, "in.wav", *values)
    inference.convert_batch(str(voice), str(tmp_path), str(tmp_path / "out"), *values)
    assert [options.precision for options in seen] == ["bf16", "bf16"]


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


def test_voice_change_selects_its_index_and_lists_readable_names(installed):
    run = paths.run_dir("alice")
    run.mkdir(parents=True)
    voice = shutil.copy(installed["voice"], run / "alice.pth")
    index = shutil.copy(installed["index"], run / "alice.index")
    update, info = inference.on_voice_change(str(voice))
    assert update["value"] == str(index)
    assert "32000 Hz" in info and "v2" in info
    assert inference.voice_choices() == [("alice · 32 kHz · HiFi-GAN", str(voice))]
    assert inference.refresh_lists("", "")[1]["choices"] == [("alice · alice.index", str(index))]


def test_convert_single_writes_output_and_reports(installed, controls, tmp_path):
    calls = []
    player, download, status = inference.convert_single(
        str(installed["voice"]),
        None,
        str(installed["speech"]),
        *control_values(controls),
        progress=lambda fraction, desc: calls.append(fraction),
    )
    assert status.startswith("Done:") and player == download
    assert sf.info(player).samplerate == 32000
    assert calls and calls[-1] == 1.0
    assert inference.STOPS.running() == []


def test_a_voice_typed_by_name_is_found_in_the_logs_folder(installed, controls):
    """The Voice box takes typed text; typing a listed voice's name ("ann") answered "Voice file not found: ann.
    Pick a .pth voice (they are listed from logs/)", though the CLI takes the same name."""
    voice = paths.logs_dir() / "ann" / "ann.pth"
    voice.parent.mkdir(parents=True)
    shutil.copy(installed["voice"], voice)
    assert ": 32000 Hz" in inference.describe_voice("ann")
    _player, _download, status = inference.convert_single(
        "ann", None, str(installed["speech"]), *control_values(controls)
    )
    assert status.startswith("Done:") and "_ann.wav" in status
    _player, _download, status = inference.convert_single(
        "nobody", None, str(installed["speech"]), *control_values(controls)
    )
    assert status.startswith("Error: Voice 'nobody' not found") and "ann" in status


def test_convert_single_errors_are_one_readable_line(installed, controls, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"nope")
    _, _, status = inference.convert_single(str(installed["voice"]), None, str(bad), *control_values(controls))
    assert status.startswith("Error: ") and "\n" not in status
    _, _, status = inference.convert_single("", None, str(bad), *control_values(controls))
    assert "choose a voice" in status


def test_stop_during_a_conversion_reports_stopped_and_writes_nothing(installed, controls, tmp_path):
    def press_stop(fraction, desc):
        inference.request_stop(session("me"))

    _, _, status = inference.convert_single(
        str(installed["voice"]),
        None,
        str(installed["speech"]),
        *control_values(controls),
        request=session("me"),
        progress=press_stop,
    )
    assert status.startswith("Stopped")
    assert not list((tmp_path / "outputs").glob("*.wav"))
    assert inference.STOPS.running() == []
    assert inference.request_stop(session("me")).startswith("Nothing to stop")


def test_stop_in_one_session_leaves_the_other_running(controls, monkeypatch, tmp_path):
    source, voice = tmp_path / "in.wav", tmp_path / "voice.pth"
    source.write_bytes(b"")
    voice.write_bytes(b"")
    release = threading.Event()

    def slow_convert(input_path, output_path, voice_path, *, progress=None, should_stop=None, **options):
        """Runs until stopped (ConversionStopped) or released (a result), checking `should_stop` like the pipeline."""
        while not release.is_set():
            if should_stop():
                raise ConversionStopped
            time.sleep(0.01)
        return rvc.infer.conversion.ConversionResult(output_path, 32000, 1.0, {"total": 0.1})

    monkeypatch.setattr(rvc.infer.conversion, "convert", slow_convert)
    statuses: dict[str, str] = {}

    def run(name: str) -> None:
        statuses[name] = inference.convert_single(
            str(voice), None, str(source), *control_values(controls), request=session(name)
        )[2]

    threads = {name: threading.Thread(target=run, args=(name,)) for name in ("a", "b")}
    for thread in threads.values():
        thread.start()
    deadline = time.monotonic() + 10
    while sorted(inference.STOPS.running()) != ["a", "b"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(inference.STOPS.running()) == ["a", "b"]
    assert inference.request_stop(session("a")).startswith("Stopping")
    threads["a"].join(timeout=10)
    assert statuses["a"].startswith("Stopped")
    assert threads["b"].is_alive() and inference.STOPS.running() == ["b"]
    release.set()
    threads["b"].join(timeout=10)
    assert statuses["b"].startswith("Done:")
    assert inference.STOPS.running() == []


def test_batch_reports_each_failure(installed, controls, tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    shutil.copy(installed["speech"], source / "good.wav")
    (source / "bad.wav").write_bytes(b"RIFFjunk")
    text = inference.convert_batch(
        str(installed["voice"]), str(source), str(tmp_path / "out"), *control_values(controls)
    )
    assert text.splitlines()[0] == "1 converted, 1 failed"
    assert "failed: bad.wav" in text


def test_batch_without_an_output_folder_writes_into_the_output_folder(monkeypatch, tmp_path):
    """An empty output folder was an error ("fill in both"); Applio offers a default, and this app has one: a folder
    named after the input, inside the output folder of the Settings tab."""
    seen = []

    def record(input_dir, output_dir, voice, **options):
        seen.append(output_dir)
        raise RVCError("recorded")

    monkeypatch.setattr(rvc.infer.conversion, "convert_folder", record)
    values = control_values(build_tab()[1])
    source = tmp_path / "takes"
    source.mkdir()
    voice = tmp_path / "v.pth"
    voice.write_bytes(b"")
    assert inference.convert_batch(str(voice), str(source), "  ", *values) == "Error: recorded"
    assert seen == [str(paths.outputs_dir() / "takes")]
    assert inference.convert_batch("v.pth", "", "", *values) == "Error: fill in the input folder."


def test_unexpected_errors_show_their_first_line_only():
    assert inference.error_text(ValueError("bad value\nmore detail")) == (
        "Unexpected error (ValueError: bad value); details are in the console."
    )
    assert inference.error_text(RuntimeError()).startswith("Unexpected error (RuntimeError: )")


def _event(demo: gr.Blocks, name: str):
    return next(fn for fn in demo.fns.values() if getattr(fn.fn, "__name__", "") == name)


def test_the_page_passes_its_session_and_progress_to_convert_and_stop(monkeypatch):
    demo, controls = build_tab()
    seen = {}

    def record(*args, request=None, progress=None):
        seen.update(session=request.session_hash, progress=progress, inputs=args)
        return None, None, "Done: recorded"

    monkeypatch.setattr(inference, "convert_single", record)
    inputs = ["voice.pth", None, "in.wav", *control_values(controls)]
    output = asyncio.run(
        demo.call_function(_event(demo, "run_single"), list(inputs), requests=gr.Request(session_hash="s1"))
    )
    assert output["prediction"][2] == "Done: recorded"
    assert seen["session"] == "s1" and isinstance(seen["progress"], gr.Progress)
    assert list(seen["inputs"]) == inputs
    with inference.STOPS.job("s1") as mine, inference.STOPS.job("s2") as other:
        asyncio.run(demo.call_function(_event(demo, "stop"), [], requests=gr.Request(session_hash="s1")))
        assert mine.is_set() and not other.is_set()
