"""A stand-in for the `sounddevice` module: devices from a table, streams that call back on a timer (no hardware).

`FakeStream` follows sounddevice's callback contract: a duplex stream calls `callback(indata, outdata, frames,
time, status)`, an output stream `callback(outdata, frames, time, status)`, every `blocksize / samplerate`
seconds from its own thread between `start` and `stop`; it is a context manager that starts and closes.
"""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import numpy as np

DEVICES = [
    {"index": 0, "name": "Fake mic", "max_input_channels": 1, "max_output_channels": 0, "default_samplerate": 48000.0},
    {
        "index": 1,
        "name": "Fake speakers",
        "max_input_channels": 0,
        "max_output_channels": 2,
        "default_samplerate": 48000.0,
    },
    {
        "index": 2,
        "name": "Fake cable",
        "max_input_channels": 2,
        "max_output_channels": 2,
        "default_samplerate": 44100.0,
    },
]


class PortAudioError(Exception):
    """What sounddevice raises when PortAudio says no."""


class FakeStream:
    """A stream whose callbacks come from a thread at the stream's pace, feeding `source` and keeping the output."""

    def __init__(self, backend, *, device, samplerate, blocksize, channels, dtype, latency, callback):
        self.backend = backend
        self.device = device
        self.samplerate = samplerate
        self.blocksize = blocksize
        self.channels = channels
        self.callback = callback
        self.duplex = isinstance(device, tuple)
        self.played: list[np.ndarray] = []
        self.callback_seconds: list[float] = []
        self.closed = False
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        backend.streams.append(self)

    def _run(self) -> None:
        period = self.blocksize / self.samplerate
        position = 0
        start = time.perf_counter()
        out_channels = self.channels[1] if self.duplex else self.channels
        while not self._halt.is_set():
            now = time.perf_counter()
            info = SimpleNamespace(currentTime=now, inputBufferAdcTime=now - period, outputBufferDacTime=now + 0.01)
            outdata = np.full((self.blocksize, out_channels), np.nan, dtype=np.float32)
            tic = time.perf_counter()
            if self.duplex:
                source = self.backend.source
                chunk = np.zeros(self.blocksize, dtype=np.float32)
                piece = source[position : position + self.blocksize]
                chunk[: len(piece)] = piece
                self.callback(chunk[:, None].copy(), outdata, self.blocksize, info, None)
            else:
                self.callback(outdata, self.blocksize, info, None)
            self.callback_seconds.append(time.perf_counter() - tic)
            self.played.append(outdata[:, 0].copy())
            position += self.blocksize
            self._halt.wait(max(0.0, start + (len(self.played)) * period - time.perf_counter()))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._halt.set()
        if self._thread.is_alive():
            self._thread.join()

    def close(self) -> None:
        self.stop()
        self.closed = True

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def output(self) -> np.ndarray:
        """Everything this stream played, in order."""
        return np.concatenate(self.played) if self.played else np.zeros(0, dtype=np.float32)


class FakeBackend:
    """The parts of the sounddevice module the device front-end uses, with `refused` rates per device index."""

    PortAudioError = PortAudioError

    def __init__(self, source: np.ndarray | None = None, refused: dict[int, set[int]] | None = None) -> None:
        self.source = np.zeros(0, dtype=np.float32) if source is None else source
        self.refused = refused or {}
        self.streams: list[FakeStream] = []
        self.default = SimpleNamespace(device=[0, 1])

    def query_devices(self):
        return [dict(device) for device in DEVICES]

    def _check(self, device, channels, dtype, samplerate):
        if samplerate in self.refused.get(device, set()):
            raise PortAudioError(f"Invalid sample rate [PaErrorCode -9997] for device {device}")

    def check_input_settings(self, device=None, channels=None, dtype=None, samplerate=None):
        self._check(device, channels, dtype, samplerate)

    def check_output_settings(self, device=None, channels=None, dtype=None, samplerate=None):
        self._check(device, channels, dtype, samplerate)

    def Stream(self, **kwargs):
        return FakeStream(self, **kwargs)

    def OutputStream(self, **kwargs):
        return FakeStream(self, **kwargs)


class Passthrough:
    """A converter that returns its input (optionally after `delay` seconds, to play a slow model)."""

    def __init__(self, rate: int = 16000, block_samples: int = 1600, latency: float | None = None, delay: float = 0.0):
        self.rate = rate
        self.block_samples = block_samples
        self.latency = block_samples / rate if latency is None else latency
        self.delay = delay
        self.calls = 0

    def process(self, block: np.ndarray) -> np.ndarray:
        assert block.shape == (self.block_samples,) and block.dtype == np.float32
        self.calls += 1
        if self.delay:
            time.sleep(self.delay)
        return block.copy()
