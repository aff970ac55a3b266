"""TTS tab: the Inference tab's pickers and option controls, TTS voices per engine, speak-and-convert with eSpeak."""

from __future__ import annotations

import edge_tts
import gradio as gr
import numpy as np
import soundfile as sf

from rvc.infer.options import ConversionOptions
from rvc.option_spec import option_fields
from tabs import inference, tts

FAST = {"f0_method": "pm", "device": "cpu", "seed": 0}


def build_tab() -> tuple[gr.Blocks, dict[str, gr.components.Component]]:
    with gr.Blocks() as demo, gr.Tab("TTS"):
        controls = tts.build()
    return demo, controls


def test_tab_offers_every_conversion_option_and_the_tts_controls():
    demo, controls = build_tab()
    assert set(controls) == set(inference.control_keys())
    assert {item.name for item in option_fields(ConversionOptions)} - {"effects"} <= set(controls)
    labels = {getattr(block, "label", None) for block in demo.blocks.values()}
    assert {"Voice", "Index", "TTS engine", "TTS voice", "Text", "Text file (.txt, UTF-8)"} <= labels
    assert {"TTS speed (%)", "TTS pitch (semitones)", "TTS speech", "Converted audio"} <= labels
    tts_voice = next(block for block in demo.blocks.values() if getattr(block, "label", None) == "TTS voice")
    assert tts_voice.value == "en-us" and ("en-us — English (America)", "en-us") in tts_voice.choices


def test_engine_change_fills_the_voices_or_says_why_not(monkeypatch):
    update, status = tts.tts_voice_update("piper")
    assert update["value"] == "en_US-lessac-medium" and status == ""

    async def offline():
        raise OSError("Name or service not known")

    monkeypatch.setattr(edge_tts, "list_voices", offline)
    update, status = tts.tts_voice_update("edge")
    assert update["choices"] == [] and status.startswith("Error: edge-tts could not") and "espeak" in status
    *_outputs, spoken = tts.speak_and_convert("alice.pth", "edge", None, "Hello", None, 0, 0)
    assert spoken == status  # Speak repeats why there is no TTS voice rather than asking to choose one


def test_speak_and_convert_gives_both_files(installed, tmp_path):
    _demo, controls = build_tab()
    values = {key: controls[key].value for key in inference.control_keys()} | FAST
    story = tmp_path / "story.txt"
    story.write_text("Hello from a text file.", encoding="utf-8")
    speech, speech_file, converted, converted_file, status = tts.speak_and_convert(
        str(installed["voice"]), "espeak", "en-us", "ignored when a file is given", str(story), 0, 0,
        *[values[key] for key in inference.control_keys()],
    )  # fmt: skip
    assert status.startswith("Done: speech"), status
    assert speech == speech_file and converted == converted_file and speech != converted
    spoken, spoken_rate = sf.read(speech)
    audio, rate = sf.read(converted)
    assert rate == 32000 and abs(len(audio) / rate - len(spoken) / spoken_rate) < 0.05
    assert np.sqrt(np.mean(audio**2)) > 1e-3


def test_missing_choices_and_empty_text_are_one_line_errors(installed):
    _demo, controls = build_tab()
    values = [controls[key].value for key in inference.control_keys()]
    assert tts.speak_and_convert("", "espeak", "en-us", "Hi.", None, 0, 0, *values)[-1].startswith(
        "Error: choose a voice"
    )
    result = tts.speak_and_convert(str(installed["voice"]), "espeak", "en-us", "  ", None, 0, 0, *values)
    assert result[:4] == (None, None, None, None) and result[-1] == "Error: the text is empty: " + (
        "type something to say, or choose a .txt file with text in it"
    )
