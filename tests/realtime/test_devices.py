"""The device front-end against a fake sounddevice (no audio hardware): order, pacing, underruns, errors."""

from __future__ import annotations

import builtins
import threading

import numpy as np
import pytest
import soundfile as sf

from rvc.errors import RVCError
from rvc.realtime import devices
from rvc.realtime.blocks import readout_text
from rvc.realtime.devices import list_devices, load_backend, run_devices
from rvc.realtime.recording import RecordingConverter
from tests.realtime.fake_audio import FakeBackend, Passthrough

RATE = 16000
BLOCK = 1600  # 0.1 s


def ramp(seconds: float) -> np.ndarray:
    """Distinct non-zero samples, so any reordering, gap or repeat in the output shows."""
    count = int(seconds * RATE)
    return (0.05 + 0.9 * np.arange(count) / count).astype(np.float32)


def stream_for(backend: FakeBackend, engine, seconds: float, monitor: int | None = None) -> list[dict]:
    """Run the devices for `seconds` of wall time; the readouts `report` received."""
    stop = threading.Event()
    readouts: list[dict] = []
    timer = threading.Timer(seconds, stop.set)
    timer.start()
    run_devices(engine, 0, 1, monitor, stop, readouts.append, backend=backend, report_seconds=0.1)
    return readouts


def test_list_devices_reads_names_channels_and_rates():
    listed = list_devices(FakeBackend())
    assert listed[2] == {"index": 2, "name": "Fake cable", "inputs": 2, "outputs": 2, "default_rate": 44100}
    assert [device["inputs"] for device in listed] == [1, 0, 2]


def test_passthrough_plays_the_input_in_order_one_block_late_without_underruns():
    source = ramp(2.0)
    backend = FakeBackend(source)
    engine = Passthrough(RATE, BLOCK, latency=0.15)
    readouts = stream_for(backend, engine, 1.0)
    main = backend.streams[0]
    assert main.device == (0, 1) and main.blocksize == BLOCK and main.samplerate == RATE and main.closed
    played = main.output()
    start = int(np.flatnonzero(played)[0])
    assert start % BLOCK == 0 and start <= 2 * BLOCK
    heard = played[start:]
    heard = heard[: np.flatnonzero(heard)[-1] + 1]
    assert len(heard) >= 5 * BLOCK
    np.testing.assert_array_equal(heard, source[: len(heard)])
    last = readouts[-1]
    assert last["underruns"] == 0 and last["dropped"] == 0
    assert last["blocks"] >= 5 and engine.calls == last["blocks"]
    assert last["algorithmic"] == 0.15 and last["block"] == pytest.approx(0.1)
    # The fake stream's clock: captured one period before the callback, played 10 ms after it.
    assert 0.1 + 0.05 <= last["latency"] <= 0.1 + 0.05 + 0.01 + 0.1 * (start // BLOCK) + 0.05
    assert len(readouts) >= 3


def test_monitor_plays_the_same_converted_audio():
    backend = FakeBackend(ramp(2.0))
    stream_for(backend, Passthrough(RATE, BLOCK), 0.8, monitor=2)
    main, monitor = backend.streams
    assert monitor.device == 2 and not monitor.duplex and monitor.channels == 2
    heard, echoed = main.output(), monitor.output()
    heard, echoed = heard[heard != 0], echoed[echoed != 0]
    shared = min(len(heard), len(echoed))
    assert shared >= 3 * BLOCK
    np.testing.assert_array_equal(heard[:shared], echoed[:shared])


def test_a_slow_model_counts_underruns_and_drops_while_the_callback_never_waits():
    backend = FakeBackend(ramp(3.0))
    engine = Passthrough(RATE, BLOCK, delay=0.25)  # 2.5x slower than real time
    last = stream_for(backend, engine, 1.2)[-1]
    main = backend.streams[0]
    assert last["underruns"] >= 2
    assert last["dropped"] >= 1
    assert last["compute_mean"] >= 0.25 and last["load"] >= 2.4
    assert max(main.callback_seconds) < 0.05  # the model takes 250 ms a block; the callback never waits for it
    played = main.output()
    assert not np.isnan(played).any()
    assert (played == 0).sum() >= 2 * BLOCK  # silence where nothing was ready
    assert "too slow: a block takes longer to convert than to play" in readout_text(last)
    keeping_up = stream_for(FakeBackend(ramp(1.0)), Passthrough(RATE, BLOCK), 0.5)[-1]
    assert keeping_up["blocks"] >= 3 and "too slow" not in readout_text(keeping_up)


def test_unknown_device_names_the_choices():
    with pytest.raises(RVCError, match=r"there is no audio device 7; input devices: 0: Fake mic .*2: Fake cable"):
        run_devices(Passthrough(), 7, 1, None, threading.Event(), print, backend=FakeBackend())
    with pytest.raises(RVCError, match="Fake speakers .* has no input channels; choose an input device"):
        run_devices(Passthrough(), 1, 1, None, threading.Event(), print, backend=FakeBackend())
    with pytest.raises(RVCError, match="Fake mic .* has no output channels"):
        run_devices(Passthrough(), 0, 1, 0, threading.Event(), print, backend=FakeBackend())


def test_a_refused_rate_is_named_with_the_device_rate():
    backend = FakeBackend(refused={1: {16000}})
    with pytest.raises(RVCError, match=r"Fake speakers .* refuses 16000 Hz for output .*its own is 48000 Hz"):
        run_devices(Passthrough(), None, None, None, threading.Event(), print, backend=backend)
    assert backend.streams == []


def test_a_failing_converter_closes_the_streams_and_reports_why():
    class Broken(Passthrough):
        def process(self, block):
            raise RuntimeError("model exploded")

    backend = FakeBackend(ramp(1.0))
    with pytest.raises(RVCError, match="realtime conversion stopped: RuntimeError: model exploded"):
        stream_for(backend, Broken(RATE, BLOCK), 5.0)
    assert backend.streams[0].closed


def test_missing_portaudio_names_the_package(monkeypatch):
    real_import = builtins.__import__

    def no_portaudio(name, *args, **kwargs):
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(__import__("sys").modules, "sounddevice", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_portaudio)
    with pytest.raises(RVCError, match="sudo apt-get install libportaudio2.*browser microphone"):
        load_backend()


def test_real_portaudio_lists_devices_without_hardware():
    pytest.importorskip("sounddevice", reason="PortAudio is not installed here", exc_type=OSError)
    found = devices.list_devices()
    assert all({"index", "name", "inputs", "outputs", "default_rate"} == set(device) for device in found)


def test_recording_keeps_every_converted_block(tmp_path):
    recorder = RecordingConverter(Passthrough(RATE, BLOCK), tmp_path / "take.wav")
    blocks = [np.full(BLOCK, 0.1 * (n + 1), dtype=np.float32) for n in range(3)]
    for block in blocks:
        np.testing.assert_array_equal(recorder.process(block), block)
    assert recorder.close() == tmp_path / "take.wav"
    recorder.process(blocks[0])  # after close: converted, not written
    audio, rate = sf.read(tmp_path / "take.wav", dtype="float32")
    assert rate == RATE and recorder.block_samples == BLOCK
    np.testing.assert_allclose(audio, np.concatenate(blocks), atol=1 / 32767)


def test_a_silent_microphone_is_named_in_the_readout():
    backend = FakeBackend(np.zeros(RATE, dtype=np.float32))
    last = stream_for(backend, Passthrough(RATE, BLOCK), 0.5)[-1]
    assert last["blocks"] >= 2 and last["input_db"] == -90.0
    assert readout_text(last).endswith(
        "input -90 dB | no input signal: check the microphone, its mute switch and the input device"
    )
    loud = stream_for(FakeBackend(ramp(1.0)), Passthrough(RATE, BLOCK), 0.5)[-1]
    assert "no input signal" not in readout_text(loud) and -20 < loud["input_db"] < 0


def test_the_real_portaudio_without_hardware_says_there_is_no_default_device():
    pytest.importorskip("sounddevice", reason="PortAudio is not installed here", exc_type=OSError)
    if any(device["inputs"] for device in devices.list_devices()):
        pytest.skip("this machine has an audio input")
    with pytest.raises(RVCError, match="there is no default input device: choose one"):
        run_devices(Passthrough(), None, None, None, threading.Event(), print)


def test_a_failing_callback_plays_silence_and_is_counted():
    pump = devices.DevicePump(Passthrough(RATE, BLOCK))
    out = np.ones((4, 2), dtype=np.float32)
    pump.callback(None, out, 4, None, None)
    assert not out.any() and pump.readout()["callback_errors"] == 1
