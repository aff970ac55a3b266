"""Utilities tab: voice-file information and metadata, pitch curves, audio analysis and the dataset check.

Each section is a thin layer over `rvc.tools` (the functions behind `rvc edit-voice`, `f0`, `analyze`
and `check-dataset`); files it makes go to `<output folder>/utilities/`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import gradio as gr

from rvc.errors import RVCError
from rvc.infer.library import voice_choices
from rvc.infer.options import ConversionOptions
from tabs.dataset_check_ui import build_dataset_check
from tabs.option_controls import option_control

log = logging.getLogger(__name__)


def _error_text(error: Exception) -> str:
    """One line for the page; unexpected errors are logged with their traceback."""
    if isinstance(error, RVCError):
        return f"Error: {error}"
    log.exception("utility failed", exc_info=error)
    return f"Unexpected error ({type(error).__name__}: {error}); details are in the console."


def _work_dir() -> Path:
    from rvc.settings import ensure_output_dir

    folder = ensure_output_dir() / "utilities"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _source(upload: str | None, typed: str) -> str:
    """The uploaded file, else the typed path; RVCError when neither is given."""
    source = upload or (typed or "").strip().strip('"')
    if not source:
        raise RVCError("Choose an audio file: upload one, or type its path.")
    return source


def show_voice(voice: str) -> tuple[str, str, str, str, str]:
    """(information text, name, author, description, suggested new file) of the chosen voice."""
    from rvc.commands.info import format_summary
    from rvc.tools.voice_metadata import describe_voice

    voice = (voice or "").strip().strip('"')
    if not voice:
        return "Error: choose a voice file, or type its path.", "", "", "", ""
    try:
        details = describe_voice(voice)
    except Exception as error:  # noqa: BLE001 - shown as one line
        return _error_text(error), "", "", "", ""
    text = f"{format_summary(details)}\nDescription     {details['description'] or 'none'}"
    suggested = str(Path(voice).with_name(f"{Path(voice).stem}_edited.pth"))
    return text, details["name"], details["author"] or "", details["description"] or "", suggested


def save_voice_edit(
    voice: str, name: str, author: str, description: str, save_as: str, in_place: bool, overwrite: bool = False
) -> str:
    """Write the edited voice (only the fields that differ from the file) and say where it went; an existing
    'save as' file is replaced only with `overwrite`."""
    from rvc.tools.voice_metadata import describe_voice, edit_voice_metadata

    voice = (voice or "").strip().strip('"')
    try:
        if not voice:
            raise RVCError("Choose a voice file first, then press Show.")
        current = describe_voice(voice)
        wanted = {"name": name, "author": author, "description": description}
        changes = {field: value for field, value in wanted.items() if (value or "") != (current[field] or "")}
        path = edit_voice_metadata(
            voice, None if in_place else save_as, in_place=in_place, overwrite=overwrite, **changes
        )
    except Exception as error:  # noqa: BLE001 - shown as one line
        return _error_text(error)
    return f"Saved {path} ({', '.join(changes)} changed)."


def extract_curve(upload: str | None, typed: str, method: str, progress=None) -> tuple[str | None, str | None, str]:
    """(plot PNG, F0 file, status) of the chosen audio with the chosen pitch method."""
    from rvc.infer.cache import resolve_device
    from rvc.tools import plots
    from rvc.tools.analyze import pitch_range
    from rvc.tools.pitch_curve import pitch_curve_of_file, write_f0_file

    try:
        source = _source(upload, typed)
        if progress is not None:
            progress(0.1, desc=f"pitch ({method})")
        curve = pitch_curve_of_file(source, method, device=str(resolve_device("auto")))
        stem = f"{Path(source).stem}_{method}"
        csv = write_f0_file(curve, _work_dir() / f"{stem}_f0.csv", source=Path(source).name)
        png = plots.save_figure(plots.pitch_figure(curve, f"Pitch of {Path(source).name}"), _work_dir() / f"{stem}.png")
    except Exception as error:  # noqa: BLE001 - shown as one line
        return None, None, _error_text(error)
    low, median, high = pitch_range(curve.voiced)
    found = "no voiced frames" if median is None else f"{low:.0f}-{high:.0f} Hz, median {median:.0f} Hz"
    status = (
        f"{len(curve.hz)} frames of 10 ms, {len(curve.voiced)} voiced ({found}). "
        "Use the CSV as the F0 file in the Inference tab."
    )
    return str(png), str(csv), status


def analyze(upload: str | None, typed: str, method: str) -> tuple[str, str | None, str | None]:
    """(report text, waveform PNG, spectrogram PNG) of the chosen audio."""
    from rvc.infer.cache import resolve_device
    from rvc.tools.analyze import analyze_audio, format_report, write_plots

    try:
        source = _source(upload, typed)
        report = analyze_audio(source, method, str(resolve_device("auto")))
        written = write_plots(source, _work_dir())
    except Exception as error:  # noqa: BLE001 - shown as one line
        return _error_text(error), None, None
    return format_report(report), str(written["waveform"]), str(written["spectrogram"])


def _audio_inputs() -> tuple[gr.Audio, gr.Textbox]:
    """An upload box and, for files on this machine, a path box."""
    upload = gr.Audio(label="Audio file", type="filepath", sources=["upload"])
    typed = gr.Textbox(label="...or the path of an audio file on this machine", placeholder="/path/to/audio.wav")
    return upload, typed


def _voice_section() -> None:
    with gr.Row():
        voice = gr.Dropdown(
            voice_choices(), label="Voice file", allow_custom_value=True, scale=4, info="A .pth voice; or type a path."
        )
        refresh = gr.Button("Refresh", scale=1)
        show = gr.Button("Show", variant="primary", scale=1)
    info = gr.Code(label="Voice information", language=None, interactive=False, lines=17)
    gr.Markdown("**Edit** the name, author or description; the result is saved as a new file unless you tick below.")
    with gr.Row():
        name = gr.Textbox(label="Name")
        author = gr.Textbox(label="Author")
    description = gr.Textbox(label="Description", lines=2)
    with gr.Row():
        save_as = gr.Textbox(label="Save as (new .pth file)", scale=4)
        overwrite = gr.Checkbox(label="Allow overwriting an existing file of that name", value=False, scale=1)
        in_place = gr.Checkbox(label="Rewrite the original file instead", value=False, scale=1)
    save = gr.Button("Save voice")
    saved = gr.Markdown()
    gr.on(None, lambda: gr.Dropdown(choices=voice_choices()), None, voice, api_visibility="private")  # page load
    refresh.click(lambda: gr.Dropdown(choices=voice_choices()), outputs=voice)
    show.click(show_voice, inputs=voice, outputs=[info, name, author, description, save_as])
    save.click(save_voice_edit, inputs=[voice, name, author, description, save_as, in_place, overwrite], outputs=saved)


def _pitch_section() -> None:
    gr.Markdown(
        "The pitch over time, as conversion extracts it. The CSV (`seconds,Hz` lines, 0 = unvoiced) is the "
        "F0-file format the Inference tab accepts: edit it and convert with it to control the melody."
    )
    upload, typed = _audio_inputs()
    method = option_control(ConversionOptions, "f0_method")
    run = gr.Button("Extract pitch curve", variant="primary")
    status = gr.Markdown()
    plot = gr.Image(label="Pitch curve", type="filepath", interactive=False)
    csv = gr.File(label="F0 file (CSV)", interactive=False)

    def extract(upload, typed, method, progress=gr.Progress()):  # noqa: B008 - gradio injects it
        return extract_curve(upload, typed, method, progress)

    run.click(extract, inputs=[upload, typed, method], outputs=[plot, csv, status])


def _analyzer_section() -> None:
    from rvc.tools.analyze import DEFAULT_PITCH_METHOD

    upload, typed = _audio_inputs()
    method = option_control(ConversionOptions, "f0_method", DEFAULT_PITCH_METHOD)
    run = gr.Button("Analyze", variant="primary")
    report = gr.Code(label="Analysis", language=None, interactive=False, lines=9)
    waveform = gr.Image(label="Waveform", type="filepath", interactive=False)
    spectrogram = gr.Image(label="Spectrogram", type="filepath", interactive=False)
    run.click(analyze, inputs=[upload, typed, method], outputs=[report, waveform, spectrogram])


def _dataset_section() -> None:
    gr.Markdown(
        "Check a training dataset before preprocessing: usable minutes, files too short or long, clipped, silent, "
        "unreadable or noisy, mixed sample rates and the pitch range, with what to do about each finding."
    )
    folder = gr.Textbox(label="Dataset folder", placeholder="/path/to/recordings")
    build_dataset_check(folder)


def build() -> None:
    """Add the tab's components to the current `gr.Tab`."""
    with gr.Tabs():
        with gr.Tab("Voice info"):
            _voice_section()
        with gr.Tab("Pitch curve"):
            _pitch_section()
        with gr.Tab("Audio analyzer"):
            _analyzer_section()
        with gr.Tab("Dataset check"):
            _dataset_section()
