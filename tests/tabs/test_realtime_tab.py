"""The Realtime tab's handlers: the browser stream's first message, and local devices on a fake sounddevice."""

from __future__ import annotations

import dataclasses
import json
import time

import gradio as gr
import numpy as np
import pytest
import soundfile as sf

from rvc.errors import RVCError
from rvc.realtime import devices, engine_loader
from rvc.realtime.settings import NOT_STREAMED, StreamSettings
from tabs import inference, realtime
from tests.realtime.fake_audio import FakeBackend, Passthrough

RATE = 16000


class Tunable(Passthrough):
    """A passthrough converter that keeps the options it is updated with."""

    def __init__(self, rate: int, block_samples: int) -> None:
        super().__init__(rate, block_samples)
        self.updates = []

    def update(self, options=None, models=None):
        self.updates.append((options.pitch, models))


@pytest.fixture(scope="module")
def option_defaults():
    """The option controls' starting values in `inference.control_keys()` order (the tab built once)."""
    with gr.Blocks():
        controls = realtime.build()
    return {key: controls[key].value for key in inference.control_keys()}


def stream_defaults() -> dict:
    """Every stream setting at its default, in the tab's order."""
    return {field.name: field.default for field in dataclasses.fields(StreamSettings)}


@pytest.fixture
def values(option_defaults):
    """`values(record=..., **option changes)`: the tab's values in handler order (stream settings at their defaults
    but `block`)."""

    def make(record: bool = False, block: float = 0.1, **changes):
        options = {**option_defaults, **changes}
        settings = {**stream_defaults(), "block": block}
        return [*(options[key] for key in inference.control_keys()), *settings.values(), record]

    return make


@pytest.fixture
def fake_devices(monkeypatch):
    """A fake sounddevice with a 1 s ramp as the microphone, and converters opened by the tab in `opened`."""
    backend = FakeBackend((0.1 + 0.8 * np.arange(RATE) / RATE).astype(np.float32))
    opened = []

    def open_engine(voice, options, settings, rate):
        opened.append(Tunable(rate, round(settings["block"] * rate)))
        return opened[-1]

    monkeypatch.setattr(devices, "load_backend", lambda: backend)
    monkeypatch.setattr(engine_loader, "open_engine", open_engine)
    yield backend, opened
    realtime.LOCAL.stop("s1")


def test_the_tab_offers_the_stream_settings_and_every_conversion_option(option_defaults, monkeypatch):
    assert set(option_defaults) == set(inference.control_keys())
    assert realtime.settings_names() == [field.name for field in dataclasses.fields(StreamSettings)]


def test_the_tab_shows_only_the_options_a_stream_uses():
    with gr.Blocks():
        controls = realtime.build()
    hidden = {key for key, control in controls.items() if not control.visible}
    assert hidden == set(NOT_STREAMED) - {inference.EFFECTS_KEY}
    section = controls[inference.effect_key("reverb")]
    while not isinstance(section, gr.Accordion):
        section = section.parent
    assert section.label == "Post effects" and not section.visible
    assert {"pitch", "f0_method", "index_rate", "protect", "rms_mix_rate", "embedder", "seed"} <= set(controls) - hidden


def test_the_browser_stream_first_message_carries_voice_options_settings_and_a_recording_name(values):
    text, token, status = realtime.stream_config("logs/alice/alice.pth", *values(record=True, pitch=3))
    config = json.loads(text)
    assert config["voice"] == "logs/alice/alice.pth" and config["options"]["pitch"] == 3
    assert config["settings"] == {**stream_defaults(), "block": 0.1}
    assert config["record"] == token and len(token) == 32
    assert status.startswith("Starting the browser microphone")
    assert json.loads(realtime.stream_config("v", *values())[0])["record"] is None
    assert realtime.stream_config("", *values()) == (
        "",
        None,
        "Error: choose a voice first (voices are listed from the logs folder; press Refresh).",
    )
    text, token, status = realtime.stream_config("v", *values(pitch=99))
    assert (text, token) == ("", None) and status.startswith("Error: pitch")


def test_browser_stop_shows_the_recording_when_one_was_made(tmp_path):
    token = "cd" * 16
    assert realtime.browser_stopped(token) == (None, "Stopped.")
    path = tmp_path / "outputs" / f"realtime_{token}.wav"
    sf.write(path, np.zeros(160, np.float32), RATE)
    assert realtime.browser_stopped(token) == (str(path), f"Stopped. Recording: {path}")
    assert realtime.browser_stopped(None) == (None, "Stopped.")


def wait_for(check, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return result


def test_local_devices_start_report_change_options_stop_and_record(fake_devices, values, monkeypatch):
    backend, opened = fake_devices
    status, timer = realtime.start_local("alice", -1, 2, -1, RATE, *values(record=True), session="s1")
    assert status == "Starting the audio devices at 16000 Hz…" and timer["active"] is True
    assert backend.default.device == [0, 1]
    wait_for(lambda: backend.streams and len(backend.streams[0].played) >= 4)
    text, _timer = wait_for(lambda: (r := realtime.local_readout("s1"))[0].startswith("Streaming: latency") and r)
    assert "blocks" in text and "underruns" in text
    assert backend.streams[0].device == (0, 2) and backend.streams[0].blocksize == 1600

    again, _ = realtime.start_local("alice", -1, -1, -1, RATE, *values(), session="s1")
    assert again == "Error: a stream is already running in this page; press Stop first"
    assert realtime.apply_options("alice", *values(pitch=4), session="s1").startswith("Voice and options applied")
    assert opened[0].updates[-1] == (4, None)  # same voice: options only, the models stay
    swapped = []
    monkeypatch.setattr("rvc.infer.library.resolve_voice", lambda voice: f"logs/{voice}.pth")
    monkeypatch.setattr("rvc.infer.conversion.load_models", lambda path, options: swapped.append(path) or "bob-models")
    assert realtime.apply_options("bob", *values(), session="s1").startswith("Voice and options applied")
    assert swapped == ["logs/bob.pth"] and opened[0].updates[-1] == (0, "bob-models")
    assert realtime.apply_options("", *values(), session="s1") == (
        "Error: choose a voice first (voices are listed from the logs folder; press Refresh)"
    )

    status, recording, timer = realtime.stop_local("s1")
    assert status.startswith("Stopped. Last readout: latency") and timer["active"] is False
    assert backend.streams[0].closed
    audio, rate = sf.read(recording, dtype="float32")
    assert rate == RATE and len(audio) >= 1600 and audio.max() > 0.1
    assert realtime.local_readout("s1")[0] == "Not running."
    assert realtime.stop_local("s1")[0] == "Nothing to stop: no device stream of yours is running."


def test_bad_devices_rates_and_voices_give_one_line_and_start_nothing(fake_devices, values, monkeypatch):
    backend, opened = fake_devices
    status, timer = realtime.start_local("alice", 9, -1, -1, RATE, *values(), session="s1")
    assert status.startswith("Error: there is no audio device 9; input devices: 0: Fake mic")
    assert timer["active"] is False and opened == []
    backend.refused = {1: {RATE}}
    assert (
        "Fake speakers (in 0, out 2, 48000 Hz) refuses 16000 Hz"
        in realtime.start_local("alice", -1, -1, -1, RATE, *values(), session="s1")[0]
    )
    backend.refused = {}

    def unreadable(voice, options, settings, rate):
        raise RVCError(f"{voice}.pth is not a voice file: re-export it")

    monkeypatch.setattr(engine_loader, "open_engine", unreadable)
    assert realtime.start_local("broken", -1, -1, -1, RATE, *values(), session="s1")[0] == (
        "Error: broken.pth is not a voice file: re-export it"
    )
    assert realtime.start_local("", -1, -1, -1, RATE, *values(), session="s1")[0].startswith("Error: choose a voice")
    assert backend.streams == [] and realtime.local_readout("s1")[0] == "Not running."


def test_device_pickers_list_inputs_and_outputs_or_say_why_not(monkeypatch):
    monkeypatch.setattr(devices, "load_backend", lambda: FakeBackend())
    inputs, outputs, monitor, note = realtime.device_updates()
    assert inputs["choices"] == [
        ("system default", -1),
        ("0: Fake mic (in 1, out 0, 48000 Hz)", 0),
        ("2: Fake cable (in 2, out 2, 44100 Hz)", 2),
    ]
    assert [index for _label, index in outputs["choices"]] == [-1, 1, 2]
    assert monitor["choices"][0] == ("none", -1) and note == ""

    def no_portaudio():
        raise RVCError(devices.PORTAUDIO_FIX)

    monkeypatch.setattr(devices, "load_backend", no_portaudio)
    inputs, _outputs, _monitor, note = realtime.device_updates()
    assert inputs["choices"] == [("system default", -1)]
    assert note.startswith("Error: PortAudio, the audio-device library, is not installed")
