"""Inference tab: convert one file or a folder with a voice; every option of `rvc.infer.ConversionOptions`.

The voice/index pickers and the options sit above two sub-tabs (Single, Batch) that share them. Conversions
run in the Gradio worker with progress; Stop sets an event the pipeline checks between stages, so it ends
the conversion and never the app. Errors are shown as one readable line.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import gradio as gr

from rvc import prerequisites
from rvc.errors import RVCError
from rvc.features.f0 import METHODS
from rvc.infer.effects import EFFECTS
from rvc.infer.library import index_choices, match_index, voice_choices
from rvc.infer.options import DEVICES, OUTPUT_FORMATS, OUTPUT_RATES, ConversionOptions

log = logging.getLogger(__name__)

STOP = threading.Event()
DEFAULTS = ConversionOptions()
VOICE_RATE = "voice's rate"
PITCH_METHODS = [*METHODS, "hybrid[rmvpe+fcpe]"]
PROTECT_INFO = (
    "0.5 = off. Lower values hold back the index on unvoiced sounds (consonants, breaths): those frames keep "
    "more of the input's own features, which avoids smeared consonants and tearing. Only matters with an index."
)
OPTION_NAMES = (
    "pitch",
    "f0_method",
    "index_rate",
    "protect",
    "rms_mix_rate",
    "filter_radius",
    "speaker_id",
    "embedder",
    "autotune",
    "split_audio",
    "formant_shift",
    "clean_strength",
    "f0_file",
    "output_format",
    "output_sr",
    "device",
    "half",
    "seed",
)


def effect_slots() -> list[tuple[str, str | None]]:
    """(effect, parameter) per effect component in UI order; parameter None is the effect's on/off box."""
    return [(name, None) for name in EFFECTS] + [
        (name, param.name) for name, (_label, params) in EFFECTS.items() for param in params
    ]


def collect_options(values: list[Any]) -> dict[str, Any]:
    """Keyword options for `rvc.infer.convert` from the option components' values (see `OPTION_NAMES`)."""
    named = dict(zip(OPTION_NAMES, values[: len(OPTION_NAMES)]))
    effect_values = values[len(OPTION_NAMES) :]
    enabled = {name for (name, param), value in zip(effect_slots(), effect_values) if param is None and value}
    effects: dict[str, dict[str, float]] = {name: {} for name in EFFECTS if name in enabled}
    for (name, param), value in zip(effect_slots(), effect_values):
        if param is not None and name in enabled:
            effects[name][param] = float(value)
    seed = named["seed"]
    f0_file = named["f0_file"]
    return {
        "pitch": float(named["pitch"]),
        "f0_method": named["f0_method"],
        "index_rate": float(named["index_rate"]),
        "protect": float(named["protect"]),
        "rms_mix_rate": float(named["rms_mix_rate"]),
        "filter_radius": int(named["filter_radius"]),
        "speaker_id": int(named["speaker_id"] or 0),
        "embedder": str(named["embedder"] or DEFAULTS.embedder),
        "autotune": float(named["autotune"]),
        "split_audio": bool(named["split_audio"]),
        "formant_shift": float(named["formant_shift"]),
        "clean_strength": float(named["clean_strength"]),
        "f0_file": str(getattr(f0_file, "name", f0_file) or ""),
        "output_format": named["output_format"],
        "output_sr": None if named["output_sr"] in (None, "", VOICE_RATE) else int(named["output_sr"]),
        "device": named["device"],
        "half": bool(named["half"]),
        "seed": None if seed in (None, "") else int(seed),
        "effects": effects,
    }


def output_path_for(source: str, voice: str, fmt: str) -> Path:
    """A new file in the output folder named `<input>_<voice>.<fmt>` (numbered when it exists)."""
    from rvc.settings import ensure_output_dir

    folder = ensure_output_dir()
    base = f"{Path(source).stem}_{Path(voice).stem}"
    candidate = folder / f"{base}.{fmt}"
    number = 2
    while candidate.exists():
        candidate = folder / f"{base}_{number}.{fmt}"
        number += 1
    return candidate


def _error_text(error: Exception) -> str:
    """One line for the page; unexpected errors are logged with their traceback."""
    if isinstance(error, RVCError):
        return f"Error: {error}"
    log.exception("conversion failed", exc_info=error)
    first_line = next(iter(str(error).splitlines()), "")
    return f"Unexpected error ({type(error).__name__}: {first_line}); details are in the console."


def _timing_text(timings: dict[str, float]) -> str:
    return ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in timings.items())


def convert_single(voice: str, index: str, upload: str | None, typed_path: str, *values: Any, progress=None):
    """Convert the uploaded (or typed) file -> (audio for the player, file to download, status line)."""
    from rvc.infer import convert
    from rvc.infer.pipeline import ConversionStopped

    STOP.clear()
    source = upload or (typed_path or "").strip().strip('"')
    if not voice:
        return None, None, "Error: choose a voice first (voices are listed from the logs folder; press Refresh)."
    if not source:
        return None, None, "Error: choose an input: upload or record audio, or type the path of an audio file."
    try:
        options = collect_options(list(values))
        fmt = options["output_format"] or "wav"
        report = (lambda fraction, text: progress(fraction, desc=text)) if progress is not None else None
        result = convert(
            source,
            output_path_for(source, voice, fmt),
            voice,
            index_path=index or "",
            progress=report,
            should_stop=STOP.is_set,
            **options,
        )
    except ConversionStopped:
        return None, None, "Stopped: the conversion was cancelled and nothing was written."
    except Exception as error:  # noqa: BLE001 - the page shows one line, the console the traceback
        return None, None, _error_text(error)
    notes = "".join(f" Note: {note}." for note in result.notes)
    status = (
        f"Done: {result.path} ({result.duration:.1f} s at {result.sample_rate} Hz) in "
        f"{result.timings['total']:.1f} s [{_timing_text(result.timings)}].{notes}"
    )
    return str(result.path), str(result.path), status


def convert_batch(voice: str, index: str, input_dir: str, output_dir: str, *values: Any, progress=None) -> str:
    """Convert a folder -> a status text listing converted and failed files."""
    from rvc.infer import convert_folder

    STOP.clear()
    if not voice:
        return "Error: choose a voice first (voices are listed from the logs folder; press Refresh)."
    if not (input_dir or "").strip() or not (output_dir or "").strip():
        return "Error: fill in both the input folder and the output folder."
    try:
        options = collect_options(list(values))
        report = (lambda fraction, text: progress(fraction, desc=text)) if progress is not None else None
        result = convert_folder(
            input_dir.strip(),
            output_dir.strip(),
            voice,
            index_path=index or "",
            progress=report,
            should_stop=STOP.is_set,
            **options,
        )
    except Exception as error:  # noqa: BLE001 - the page shows one line, the console the traceback
        return _error_text(error)
    lines = [
        f"{len(result.converted)} converted, {len(result.failed)} failed" + (" (stopped)" if result.stopped else "")
    ]
    lines += [f"converted: {item.path}" for item in result.converted]
    lines += [f"failed: {source.name}: {reason}" for source, reason in result.failed]
    return "\n".join(lines)


def request_stop() -> str:
    """Ask the running conversion to stop at its next step."""
    STOP.set()
    return "Stopping after the current step..."


def describe_voice(voice: str) -> str:
    """A one-line summary of the voice file, or why it cannot be read."""
    if not voice:
        return ""
    from rvc.models import read_voice_file

    try:
        summary = read_voice_file(voice).summary()
    except RVCError as error:
        return f"Error: {error}"
    pitch = "with pitch" if summary["f0"] else "no pitch (pitch options are ignored)"
    return (
        f"**{summary['name']}**: {summary['sample_rate']} Hz, {summary['version']}, {summary['vocoder']}, {pitch}, "
        f"speakers 0..{summary['speakers'] - 1}, embedder {summary['embedder'] or 'not recorded (contentvec?)'}."
    )


def on_voice_change(voice: str):
    """Pair the index with the chosen voice and describe the voice."""
    return gr.update(value=match_index(voice, index_choices()) or None), describe_voice(voice)


def refresh_lists(voice: str, index: str):
    """Re-scan the logs folder for voices and indexes, keeping the current choices."""
    return gr.update(choices=voice_choices(), value=voice or None), gr.update(
        choices=index_choices(), value=index or None
    )


def unload() -> tuple:
    """Free the loaded models and clear both pickers."""
    from rvc.infer.cache import MODELS

    MODELS.clear()
    return gr.update(value=None), gr.update(value=None), "Models unloaded."


def _option_components() -> list[gr.components.Component]:
    """The option controls, in `OPTION_NAMES` order followed by the effect controls (`effect_slots`)."""
    with gr.Row():
        pitch = gr.Slider(
            -24,
            24,
            value=DEFAULTS.pitch,
            step=1,
            label="Pitch (semitones)",
            info="+12 = one octave up (e.g. male to female), -12 = one octave down.",
        )
        f0_method = gr.Dropdown(
            PITCH_METHODS,
            value=DEFAULTS.f0_method,
            label="Pitch method",
            allow_custom_value=True,
            info="rmvpe: best all-round; fcpe: fast; crepe: smooth; pm/harvest/dio: classic, CPU.",
        )
    with gr.Row():
        index_rate = gr.Slider(
            0,
            1,
            value=DEFAULTS.index_rate,
            step=0.01,
            label="Index rate",
            info="Share of the voice's training features mixed in: more = closer timbre and accent.",
        )
        protect = gr.Slider(0, 0.5, value=DEFAULTS.protect, step=0.01, label="Protect consonants", info=PROTECT_INFO)
        rms_mix_rate = gr.Slider(
            0,
            1,
            value=DEFAULTS.rms_mix_rate,
            step=0.01,
            label="Volume envelope",
            info="1 keeps the converted loudness curve; 0 copies the input's loudness curve.",
        )
    with gr.Accordion("More options", open=False):
        with gr.Row():
            filter_radius = gr.Slider(
                0,
                7,
                value=DEFAULTS.filter_radius,
                step=1,
                label="Pitch median filter",
                info="Median over 2·N+1 frames; removes pitch glitches. 0 = off.",
            )
            speaker_id = gr.Number(value=DEFAULTS.speaker_id, precision=0, minimum=0, label="Speaker ID")
            embedder = gr.Dropdown(
                list(prerequisites.EMBEDDERS),
                value=DEFAULTS.embedder,
                allow_custom_value=True,
                label="Embedder",
                info="Must match the one the voice was trained with; or a folder path.",
            )
        with gr.Row():
            autotune = gr.Slider(
                0,
                1,
                value=DEFAULTS.autotune,
                step=0.05,
                label="Autotune strength",
                info="Pulls the pitch to the nearest semitone. 0 = off, 1 = hard snap (for singing).",
            )
            formant_shift = gr.Slider(
                0.5,
                2,
                value=DEFAULTS.formant_shift,
                step=0.05,
                label="Formant shift",
                info="Scales the input's formants before conversion. 1 = off; >1 brighter.",
            )
            clean_strength = gr.Slider(
                0,
                1,
                value=DEFAULTS.clean_strength,
                step=0.05,
                label="Noise reduction",
                info="Removes steady background noise from the output. 0 = off.",
            )
        with gr.Row():
            split_audio = gr.Checkbox(
                value=DEFAULTS.split_audio,
                label="Split at silences",
                info="Convert only the non-silent parts; silences stay silent.",
            )
            f0_file = gr.File(label="F0 file (optional)", file_types=[".txt", ".csv"], type="filepath")
        with gr.Row():
            output_format = gr.Radio(list(OUTPUT_FORMATS), value="wav", label="Output format")
            output_sr = gr.Dropdown([VOICE_RATE, *map(str, OUTPUT_RATES)], value=VOICE_RATE, label="Output sample rate")
            device = gr.Dropdown(
                list(DEVICES),
                value=DEFAULTS.device,
                allow_custom_value=True,
                label="Device",
                info="auto = CUDA GPU when present.",
            )
            half = gr.Checkbox(value=DEFAULTS.half, label="Half precision (CUDA)")
            seed = gr.Number(value=None, precision=0, label="Seed", info="Empty = random; a number repeats the result.")
    effect_controls: dict[tuple[str, str | None], gr.components.Component] = {}
    with gr.Accordion("Post effects", open=False):
        for name, (label, params) in EFFECTS.items():
            with gr.Row():
                effect_controls[(name, None)] = gr.Checkbox(value=False, label=label, scale=1)
                for param in params:
                    effect_controls[(name, param.name)] = gr.Slider(
                        param.low, param.high, value=param.default, step=param.step, label=param.label, scale=2
                    )
    ordered = [
        pitch,
        f0_method,
        index_rate,
        protect,
        rms_mix_rate,
        filter_radius,
        speaker_id,
        embedder,
        autotune,
        split_audio,
        formant_shift,
        clean_strength,
        f0_file,
        output_format,
        output_sr,
        device,
        half,
        seed,
    ]
    return ordered + [effect_controls[slot] for slot in effect_slots()]


def build() -> None:
    """Add the tab's components to the current `gr.Tab`."""
    with gr.Row():
        voice = gr.Dropdown(voice_choices(), value=None, label="Voice", allow_custom_value=True, scale=3)
        index = gr.Dropdown(index_choices(), value=None, label="Index", allow_custom_value=True, scale=3)
        refresh = gr.Button("Refresh", scale=1)
        unload_button = gr.Button("Unload", scale=1)
    voice_info = gr.Markdown()
    options = _option_components()
    with gr.Tab("Single"):
        with gr.Row():
            upload = gr.Audio(label="Input audio", type="filepath", sources=["upload", "microphone"])
            typed_path = gr.Textbox(label="...or the path of an audio file", placeholder="/path/to/song.wav")
        with gr.Row():
            convert_button = gr.Button("Convert", variant="primary")
            stop_single = gr.Button("Stop", variant="stop")
        status = gr.Textbox(label="Status", interactive=False)
        with gr.Row():
            player = gr.Audio(label="Converted audio", type="filepath", interactive=False)
            download = gr.File(label="Download", interactive=False)
    with gr.Tab("Batch"):
        with gr.Row():
            input_dir = gr.Textbox(label="Input folder", placeholder="/path/to/folder of audio files")
            output_dir = gr.Textbox(label="Output folder", placeholder="/path/to/results")
        with gr.Row():
            batch_button = gr.Button("Convert folder", variant="primary")
            stop_batch = gr.Button("Stop", variant="stop")
        batch_status = gr.Textbox(label="Results", lines=8, interactive=False)

    def run_single(*args, progress=gr.Progress()):  # noqa: B008 - gradio injects it
        return convert_single(*args, progress=progress)

    def run_batch(*args, progress=gr.Progress()):  # noqa: B008 - gradio injects it
        return convert_batch(*args, progress=progress)

    voice.change(on_voice_change, inputs=voice, outputs=[index, voice_info])
    refresh.click(refresh_lists, inputs=[voice, index], outputs=[voice, index])
    unload_button.click(unload, outputs=[voice, index, status])
    convert_button.click(
        run_single, inputs=[voice, index, upload, typed_path, *options], outputs=[player, download, status]
    )
    batch_button.click(run_batch, inputs=[voice, index, input_dir, output_dir, *options], outputs=batch_status)
    stop_single.click(request_stop, outputs=status, queue=False)
    stop_batch.click(request_stop, outputs=batch_status, queue=False)
