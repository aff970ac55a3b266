"""Realtime tab: speak and hear the converted voice live, from this computer's audio devices or the page's microphone.

The voice and index pickers and the conversion options are the Inference tab's own builders (without the options
a stream does not use, `NOT_STREAMED`: those controls stay hidden at their defaults); the stream
settings (block, crossfade, ...) are generated from `rvc.realtime.settings.StreamSettings`. Local devices run
`rvc.realtime.devices.run_devices` in a thread per browser session, with a timer polling its readout; the
browser microphone runs in the page (`realtime_client.js`) against the routes of `tabs.realtime_server`.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from rvc.errors import RVCError
from rvc.infer.library import index_choices, voice_choices
from rvc.infer.options import ConversionOptions
from rvc.realtime import engine_loader
from rvc.realtime.settings import NOT_STREAMED, StreamSettings
from tabs import conversion_presets_ui, inference
from tabs.option_controls import option_control, option_value, ui_option_names

log = logging.getLogger(__name__)

RATES = (16000, 22050, 32000, 44100, 48000)
SYSTEM_DEFAULT = -1
"""Device picker value for "the system's default device" (and "no monitor")."""
READOUT_SECONDS = 0.5
SETTINGS_PER_ROW = 4
"""Stream-setting sliders side by side in one row."""
ABOUT = (
    "Speak and hear the converted voice live. **Browser microphone**: the page's microphone is converted on the "
    "server and played back here; this works when the app runs on another computer, but browsers give the "
    "microphone only to **https://** pages and to **http://localhost** / **http://127.0.0.1** (use a reverse "
    "proxy with https, or `--share`, for a remote app). **This computer's audio devices**: a microphone of the "
    "machine running the app, played to its speakers or to a virtual cable (VB-Cable, BlackHole, a PulseAudio "
    "null sink) that Discord or OBS can pick as a microphone. Use headphones: a speaker heard by the "
    "microphone feeds back. Same as `python -m rvc realtime`."
)
_MODULE = "new URL('realtime/client.js', document.baseURI)"
START_JS = f"async (config) => {{ const client = await import({_MODULE}); await client.start(config); }}"
STOP_JS = f"async () => {{ const client = await import({_MODULE}); await client.stop(); }}"
UPDATE_JS = f"async (config) => {{ const client = await import({_MODULE}); await client.update(config); }}"


def settings_names() -> list[str]:
    """The stream settings with a control (StreamSettings fields offered in the UI)."""
    return ui_option_names(StreamSettings)


def _split(values: tuple[Any, ...]) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """(conversion options, stream settings, record?) from control values in `inference.control_keys()`,
    `settings_names()`, record order."""
    keys, names = inference.control_keys(), settings_names()
    if len(values) != len(keys) + len(names) + 1:
        raise TypeError(f"expected {len(keys) + len(names) + 1} values, got {len(values)}")
    options = inference.collect_options(dict(zip(keys, values[: len(keys)], strict=True)))
    settings = {
        name: option_value(StreamSettings, name, raw)
        for name, raw in zip(names, values[len(keys) : len(keys) + len(names)], strict=True)
    }
    return options, settings, bool(values[-1])


def stream_config(voice: str, *values: Any) -> tuple[str, str | None, str]:
    """The browser stream's first message as JSON, the recording name (None when not recording) and a status line.

    An empty JSON text means "do not start" (the status says why).
    """
    if not voice:
        return "", None, "Error: choose a voice first (voices are listed from the logs folder; press Refresh)."
    try:
        options, settings, record = _split(values)
        ConversionOptions(**options)
    except Exception as error:  # noqa: BLE001 - the page shows one line
        return "", None, inference.error_text(error)
    token = secrets.token_hex(16) if record else None
    config = {"voice": voice, "options": options, "settings": settings, "record": token}
    return json.dumps(config), token, "Starting the browser microphone (allow it when the browser asks)…"


def options_config(voice: str, *values: Any) -> str:
    """`stream_config`'s JSON alone: what the page sends to change the options of its running stream."""
    return stream_config(voice, *values)[0]


def browser_stopped(token: str | None) -> tuple[str | None, str]:
    """After the page stopped: the recording (if one was made) and a status line."""
    from tabs.realtime_server import recording_path

    if token:
        path = recording_path(token)
        if path.is_file():
            return str(path), f"Stopped. Recording: {path}"
    return None, "Stopped."


@dataclass
class LocalStream:
    """A local-device stream running in its thread: its stop flag, latest readout, error and recording."""

    engine: Any
    voice: str
    stop: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    readout: dict | None = None
    error: str | None = None
    recording: Path | None = None


class LocalStreams:
    """The local-device streams, one per browser session (owner: this tab)."""

    def __init__(self) -> None:
        self._streams: dict[str, LocalStream] = {}
        self._lock = threading.Lock()

    def start(
        self, session: str, engine: Any, voice: str, devices: tuple[int | None, int | None, int | None]
    ) -> LocalStream:
        """Run `engine` (converting with `voice`) on (input, output, monitor) devices in a thread; RVCError when the
        session runs one already."""
        from rvc.realtime.devices import run_devices

        with self._lock:
            running = self._streams.get(session)
            if running is not None and not running.done.is_set():
                raise RVCError("a stream is already running in this page; press Stop first")
            stream = self._streams[session] = LocalStream(engine, voice)

        def report(readout: dict) -> None:
            stream.readout = readout

        def run() -> None:
            try:
                run_devices(engine, *devices, stream.stop, report)
            except RVCError as error:
                stream.error = str(error)
            except Exception as error:  # noqa: BLE001 - shown in the readout; the app keeps running
                stream.error = inference.error_text(error)
            finally:
                if hasattr(engine, "close"):
                    stream.recording = engine.close()
                stream.done.set()

        threading.Thread(target=run, name=f"rvc-realtime-{session[:8]}", daemon=True).start()
        return stream

    def running(self, session: str) -> bool:
        """Whether the session's stream runs now."""
        stream = self.get(session)
        return stream is not None and not stream.done.is_set()

    def get(self, session: str) -> LocalStream | None:
        """The session's stream (running or finished), if any."""
        with self._lock:
            return self._streams.get(session)

    def stop(self, session: str) -> LocalStream | None:
        """Stop the session's stream and wait for its devices to close; the stream, or None when there was none."""
        with self._lock:
            stream = self._streams.pop(session, None)
        if stream is not None:
            stream.stop.set()
            stream.done.wait(timeout=15)
        return stream


LOCAL = LocalStreams()


def _device(value: Any) -> int | None:
    """A device picker's value as a device index (None = the system default / no monitor)."""
    if value in (None, "") or int(value) == SYSTEM_DEFAULT:
        return None
    return int(value)


def device_updates() -> tuple[Any, Any, Any, str]:
    """Refreshed input, output and monitor pickers and a note (why no devices are listed, when none are)."""
    from rvc.realtime.devices import device_label, list_devices

    try:
        devices = list_devices()
        note = "" if devices else "No audio devices found on this computer; use the browser microphone."
    except RVCError as error:
        devices, note = [], f"Error: {error}"
    inputs = [(device_label(device), device["index"]) for device in devices if device["inputs"]]
    outputs = [(device_label(device), device["index"]) for device in devices if device["outputs"]]
    default = [("system default", SYSTEM_DEFAULT)]
    return (
        gr.update(choices=default + inputs, value=SYSTEM_DEFAULT),
        gr.update(choices=default + outputs, value=SYSTEM_DEFAULT),
        gr.update(choices=[("none", SYSTEM_DEFAULT), *outputs], value=SYSTEM_DEFAULT),
        note,
    )


def start_local(
    voice: str, input_device: Any, output_device: Any, monitor_device: Any, rate: Any, *values: Any, session: str = ""
) -> tuple[str, Any]:
    """Open the engine and stream this computer's devices -> (status line, timer update)."""
    if not voice:
        return "Error: choose a voice first (voices are listed from the logs folder; press Refresh).", gr.update()
    from rvc.realtime.devices import resolve_devices

    try:
        options, settings, record = _split(values)
        devices = (_device(input_device), _device(output_device), _device(monitor_device))
        if LOCAL.running(session):
            raise RVCError("a stream is already running in this page; press Stop first")
        resolve_devices(int(rate), *devices)
        engine = engine_loader.open_engine(voice, options, settings, int(rate))
        if record:
            from rvc.realtime.recording import RecordingConverter
            from rvc.settings import ensure_output_dir

            engine = RecordingConverter(engine, ensure_output_dir() / f"realtime_{secrets.token_hex(8)}.wav")
        LOCAL.start(session, engine, voice, devices)
    except Exception as error:  # noqa: BLE001 - the page shows one line
        return inference.error_text(error), gr.update(active=False)
    return f"Starting the audio devices at {int(rate)} Hz…", gr.update(active=True)


def local_readout(session: str = "") -> tuple[str, Any]:
    """The running stream's readout line (or why it ended) and the timer (stopped once the stream ended)."""
    from rvc.realtime.blocks import readout_text

    stream = LOCAL.get(session)
    if stream is None:
        return "Not running.", gr.update(active=False)
    if stream.error:
        return f"Error: {stream.error}", gr.update(active=False)
    if stream.done.is_set():
        return "Stopped.", gr.update(active=False)
    return ("Streaming: " + readout_text(stream.readout)) if stream.readout else "Starting…", gr.update()


def stop_local(session: str = "") -> tuple[str, str | None, Any]:
    """Stop this session's device stream -> (status line, recording file, timer update)."""
    from rvc.realtime.blocks import readout_text

    stream = LOCAL.stop(session)
    if stream is None:
        return "Nothing to stop: no device stream of yours is running.", None, gr.update(active=False)
    if stream.error:
        return f"Error: {stream.error}", None, gr.update(active=False)
    summary = f" Last readout: {readout_text(stream.readout)}" if stream.readout else ""
    recording = str(stream.recording) if stream.recording else None
    return f"Stopped.{summary}", recording, gr.update(active=False)


def apply_options(voice: str, *values: Any, session: str = "") -> str:
    """Send the voice and conversion options to this session's running device stream (the page's own stream gets
    them from the browser)."""
    stream = LOCAL.get(session)
    if stream is None or stream.done.is_set():
        return "Options sent to the browser stream (if one runs); no device stream of yours is running."
    engine = getattr(stream.engine, "converter", stream.engine)
    try:
        if not voice:
            raise RVCError("choose a voice first (voices are listed from the logs folder; press Refresh)")
        options, _settings, _record = _split(values)
        engine_loader.update_engine(engine, options, voice if voice != stream.voice else None)
        stream.voice = voice
    except Exception as error:  # noqa: BLE001 - the page shows one line
        return inference.error_text(error)
    return "Voice and options applied to the running stream (stream settings such as the block size apply at the next Start)."


def _shown_file(path: str | None) -> Any:
    """The recording picker showing `path`, hidden when there is none."""
    return gr.update(value=path, visible=path is not None)


def _settings_controls() -> list[gr.components.Component]:
    """One control per stream setting, `SETTINGS_PER_ROW` to a row (all seven in one row cut off their range
    labels)."""
    names = settings_names()
    controls = []
    for start in range(0, len(names), SETTINGS_PER_ROW):
        with gr.Row():
            controls += [option_control(StreamSettings, name) for name in names[start : start + SETTINGS_PER_ROW]]
    return controls


def build() -> dict[str, gr.components.Component]:
    """Add the tab's components to the current `gr.Tab`; return the option controls keyed as in `control_keys()`."""
    gr.Markdown(ABOUT)
    with gr.Row():
        voice = gr.Dropdown(
            voice_choices(), value=None, label="Voice", allow_custom_value=True, scale=3, elem_id="realtime-voice"
        )
        index = option_control(ConversionOptions, "index_path", choices=index_choices(), scale=3)
        refresh = gr.Button("Refresh", scale=1)
    voice_info = gr.Markdown()
    with gr.Tab("Browser microphone"):
        with gr.Row():
            browser_start = gr.Button("Start", variant="primary", elem_id="realtime-browser-start")
            browser_stop = gr.Button("Stop", variant="stop", elem_id="realtime-browser-stop")
        gr.HTML(
            '<div id="realtime-browser-readout" data-state="idle">Not running. The microphone needs an https:// '
            "page or http://localhost.</div>"
        )
        config = gr.Textbox(visible=False)
        token = gr.State(None)
    with gr.Tab("This computer's audio devices"):
        with gr.Row():
            input_device = gr.Dropdown([], label="Input (microphone)", scale=2)
            output_device = gr.Dropdown([], label="Output (speakers or a virtual cable)", scale=2)
            monitor_device = gr.Dropdown([], label="Monitor (optional second output)", scale=2)
        with gr.Row():
            rate = gr.Radio(list(RATES), value=48000, label="Device sample rate (Hz)", scale=3)
            refresh_devices = gr.Button("Refresh devices", scale=1)
        device_note = gr.Markdown()
        with gr.Row():
            local_start = gr.Button("Start", variant="primary", elem_id="realtime-local-start")
            local_stop = gr.Button("Stop", variant="stop", elem_id="realtime-local-stop")
        readout = gr.Textbox(label="Live readout", interactive=False, elem_id="realtime-local-readout")
    with gr.Row():
        status = gr.Textbox(label="Status", interactive=False, elem_id="realtime-status", scale=3)
        recording = gr.File(label="Recording", interactive=False, elem_id="realtime-recording", visible=False, scale=1)
    with gr.Row():
        record = gr.Checkbox(False, label="Record the converted stream (a wav file in the output folder)")
        apply_button = gr.Button("Apply voice and option changes to the running stream", size="sm")
    with gr.Accordion("Stream: block size, crossfade, silence gate, gains", open=True):
        settings = _settings_controls()
    with gr.Column(elem_id="realtime-options"):
        connect_presets = conversion_presets_ui.build()
        controls = {"index_path": index, **inference.build_option_controls(hidden=NOT_STREAMED)}
    connect_presets([controls[key] for key in inference.control_keys()])
    values = [*(controls[key] for key in inference.control_keys()), *settings, record]
    timer = gr.Timer(READOUT_SECONDS, active=False)

    def run_local(request: gr.Request, *inputs):
        return start_local(*inputs, session=inference.session_of(request))

    def poll(request: gr.Request):
        return local_readout(session=inference.session_of(request))

    def halt_local(request: gr.Request):
        text, path, timer_update = stop_local(session=inference.session_of(request))
        return text, _shown_file(path), timer_update

    def browser_done(token: str | None):
        path, text = browser_stopped(token)
        return _shown_file(path), text

    def apply(request: gr.Request, *inputs):
        return apply_options(*inputs, session=inference.session_of(request))

    private = {"api_visibility": "private"}
    voice.change(inference.on_voice_change, inputs=voice, outputs=[index, voice_info], **private)
    gr.on(None, inference.list_choices, None, [voice, index], **private)
    refresh.click(inference.refresh_lists, inputs=[voice, index], outputs=[voice, index], **private)
    browser_start.click(stream_config, inputs=[voice, *values], outputs=[config, token, status], **private).then(
        None, inputs=config, js=START_JS, **private
    )
    browser_stop.click(None, js=STOP_JS, **private).then(
        browser_done, inputs=token, outputs=[recording, status], **private
    )
    devices_out = [input_device, output_device, monitor_device, device_note]
    refresh_devices.click(device_updates, outputs=devices_out, **private)
    gr.on(None, device_updates, outputs=devices_out, **private)
    local_start.click(
        run_local,
        inputs=[voice, input_device, output_device, monitor_device, rate, *values],
        outputs=[status, timer],
        **private,
    )
    timer.tick(poll, outputs=[readout, timer], **private)
    local_stop.click(halt_local, outputs=[status, recording, timer], **private)
    apply_button.click(apply, inputs=[voice, *values], outputs=status, **private).then(
        options_config, inputs=[voice, *values], outputs=config, **private
    ).then(None, inputs=config, js=UPDATE_JS, **private)
    return controls
