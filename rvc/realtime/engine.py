"""The streaming engine: blocks of device-rate samples in, blocks of converted samples out, no I/O.

    models = load_models("logs/alice/alice.pth", options)
    engine = StreamEngine(models, options, StreamSettings(block=0.25), rate=48000)
    out = engine.process(block)          # float32 [engine.block_samples] in and out

Per block: input gain; silence gate (a quiet block is not converted and the previous one fades out);
the window of recent input is resampled to 16 kHz and high-passed like offline input; pitch is estimated
only for the new frames (plus a few at the previous edge) and kept in a cache, then transposed,
autotuned and median-filtered over the window like offline; content features, index and protect over the
window (`rvc.realtime.render`); the tail is vocoded, resampled to the device rate, aligned by SOLA and
crossfaded onto the previous block (`rvc.realtime.sola`); output gain; clip to ±1. The volume envelope
(`rms_mix_rate`) matches the tail's loudness to the same stretch of input, as offline does over the whole file.
The engine renders one silent window when made, so the first real block does not pay the first-call costs.
Options that need the whole recording or cost too much per block (`OFFLINE_ONLY`: formant shift, proposed
pitch, split, noise reduction, effects, F0 file) are not applied to a stream.
Everything a stream remembers lives on its engine; `process`, `update` and `reset` take one lock.
"""

from __future__ import annotations

import threading

import numpy as np

from rvc.errors import RVCError
from rvc.infer.options import ConversionOptions
from rvc.infer.pipeline import (
    HIGH_PASS_HZ,
    SAMPLE_RATE,
    WINDOW,
    LoadedModels,
    StageTimer,
    check_compatible,
    mix_envelope,
    process_pitch,
)
from rvc.realtime.layout import plan_layout
from rvc.realtime.render import LatentNoise, render_tail, window_features
from rvc.realtime.settings import OFFLINE_ONLY, StreamSettings
from rvc.realtime.sola import SolaJoiner

PITCH_CONTEXT_FRAMES = 24
"""Frames of older audio the pitch estimator sees left of the frames it refreshes (240 ms)."""
PITCH_REFRESH_FRAMES = 4
"""Frames at the end of the previous block estimated again, now with audio after them."""
SILENT_DB = -200.0


def offline_only(options: ConversionOptions) -> list[str]:
    """The names of `OFFLINE_ONLY` options set away from their defaults in `options`."""
    defaults = ConversionOptions()
    return [name for name in OFFLINE_ONLY if getattr(options, name) != getattr(defaults, name)]


def level_db(samples: np.ndarray) -> float:
    """RMS level of `[N]` in dBFS (-200 for digital silence)."""
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if samples.size else 0.0
    return 20.0 * np.log10(rms) if rms > 0 else SILENT_DB


def gain(db: float) -> float:
    """Linear factor of a gain in dB."""
    return float(10.0 ** (db / 20.0))


class StreamEngine:
    """One stream's conversion state: the input window, pitch cache, latent draws and the previous block's tail."""

    def __init__(self, models: LoadedModels, options: ConversionOptions, settings: StreamSettings, rate: int) -> None:
        check_compatible(models, options)
        self.settings = settings
        self.layout = plan_layout(settings, rate)
        self.rate = rate
        self.block_samples = self.layout.block_samples
        self.latency = self.layout.latency
        self._models = models
        self._options = options
        self._lock = threading.Lock()
        self.timings: dict[str, float] = {}
        """Seconds spent per stage (input, pitch, features, retrieval, synthesis, vocoder, output, join) since made."""
        self.rendered = 0
        """Blocks converted (not gated as silence) since made."""
        self._timer = StageTimer(self.timings)
        self._reset()
        self._render()
        self._reset()
        self.timings.clear()

    def reset(self) -> None:
        """Forget the stream so far (input, pitch, latent draws, previous block), as if just started."""
        with self._lock:
            self._reset()

    def update(self, options: ConversionOptions | None = None, models: LoadedModels | None = None) -> None:
        """Change the options and/or models between two blocks (pitch, index rate, voice, ...); checked first.

        `models` must be loaded for the options (`rvc.infer.conversion.load_models(voice, options)`).
        """
        with self._lock:
            new_options = options or self._options
            new_models = models or self._models
            check_compatible(new_models, new_options)
            self._options, self._models = new_options, new_models

    @property
    def options(self) -> ConversionOptions:
        """The conversion options in use."""
        return self._options

    @property
    def models(self) -> LoadedModels:
        """The models in use."""
        return self._models

    def process(self, block: np.ndarray) -> np.ndarray:
        """Mono float32 `[block_samples]` at the device rate -> the next converted `[block_samples]`."""
        samples = np.asarray(block, dtype=np.float32)
        if samples.shape != (self.block_samples,):
            raise RVCError(
                f"The stream gave a block of shape {samples.shape}, but this engine takes mono blocks of exactly "
                f"{self.block_samples} samples ({self.block_samples / self.rate:.3f} s at {self.rate} Hz): "
                "set the audio device's block size to engine.block_samples."
            )
        with self._lock:
            return self._process(np.nan_to_num(samples))

    def _reset(self) -> None:
        layout = self.layout
        self._input = np.zeros(layout.window_samples, dtype=np.float32)
        self._raw_f0 = np.zeros(layout.window_frames)
        self._noise = LatentNoise(layout.window_frames, self._options.seed)
        self._joiner = SolaJoiner(layout.block_samples, layout.crossfade_samples, layout.sola_samples)

    def _process(self, samples: np.ndarray) -> np.ndarray:
        layout = self.layout
        samples = samples * gain(self.settings.input_gain_db)
        self._input = np.concatenate((self._input[layout.block_samples :], samples))
        self._raw_f0 = np.concatenate((self._raw_f0[layout.block_frames :], np.zeros(layout.block_frames)))
        self._noise.shift(layout.block_frames)
        if level_db(samples) < self.settings.silence_db:
            out = self._joiner.fade_to_silence()
        else:
            rendered = self._render()
            with self._timer("join"):
                out = self._joiner.join(rendered)
            self.rendered += 1
        return np.clip(out * gain(self.settings.output_gain_db), -1.0, 1.0).astype(np.float32)

    def _render(self) -> np.ndarray:
        """The window's converted tail at the device rate: `[crossfade + search + block]` samples for SOLA."""
        from rvc.audio import high_pass, resample

        layout, models, options, timer = self.layout, self._models, self._options, self._timer
        with timer("input"):
            wav16k = resample(self._input, self.rate, SAMPLE_RATE)
            wav16k = high_pass(wav16k, SAMPLE_RATE, HIGH_PASS_HZ, zero_phase=True)
        with timer("pitch"):
            f0 = self._pitch(wav16k) if models.voice.use_f0 else None
        feats = window_features(wav16k, models, options, f0, layout.tail_frames, timer)
        audio = render_tail(models, feats, f0, options, self._noise, layout.tail_frames, timer)
        with timer("output"):
            tail16k = wav16k[-layout.tail_frames * WINDOW :]
            audio = mix_envelope(tail16k, audio, models.voice.sample_rate, options.rms_mix_rate)
            audio = resample(audio, models.voice.sample_rate, self.rate)
        return audio[-layout.output_samples :]

    def _pitch(self, wav16k: np.ndarray) -> np.ndarray:
        """Estimate the newest frames into the cache; the window's track after transposition etc. `[frames]`."""
        from rvc.features.f0 import extract_f0

        frames = self.layout.window_frames
        refresh = min(self.layout.block_frames + PITCH_REFRESH_FRAMES, frames)
        context = min(PITCH_CONTEXT_FRAMES, frames - refresh)
        segment = wav16k[-(context + refresh) * WINDOW :]
        raw = extract_f0(segment, self._options.f0_method, hop=WINDOW, device=str(self._models.device))
        self._raw_f0[-refresh:] = raw[context : context + refresh]
        return process_pitch(self._raw_f0, self._options)
