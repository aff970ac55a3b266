"""TTS tab: speak a text with a TTS engine, then convert the speech with a voice and every conversion option.

The voice and index pickers and the option controls are the Inference tab's own builders
(`build_option_controls`, `control_keys`, `collect_options`), so a new conversion option appears here by
itself. The work is `rvc.tts.voice_conversion.text_to_voice`, the same function `python -m rvc tts` runs.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from rvc.errors import RVCError
from rvc.infer.library import index_choices, resolve_voice, voice_choices
from rvc.infer.options import ConversionOptions
from rvc.prerequisites import DEFAULT_PIPER_VOICE
from rvc.tts.base import PITCH_RANGE, RATE_RANGE
from rvc.tts.engines import ENGINES
from tabs import conversion_presets_ui, inference
from tabs.option_controls import option_control

DEFAULT_TTS_VOICES = {"espeak": "en-us", "piper": DEFAULT_PIPER_VOICE, "edge": "en-US-AriaNeural"}


def tts_voice_update(engine: str) -> tuple[Any, str]:
    """The TTS voice list of `engine` (label, name) with its default chosen, and a status line (errors included)."""
    from rvc.tts.engines import get_engine

    try:
        voices = get_engine(engine).voices()
    except RVCError as error:
        return gr.update(choices=[], value=None), f"Error: {error}"
    names = [voice.name for voice in voices]
    default = DEFAULT_TTS_VOICES.get(engine)
    value = default if default in names else (names[0] if names else None)
    return gr.update(choices=[(voice.label, voice.name) for voice in voices], value=value), ""


def text_of(text: str, text_file: str | None) -> str:
    """The uploaded `.txt` file's text when one is given, else the typed text."""
    from rvc.tts.text import read_text_file

    return read_text_file(text_file) if text_file else (text or "")


def speak_and_convert(
    voice: str,
    engine: str,
    tts_voice: str,
    text: str,
    text_file: str | None,
    tts_rate: float,
    tts_pitch: float,
    *values: Any,
    request: gr.Request | None = None,
    progress=None,
):
    """Speak, then convert -> (speech player, speech file, converted player, converted file, status line).

    `values` are the option controls' values in `inference.control_keys()` order.
    """
    from rvc.infer.pipeline import ConversionStopped
    from rvc.tts.voice_conversion import text_to_voice

    nothing = (None, None, None, None)
    if not voice:
        return *nothing, "Error: choose a voice first (voices are listed from the logs folder; press Refresh)."
    if not tts_voice:  # an engine that cannot list its voices (edge offline) says why, not just 'choose one'
        _choices, problem = tts_voice_update(engine)
        return *nothing, problem or "Error: choose a TTS voice for the engine first."
    try:
        voice = resolve_voice(voice)
        options = inference.collect_options(dict(zip(inference.control_keys(), values, strict=True)))
        output = inference.output_path_for(f"tts_{engine}", voice, options["output_format"] or "wav")
        report = (lambda fraction, note: progress(fraction, desc=note)) if progress is not None else None
        with inference.STOPS.job(inference.session_of(request)) as stop:
            result = text_to_voice(
                text_of(text, text_file),
                output,
                voice,
                engine=engine,
                tts_voice=tts_voice,
                tts_rate=tts_rate,
                tts_pitch=tts_pitch,
                progress=report,
                should_stop=stop.is_set,
                **options,
            )
    except ConversionStopped:
        return *nothing, "Stopped: the conversion was cancelled."
    except Exception as error:  # noqa: BLE001 - the page shows one line, the console the traceback
        return *nothing, inference.error_text(error)
    speech, converted = str(result.speech_path), str(result.conversion.path)
    notes = "".join(f" Note: {note}." for note in result.conversion.notes)
    status = (
        f"Done: speech {speech}; converted {converted} ({result.conversion.duration:.1f} s at "
        f"{result.conversion.sample_rate} Hz).{notes}"
    )
    return speech, speech, converted, converted, status


def build() -> dict[str, gr.components.Component]:
    """Add the tab's components to the current `gr.Tab`; return the option controls keyed as in `control_keys()`."""
    with gr.Row():
        voice = gr.Dropdown(
            voice_choices(), value=None, label="Voice", allow_custom_value=True, scale=3, elem_id="tts-rvc-voice"
        )
        index = option_control(ConversionOptions, "index_path", choices=index_choices(), scale=3)
        refresh = gr.Button("Refresh", scale=1)
        unload_button = gr.Button("Unload", scale=1)
    voice_info = gr.Markdown()
    with gr.Row():
        engine = gr.Radio(
            list(ENGINES),
            value="espeak",
            label="TTS engine",
            info="; ".join(about for _module, _cls, about in ENGINES.values()),
            scale=2,
        )
        initial_voices, _ = tts_voice_update("espeak")
        tts_voice = gr.Dropdown(label="TTS voice", allow_custom_value=True, scale=2, **_update_kwargs(initial_voices))
    with gr.Tab("Text to speech"):
        text = gr.Textbox(
            label="Text",
            lines=5,
            placeholder="Type what the voice should say. Long texts are fine.",
            elem_id="tts-text",
        )
    with gr.Tab("File to speech"):
        text_file = gr.File(label="Text file (.txt, UTF-8)", file_types=[".txt"], type="filepath")
    with gr.Row():
        tts_rate = gr.Slider(*RATE_RANGE, value=0, step=1, label="TTS speed (%)", info="0 = the voice's normal speed")
        tts_pitch = gr.Slider(
            *PITCH_RANGE, value=0, step=1, label="TTS pitch (semitones)", info="shifts the TTS voice before conversion"
        )
    with gr.Column(elem_id="tts-options"):
        connect_presets = conversion_presets_ui.build()
        controls = {"index_path": index, **inference.build_option_controls()}
    options = [controls[key] for key in inference.control_keys()]
    connect_presets(options)
    with gr.Row():
        convert_button = gr.Button("Speak and convert", variant="primary", elem_id="tts-convert")
        stop_button = gr.Button("Stop", variant="stop")
    status = gr.Textbox(label="Status", interactive=False, elem_id="tts-status")
    with gr.Row():
        with gr.Column():
            speech_player = gr.Audio(label="TTS speech", type="filepath", interactive=False, elem_id="tts-speech")
            speech_file = gr.File(label="Download TTS speech", interactive=False)
        with gr.Column():
            converted_player = gr.Audio(
                label="Converted audio", type="filepath", interactive=False, elem_id="tts-converted"
            )
            converted_file = gr.File(label="Download converted audio", interactive=False)

    # Gradio injects the request and the progress tracker only into parameters before `*inputs`.
    def run(request: gr.Request, progress=gr.Progress(), *inputs):  # noqa: B008 - gradio injects it
        return speak_and_convert(*inputs, request=request, progress=progress)

    def stop(request: gr.Request) -> str:
        return inference.request_stop(request)

    private = {"api_visibility": "private"}
    voice.change(inference.on_voice_change, inputs=voice, outputs=[index, voice_info], **private)
    gr.on(None, inference.list_choices, None, [voice, index], **private)
    refresh.click(inference.refresh_lists, inputs=[voice, index], outputs=[voice, index], **private)
    unload_button.click(inference.unload, outputs=[voice, index, status], **private)
    engine.change(tts_voice_update, inputs=engine, outputs=[tts_voice, status], **private)
    convert_button.click(
        run,
        inputs=[voice, engine, tts_voice, text, text_file, tts_rate, tts_pitch, *options],
        outputs=[speech_player, speech_file, converted_player, converted_file, status],
        **private,
    )
    stop_button.click(stop, outputs=status, queue=False, **private)
    return controls


def _update_kwargs(update: dict[str, Any]) -> dict[str, Any]:
    """The choices and value of a `gr.update` as keyword arguments for building the component."""
    return {key: update[key] for key in ("choices", "value")}
