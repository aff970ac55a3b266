"""Local audio devices (PortAudio through `sounddevice`): list them, and stream a microphone through a converter
to an output (a speaker or a virtual cable), with an optional monitor on a second output.

The PortAudio callback never waits for the model: it queues the captured samples for a worker thread and
plays what the worker has finished (silence and a counted underrun when nothing is ready). The backend is
the `sounddevice` module unless another object with the same functions is passed (tests use a fake one).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from types import ModuleType
from typing import Any

import numpy as np

from rvc.errors import RVCError
from rvc.realtime.blocks import (
    PLAY_DEPTH,
    BlockConverter,
    BlockQueue,
    PlayQueue,
    StreamMeter,
    convert_timed,
)

REPORT_SECONDS = 0.5
"""How often `run_devices` hands a readout to its `report` callback."""
PORTAUDIO_FIX = (
    "PortAudio, the audio-device library, is not installed: install it (Debian/Ubuntu: sudo apt-get install "
    "libportaudio2; Fedora/Arch: the portaudio package) or run ./run-install.sh as root. The browser microphone "
    "mode of the Realtime tab works without it."
)


def load_backend() -> ModuleType:
    """The `sounddevice` module; RVCError naming the package to install when PortAudio or sounddevice is missing."""
    try:
        import sounddevice
    except OSError as error:  # sounddevice raises OSError when it cannot find the PortAudio library
        raise RVCError(f"{PORTAUDIO_FIX} ({error})") from None
    except ImportError:
        raise RVCError("the sounddevice package is missing: run ./run-install.sh (or run-install.bat)") from None
    return sounddevice


def list_devices(backend: Any = None) -> list[dict]:
    """Every audio device: index, name, inputs and outputs (channel counts) and default_rate (Hz)."""
    backend = backend or load_backend()
    return [
        {
            "index": int(info.get("index", position)),
            "name": str(info["name"]),
            "inputs": int(info["max_input_channels"]),
            "outputs": int(info["max_output_channels"]),
            "default_rate": int(info["default_samplerate"]),
        }
        for position, info in enumerate(backend.query_devices())
    ]


def device_label(device: dict) -> str:
    """ "3: USB Mic (in 1, out 0, 48000 Hz)" for pickers and messages."""
    return f"{device['index']}: {device['name']} (in {device['inputs']}, out {device['outputs']}, {device['default_rate']} Hz)"


def _default_index(backend: Any, kind: str) -> int:
    """The system's default input (`kind` "input") or output device index; RVCError when there is none."""
    default = backend.default.device  # an (input, output) pair, or one index for both
    try:
        index = default[0 if kind == "input" else 1]
    except (TypeError, IndexError):
        index = default
    if index is None or int(index) < 0:
        raise RVCError(f"there is no default {kind} device: choose one (list them with `python -m rvc realtime "
                       "--list-devices` or Refresh in the Realtime tab)")  # fmt: skip
    return int(index)


def pick_device(devices: list[dict], index: int, kind: str) -> dict:
    """Device `index` checked to have `kind` ("input" or "output") channels; RVCError naming the choices if not."""
    channels = "inputs" if kind == "input" else "outputs"
    usable = [device for device in devices if device[channels] > 0]
    for device in devices:
        if device["index"] == index:
            if device[channels] > 0:
                return device
            raise RVCError(f"audio device {device_label(device)} has no {kind} channels; choose an {kind} device: "
                           + "; ".join(map(device_label, usable)))  # fmt: skip
    listed = "; ".join(map(device_label, usable)) or "none found"
    raise RVCError(f"there is no audio device {index}; {kind} devices: {listed}")


def check_rate(backend: Any, device: dict, kind: str, rate: int) -> None:
    """RVCError when `device` refuses `rate` Hz mono float32 for `kind` ("input" or "output")."""
    check = backend.check_input_settings if kind == "input" else backend.check_output_settings
    try:
        check(device=device["index"], channels=1, dtype="float32", samplerate=rate)
    except Exception as error:  # noqa: BLE001 - PortAudioError or ValueError: the device says no
        raise RVCError(
            f"audio device {device_label(device)} refuses {rate} Hz for {kind} ({error}); choose another rate "
            f"(its own is {device['default_rate']} Hz) or another device"
        ) from None


def resolve_devices(
    rate: int, input_device: int | None, output_device: int | None, monitor_device: int | None, backend: Any = None
) -> tuple[dict, dict, dict | None]:
    """(input, output, monitor or None) device records, checked to exist, to have the channels and to take `rate`.

    None for the input or output means the system default. Raises RVCError naming the problem and the choices.
    """
    backend = backend or load_backend()
    devices = list_devices(backend)
    source = pick_device(devices, _default_index(backend, "input") if input_device is None else input_device, "input")
    target = pick_device(
        devices, _default_index(backend, "output") if output_device is None else output_device, "output"
    )
    monitor = None if monitor_device is None else pick_device(devices, monitor_device, "output")
    check_rate(backend, source, "input", rate)
    for device in filter(None, (target, monitor)):
        check_rate(backend, device, "output", rate)
    return source, target, monitor


class DevicePump:
    """The audio callbacks and the conversion worker of one device stream.

    `callback` follows sounddevice's duplex contract `(indata, outdata, frames, time, status)` and
    `monitor_callback` the output-only one `(outdata, frames, time, status)`; neither waits for the model.
    """

    def __init__(self, converter: BlockConverter, monitor: bool = False) -> None:
        self.converter = converter
        self.meter = StreamMeter(converter)
        self.inputs = BlockQueue(converter.block_samples)
        self.output = PlayQueue(PLAY_DEPTH * converter.block_samples)
        self.monitor = PlayQueue(PLAY_DEPTH * converter.block_samples) if monitor else None
        self.error: BaseException | None = None
        self.callback_errors = 0

    def callback(self, indata: np.ndarray, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        """Queue the captured block, play the newest converted audio (silence when none is ready)."""
        try:
            if status:
                self.meter.xrun()
            captured, plays_at = _buffer_times(time_info)
            self.inputs.push(np.asarray(indata, dtype=np.float32).mean(axis=1), captured, self.converter.rate)
            samples, source = self.output.take(frames)
            self.meter.played(source, plays_at)
            outdata[:] = samples[:, None]
        except Exception:  # noqa: BLE001 - an exception here would stop PortAudio; play silence instead
            self.callback_errors += 1
            outdata.fill(0)

    def monitor_callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        """Play the converted audio on the monitor output too."""
        try:
            samples, _source = self.monitor.take(frames)
            outdata[:] = samples[:, None]
        except Exception:  # noqa: BLE001 - see `callback`
            self.callback_errors += 1
            outdata.fill(0)

    def work(self, halt: threading.Event) -> None:
        """Convert queued blocks until `halt` is set; a converter error is kept in `error` and sets `halt`."""
        while not halt.is_set():
            item = self.inputs.pop(timeout=0.05)
            if item is None:
                continue
            block, captured = item
            try:
                out = convert_timed(self.converter, self.meter, block)
            except BaseException as error:  # noqa: BLE001 - reported by run_devices after the streams close
                self.error = error
                halt.set()
                return
            self.output.put(out, captured)
            if self.monitor is not None:
                self.monitor.put(out, captured)

    def readout(self) -> dict:
        """The meter's figures with the queues' counts (dropped input and output blocks, underruns) and the
        callbacks that failed (each played silence)."""
        dropped = self.inputs.dropped + self.output.dropped
        return {
            **self.meter.readout(dropped=dropped, underruns=self.output.underruns),
            "callback_errors": self.callback_errors,
        }


def _play_channels(device: dict) -> int:
    """Output channels to open: stereo where the device has it (the mono signal goes to both), else mono."""
    return min(2, device["outputs"])


def _buffer_times(time_info: Any) -> tuple[float, float]:
    """(capture time of this callback's input, play time of its output) on PortAudio's stream clock, or both
    the process clock's now where the backend gives no times (they are then equal, one clock either way)."""
    captured = getattr(time_info, "inputBufferAdcTime", 0.0) or 0.0
    plays_at = getattr(time_info, "outputBufferDacTime", 0.0) or 0.0
    if captured and plays_at:
        return captured, plays_at
    now = time.perf_counter()
    return now, now


def run_devices(
    engine: BlockConverter,
    input_device: int | None,
    output_device: int | None,
    monitor_device: int | None,
    stop: threading.Event,
    report: Callable[[dict], None],
    *,
    backend: Any = None,
    report_seconds: float = REPORT_SECONDS,
) -> None:
    """Stream `input_device` through `engine` to `output_device` (None = the system default) until `stop` is set.

    `monitor_device` also plays the converted audio; `report` gets a readout every `report_seconds` and a last
    one at the end. Raises RVCError for an unknown device, a refused rate, a missing PortAudio, or a converter
    that failed (after the streams are closed).
    """
    backend = backend or load_backend()
    rate = int(engine.rate)
    source, target, monitor = resolve_devices(rate, input_device, output_device, monitor_device, backend)
    pump = DevicePump(engine, monitor=monitor is not None)
    halt = threading.Event()
    worker = threading.Thread(target=pump.work, args=(halt,), name="rvc-realtime-convert", daemon=True)
    common = {"samplerate": rate, "blocksize": engine.block_samples, "dtype": "float32", "latency": "low"}
    try:
        with ExitStack() as streams:
            try:
                streams.enter_context(
                    backend.Stream(
                        device=(source["index"], target["index"]),
                        channels=(1, _play_channels(target)),
                        callback=pump.callback,
                        **common,
                    )
                )
                if monitor is not None:
                    streams.enter_context(
                        backend.OutputStream(
                            device=monitor["index"],
                            channels=_play_channels(monitor),
                            callback=pump.monitor_callback,
                            **common,
                        )
                    )
            except Exception as error:  # noqa: BLE001 - PortAudio refusing to open a stream
                raise RVCError(f"cannot open the audio devices ({error}); check the device choice and rate") from None
            worker.start()
            while not stop.wait(report_seconds) and not halt.is_set():
                report(pump.readout())
    finally:
        halt.set()
        if worker.is_alive():
            worker.join(timeout=10)
    report(pump.readout())
    if pump.error is not None:
        if isinstance(pump.error, RVCError):
            raise pump.error
        raise RVCError(f"realtime conversion stopped: {type(pump.error).__name__}: {pump.error}") from pump.error
