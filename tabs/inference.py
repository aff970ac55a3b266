"""Inference tab: convert one file or a folder with a voice; one control per `rvc.infer.ConversionOptions` field.

The controls are generated from the options' metadata (`tabs.option_controls`), grouped by each option's
`group`; the index picker at the top is the `index_path` control and the post effects come from
`rvc.infer.effects.EFFECTS`. Conversions run in the Gradio worker with progress; Stop ends only the
conversion of the browser session that pressed it. Errors are shown as one readable line.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import gradio as gr

from rvc.errors import RVCError
from rvc.infer.effects import EFFECTS
from rvc.infer.library import index_choices, index_paths, match_index, resolve_voice, voice_choices
from rvc.infer.options import ConversionOptions
from rvc.option_spec import option_field, option_fields
from tabs import settings as settings_tab
from tabs.option_controls import option_control, option_value, ui_option_names

log = logging.getLogger(__name__)

OPEN_GROUPS = ("pitch", "voice and index")
"""Option groups whose section starts open; the others start folded."""
PER_ROW = 3
"""Controls side by side in one row of a section."""
EFFECTS_KEY = "effects"


class SessionStops:
    """Stop flags of the conversions running now, one per browser session (owner: this tab).

    A conversion registers its session's flag for as long as it runs; Stop sets only that flag, so one
    user's Stop never ends another user's conversion.
    """

    def __init__(self) -> None:
        self._flags: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    @contextmanager
    def job(self, session: str) -> Iterator[threading.Event]:
        """A fresh flag for the conversion `session` starts now, dropped when it ends."""
        flag = threading.Event()
        with self._lock:
            self._flags[session] = flag
        try:
            yield flag
        finally:
            with self._lock:
                if self._flags.get(session) is flag:
                    del self._flags[session]

    def stop(self, session: str) -> bool:
        """Set the flag of `session`'s running conversion; False when that session runs none."""
        with self._lock:
            flag = self._flags.get(session)
        if flag is None:
            return False
        flag.set()
        return True

    def running(self) -> list[str]:
        """Sessions with a conversion running now."""
        with self._lock:
            return list(self._flags)


STOPS = SessionStops()


def session_of(request: gr.Request | None) -> str:
    """The browser session of a call ("" for direct calls outside Gradio)."""
    return getattr(request, "session_hash", None) or ""


def half_by_default() -> bool:
    """Half precision starts on when the precision saved in the Settings tab is fp16 (read at each page load)."""
    return settings_tab.current().precision == "fp16"


def conversion_precision_by_default() -> str:
    """The conversion precision saved in the Settings tab (read at each page load)."""
    return settings_tab.current().conversion_precision


def effect_slots() -> list[tuple[str, str | None]]:
    """(effect, parameter) per effect control in UI order; parameter None is the effect's on/off box."""
    return [(name, None) for name in EFFECTS] + [
        (name, param.name) for name, (_label, params) in EFFECTS.items() for param in params
    ]


def effect_key(name: str, param: str | None = None) -> str:
    """Control key of an effect's on/off box (`effects.reverb`) or of one of its parameters (`effects.reverb.damping`)."""
    return ".".join(filter(None, (EFFECTS_KEY, name, param)))


def option_names() -> list[str]:
    """The `ConversionOptions` fields with one control each (all but `effects`), in declaration order."""
    return [item.name for item in option_fields(ConversionOptions) if item.name != EFFECTS_KEY]


def control_keys() -> list[str]:
    """Order of the option controls' values in the callbacks: `option_names()`, then the effect controls."""
    return option_names() + [effect_key(name, param) for name, param in effect_slots()]


def collect_effects(values: dict[str, Any]) -> dict[str, dict[str, float]]:
    """The `effects` mapping from the effect controls' values (keys from `effect_key`), in `EFFECTS` order."""
    return {
        name: {param.name: float(values[effect_key(name, param.name)]) for param in params}
        for name, (_label, params) in EFFECTS.items()
        if values[effect_key(name)]
    }


def collect_options(values: dict[str, Any]) -> dict[str, Any]:
    """Keyword options for `rvc.infer.convert` from the controls' values keyed by `control_keys()`."""
    options = {name: option_value(ConversionOptions, name, values[name]) for name in option_names()}
    options[EFFECTS_KEY] = collect_effects(values)
    return options


def _options_from(values: tuple[Any, ...]) -> dict[str, Any]:
    """`collect_options` of the values Gradio passes positionally in `control_keys()` order."""
    keys = control_keys()
    if len(values) != len(keys):
        raise TypeError(f"expected {len(keys)} option values, got {len(values)}")
    return collect_options(dict(zip(keys, values)))


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


def error_text(error: Exception) -> str:
    """One line for the page; unexpected errors are logged with their traceback."""
    if isinstance(error, RVCError):
        return f"Error: {error}"
    log.exception("conversion failed", exc_info=error)
    first_line = next(iter(str(error).splitlines()), "")
    return f"Unexpected error ({type(error).__name__}: {first_line}); details are in the console."


def _timing_text(timings: dict[str, float]) -> str:
    return ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in timings.items())


def _reporter(progress):
    return (lambda fraction, text: progress(fraction, desc=text)) if progress is not None else None


def convert_single(
    voice: str, upload: str | None, typed_path: str, *values: Any, request: gr.Request | None = None, progress=None
):
    """Convert the uploaded (or typed) file -> (audio for the player, file to download, status line).

    `values` are the option controls' values in `control_keys()` order.
    """
    from rvc.infer import convert
    from rvc.infer.pipeline import ConversionStopped

    source = upload or (typed_path or "").strip().strip('"')
    if not voice:
        return None, None, "Error: choose a voice first (voices are listed from the logs folder; press Refresh)."
    if not source:
        return None, None, "Error: choose an input: upload or record audio, or type the path of an audio file."
    try:
        voice = resolve_voice(voice)
        options = _options_from(values)
        fmt = options["output_format"] or "wav"
        with STOPS.job(session_of(request)) as stop:
            result = convert(
                source,
                output_path_for(source, voice, fmt),
                voice,
                progress=_reporter(progress),
                should_stop=stop.is_set,
                **options,
            )
    except ConversionStopped:
        return None, None, "Stopped: the conversion was cancelled and nothing was written."
    except Exception as error:  # noqa: BLE001 - the page shows one line, the console the traceback
        return None, None, error_text(error)
    notes = "".join(f" Note: {note}." for note in result.notes)
    status = (
        f"Done: {result.path} ({result.duration:.1f} s at {result.sample_rate} Hz) in "
        f"{result.timings['total']:.1f} s [{_timing_text(result.timings)}].{notes}"
    )
    return str(result.path), str(result.path), status


def convert_batch(
    voice: str, input_dir: str, output_dir: str, *values: Any, request: gr.Request | None = None, progress=None
) -> str:
    """Convert a folder -> a status text listing converted and failed files (`values` as in `convert_single`).

    An empty `output_dir` means a folder named after the input one inside the output folder (Settings tab).
    """
    from rvc.infer import convert_folder
    from rvc.settings import resolve_output_dir

    if not voice:
        return "Error: choose a voice first (voices are listed from the logs folder; press Refresh)."
    input_dir, output_dir = (input_dir or "").strip(), (output_dir or "").strip()
    if not input_dir:
        return "Error: fill in the input folder."
    try:
        voice = resolve_voice(voice)
        options = _options_from(values)
        output_dir = output_dir or str(resolve_output_dir() / Path(input_dir).name)
        with STOPS.job(session_of(request)) as stop:
            result = convert_folder(
                input_dir,
                output_dir,
                voice,
                progress=_reporter(progress),
                should_stop=stop.is_set,
                **options,
            )
    except Exception as error:  # noqa: BLE001 - the page shows one line, the console the traceback
        return error_text(error)
    lines = [
        f"{len(result.converted)} converted, {len(result.failed)} failed" + (" (stopped)" if result.stopped else "")
    ]
    lines += [f"converted: {item.path}" for item in result.converted]
    lines += [f"failed: {source.name}: {reason}" for source, reason in result.failed]
    return "\n".join(lines)


def request_stop(request: gr.Request | None = None) -> str:
    """Ask this session's running conversion to stop at its next step."""
    if STOPS.stop(session_of(request)):
        return "Stopping after the current step..."
    return "Nothing to stop: no conversion of yours is running."


def describe_voice(voice: str) -> str:
    """A one-line summary of the voice file, or why it cannot be read."""
    if not voice:
        return ""
    from rvc.models import read_voice_file

    try:
        summary = read_voice_file(resolve_voice(voice)).summary()
    except RVCError as error:
        return f"Error: {error}"
    pitch = "with pitch" if summary["f0"] else "no pitch (pitch options are ignored)"
    return (
        f"**{summary['name']}**: {summary['sample_rate']} Hz, {summary['version']}, {summary['vocoder']}, {pitch}, "
        f"speakers 0..{summary['speakers'] - 1}, embedder {summary['embedder'] or 'not recorded (contentvec?)'}."
    )


def on_voice_change(voice: str):
    """Pair the index with the chosen voice (a path, or a name typed in the box) and describe the voice."""
    try:
        path = resolve_voice(voice) if voice else voice
    except RVCError:
        path = voice  # an unknown name pairs with no index; the description says it was not found
    return gr.update(value=match_index(path, index_paths()) or None), describe_voice(voice)


def refresh_lists(voice: str, index: str):
    """Re-scan the logs folder for voices and indexes, keeping the current choices."""
    return gr.update(choices=voice_choices(), value=voice or None), gr.update(
        choices=index_choices(), value=index or None
    )


def list_choices() -> tuple[dict, dict]:
    """The voices and indexes now in the logs folder, for the pickers at each page load (the page itself is built
    once, when the app starts)."""
    return gr.update(choices=voice_choices()), gr.update(choices=index_choices())


def unload() -> tuple:
    """Free the loaded models and clear both pickers."""
    from rvc.infer.cache import MODELS

    MODELS.clear()
    return gr.update(value=None), gr.update(value=None), "Models unloaded."


def _option_groups() -> dict[str, list[str]]:
    """Options with a generated control (spec `ui`) per spec group, groups in order of first use.

    The two the tab builds itself (`ui=False`): the index picker beside the voice, and the effects.
    """
    groups: dict[str, list[str]] = {}
    for name in ui_option_names(ConversionOptions):
        groups.setdefault(option_field(ConversionOptions, name).spec.group, []).append(name)
    return groups


def _control(name: str, **extra: Any) -> gr.components.Component:
    """The control of option `name` (`extra` passed to the component); half precision and precision follow the
    saved settings, and the format is always named (the tab names the output file, so "from the file's extension"
    has no meaning here)."""
    if name == "half":
        return option_control(ConversionOptions, name, value=half_by_default, **extra)
    if name == "precision":
        return option_control(ConversionOptions, name, value=conversion_precision_by_default, **extra)
    if name == "output_format":
        spec = option_field(ConversionOptions, name).spec
        return option_control(ConversionOptions, name, value="wav", choices=list(spec.choices), **extra)
    return option_control(ConversionOptions, name, **extra)


def _effect_controls(visible: bool = True) -> dict[str, gr.components.Component]:
    """On/off box and parameter sliders of every post effect, keyed by `effect_key` (in a hidden section when not
    `visible`)."""
    controls: dict[str, gr.components.Component] = {}
    with gr.Accordion(option_field(ConversionOptions, EFFECTS_KEY).label, open=False, visible=visible):
        for name, (label, params) in EFFECTS.items():
            with gr.Row():
                controls[effect_key(name)] = gr.Checkbox(value=False, label=label, scale=1)
                for param in params:
                    controls[effect_key(name, param.name)] = gr.Slider(
                        param.low, param.high, value=param.default, step=param.step, label=param.label, scale=2
                    )
    return controls


def build_option_controls(hidden: Collection[str] = ()) -> dict[str, gr.components.Component]:
    """Every option control below the pickers, keyed by field name (effect controls by `effect_key`).

    Options named in `hidden` (`effects` for the effect controls) get hidden controls at their defaults, so a
    caller's values keep `control_keys()` order; a section whose options are all hidden is hidden too.
    """
    controls: dict[str, gr.components.Component] = {}
    for group, names in _option_groups().items():
        shown = [name for name in names if name not in hidden]
        with gr.Accordion(group.capitalize() or "Options", open=group in OPEN_GROUPS, visible=bool(shown)):
            for start in range(0, len(shown), PER_ROW):
                with gr.Row():
                    for name in shown[start : start + PER_ROW]:
                        controls[name] = _control(name)
            for name in names:
                if name in hidden:
                    controls[name] = _control(name, visible=False)
    controls.update(_effect_controls(visible=EFFECTS_KEY not in hidden))
    return controls


def build() -> dict[str, gr.components.Component]:
    """Add the tab's components to the current `gr.Tab`; return the option controls keyed as in `control_keys()`."""
    with gr.Row():
        voice = gr.Dropdown(voice_choices(), value=None, label="Voice", allow_custom_value=True, scale=3)
        index = option_control(ConversionOptions, "index_path", choices=index_choices(), scale=3)
        refresh = gr.Button("Refresh", scale=1)
        unload_button = gr.Button("Unload", scale=1)
    voice_info = gr.Markdown()
    from tabs import conversion_presets_ui  # it builds on this module's control keys

    connect_presets = conversion_presets_ui.build()
    controls = {"index_path": index, **build_option_controls()}
    options = [controls[key] for key in control_keys()]
    connect_presets(options)
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
            output_dir = gr.Textbox(
                label="Output folder",
                placeholder="empty: a folder named after the input one, in the output folder (Settings tab)",
            )
        with gr.Row():
            batch_button = gr.Button("Convert folder", variant="primary")
            stop_batch = gr.Button("Stop", variant="stop")
        batch_status = gr.Textbox(label="Results", lines=8, interactive=False)

    # Gradio injects the request and the progress tracker only into parameters before `*inputs`.
    def run_single(request: gr.Request, progress=gr.Progress(), *inputs):  # noqa: B008 - gradio injects it
        return convert_single(*inputs, request=request, progress=progress)

    def run_batch(request: gr.Request, progress=gr.Progress(), *inputs):  # noqa: B008 - gradio injects it
        return convert_batch(*inputs, request=request, progress=progress)

    def stop(request: gr.Request) -> str:
        return request_stop(request)

    private = {"api_visibility": "private"}
    gr.on(None, list_choices, None, [voice, index], **private)
    voice.change(on_voice_change, inputs=voice, outputs=[index, voice_info], **private)
    refresh.click(refresh_lists, inputs=[voice, index], outputs=[voice, index], **private)
    unload_button.click(unload, outputs=[voice, index, status], **private)
    convert_button.click(
        run_single, inputs=[voice, upload, typed_path, *options], outputs=[player, download, status], **private
    )
    batch_button.click(run_batch, inputs=[voice, input_dir, output_dir, *options], outputs=batch_status, **private)
    stop_single.click(stop, outputs=status, queue=False, **private)
    stop_batch.click(stop, outputs=batch_status, queue=False, **private)
    return controls
