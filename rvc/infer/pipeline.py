"""The conversion itself, on arrays: 16 kHz input audio + loaded models + options -> audio at the voice's rate.

Steps (see `convert_wav16k`): optional formant shift; 48 Hz zero-phase high-pass; peak guard; optional split
into non-silent stretches; per stretch 1 s reflect padding and pitch over the whole padded stretch; the proposed
key from every stretch's pitch; per stretch the pitch edits (autotune, transpose, F0-file override, median
filter), cuts at quiet points every ~38 s; per piece content features,
index blend, ×2 upsampling to the 10 ms pitch frames, protect, synthesis; loudness-envelope mix; peak guard.
No file I/O and no UI here: `rvc.infer.convert` reads and writes files around it.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from rvc.errors import RVCError
from rvc.infer.options import ConversionOptions

SAMPLE_RATE = 16000
WINDOW = 160
PAD = SAMPLE_RATE
SEGMENT_CENTER = 38 * SAMPLE_RATE
SEGMENT_QUERY = 6 * SAMPLE_RATE
SEGMENT_MAX = 41 * SAMPLE_RATE
MIN_SAMPLES = 400
INPUT_PEAK = 0.95
OUTPUT_PEAK = 0.99
HIGH_PASS_HZ = 48.0
SPLIT_TOP_DB = 60.0
SPLIT_FRAME = 4000
SPLIT_HOP = 2000
ENVELOPE_FLOOR = 1e-6

Progress = Callable[[float, str], None]


class ConversionStopped(RVCError):
    """The user stopped the conversion; nothing was written."""


@dataclass
class LoadedModels:
    """What a conversion runs on: the voice, the content embedder and the optional index, all on `device`."""

    voice: object
    embedder: object
    index: object | None
    device: object


class StageTimer:
    """Adds up wall-clock seconds per named stage into `totals`."""

    def __init__(self, totals: dict[str, float] | None = None) -> None:
        self.totals = {} if totals is None else totals

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        """Time the block and add it to `stage`."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.totals[stage] = self.totals.get(stage, 0.0) + time.perf_counter() - start


def output_length(n_samples: int, sample_rate: int) -> int:
    """Samples at `sample_rate` that `n_samples` at 16 kHz last."""
    return round(n_samples * sample_rate / SAMPLE_RATE)


def quiet_cuts(audio: np.ndarray) -> list[int]:
    """Cut points `[0, c1, ..., N]` of 16 kHz `[N]`: near every 38 s, the quietest 10 ms frame within ±6 s.

    Audio up to 41 s stays whole. Cuts fall on multiples of the 160-sample pitch hop.
    """
    n = len(audio)
    if n <= SEGMENT_MAX:
        return [0, n]
    frames = n // WINDOW
    energy = np.square(audio[: frames * WINDOW].astype(np.float64)).reshape(frames, WINDOW).sum(axis=1)
    cuts = [0]
    for nominal in range(SEGMENT_CENTER, n, SEGMENT_CENTER):
        low = max((nominal - SEGMENT_QUERY) // WINDOW, cuts[-1] // WINDOW + 1)
        high = min((nominal + SEGMENT_QUERY) // WINDOW, frames)
        if low >= high:
            continue
        cuts.append(int(low + np.argmin(energy[low:high])) * WINDOW)
    cuts.append(n)
    return cuts


def nonsilent_spans(audio: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) samples of the stretches of 16 kHz `[N]` louder than 60 dB below the loudest 0.25 s frame."""
    n = len(audio)
    padded = np.pad(audio.astype(np.float64), SPLIT_FRAME // 2)
    starts = np.arange(0, n + 1, SPLIT_HOP)
    windows = np.lib.stride_tricks.sliding_window_view(padded, SPLIT_FRAME)[starts[starts + SPLIT_FRAME <= len(padded)]]
    rms = np.sqrt(np.mean(np.square(windows), axis=1))
    if rms.max(initial=0.0) <= 0:
        return []
    loud = 20 * np.log10(np.maximum(rms, 1e-12) / rms.max()) > -SPLIT_TOP_DB
    spans, start = [], None
    for frame, is_loud in enumerate(np.append(loud, False)):
        if is_loud and start is None:
            start = frame
        elif not is_loud and start is not None:
            spans.append((start * SPLIT_HOP, min(frame * SPLIT_HOP, n)))
            start = None
    return [(a, b) for a, b in spans if b - a >= MIN_SAMPLES]


def rms_envelope(audio: np.ndarray, sample_rate: int, length: int) -> np.ndarray:
    """Loudness of `[N]` over 1 s frames every 0.5 s (centred), interpolated to `length` points spanning it."""
    hop = sample_rate // 2
    frame = 2 * hop
    padded = np.pad(audio.astype(np.float64), hop)
    count = len(audio) // hop + 1
    squares = np.concatenate([[0.0], np.cumsum(np.square(padded))])
    starts = np.arange(count) * hop
    ends = np.minimum(starts + frame, len(padded))
    rms = np.sqrt((squares[ends] - squares[starts]) / frame)
    frame_positions = np.arange(count) * hop / max(len(audio), 1)
    return np.interp(np.arange(length) / max(length, 1), frame_positions, rms)


def mix_envelope(source16k: np.ndarray, converted: np.ndarray, sample_rate: int, rate: float) -> np.ndarray:
    """Give `converted` the input's loudness curve to the degree 1 - `rate` (1 = unchanged, 0 = input's)."""
    if rate >= 1.0:
        return converted
    source = rms_envelope(source16k, SAMPLE_RATE, len(converted))
    own = np.maximum(rms_envelope(converted, sample_rate, len(converted)), ENVELOPE_FLOOR)
    gain = np.power(source, 1.0 - rate) * np.power(own, rate - 1.0)
    return (converted * gain).astype(np.float32)


def process_pitch(
    f0: np.ndarray,
    options: ConversionOptions,
    f0_file: tuple[np.ndarray, np.ndarray] | None = None,
    offset_frames: float = 0.0,
    key: int = 0,
) -> np.ndarray:
    """Raw Hz per frame -> the track the voice sings: autotune, transpose by `key` + Pitch semitones, F0-file
    override, median filter."""
    from rvc.infer import pitch

    f0 = pitch.autotune(f0, options.autotune)
    f0 = pitch.transpose(f0, options.pitch + key)
    if f0_file is not None:
        f0 = pitch.apply_f0_file(f0, *f0_file, offset_frames=offset_frames)
    return pitch.median_filter(f0, options.filter_radius)


def check_compatible(models: LoadedModels, options: ConversionOptions) -> None:
    """Refuse, before any work, an index of the wrong width or a speaker the voice does not have."""
    voice = models.voice
    width = 768 if voice.version == "v2" else 256
    if models.index is not None and models.index.dim != width:
        raise RVCError(
            f"Index {models.index.path} holds {models.index.dim}-d features but {voice.path.name} is a {voice.version} "
            f"voice that uses {width}-d ones: pick the index trained with this voice, or no index."
        )
    if options.speaker_id >= voice.n_speakers:
        raise RVCError(
            f"Speaker ID {options.speaker_id} does not exist in {voice.path.name}: it has speakers "
            f"0..{voice.n_speakers - 1}."
        )


def convert_wav16k(
    wav16k: np.ndarray,
    models: LoadedModels,
    options: ConversionOptions,
    f0_file: tuple[np.ndarray, np.ndarray] | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    timings: dict[str, float] | None = None,
    notes: list[str] | None = None,
) -> np.ndarray:
    """Mono 16 kHz float32 `[N]` -> converted float32 `[round(N·sr/16000)]` at the voice's sample rate `sr`.

    What the user should know about the result (the key the proposed pitch chose) is appended to `notes`.
    """
    import torch

    from rvc.audio import high_pass, limit_peak
    from rvc.infer.effects import shift_formants
    from rvc.infer.pitch import proposed_key

    timer = StageTimer(timings)
    report = progress or (lambda fraction, text: None)
    stop = should_stop or (lambda: False)
    audio = np.asarray(wav16k, dtype=np.float32)
    if audio.ndim != 1:
        raise ValueError(f"convert_wav16k takes mono audio [N], got shape {audio.shape}")
    if len(audio) < MIN_SAMPLES:
        raise RVCError(
            f"The input is too short to convert ({len(audio) / SAMPLE_RATE * 1000:.1f} ms): "
            f"use at least {MIN_SAMPLES * 1000 // SAMPLE_RATE} ms of audio."
        )
    check_compatible(models, options)
    if options.seed is not None:
        torch.manual_seed(int(options.seed))
    with timer("prepare"):
        audio = shift_formants(audio, options.formant_shift)
        audio = limit_peak(high_pass(audio, SAMPLE_RATE, cutoff=HIGH_PASS_HZ, zero_phase=True), INPUT_PEAK)
    sample_rate = models.voice.sample_rate
    spans = nonsilent_spans(audio) if options.split_audio else [(0, len(audio))]
    total = max(sum(end - start for start, end in spans), 1)
    tracks = _raw_pitch(
        audio,
        spans,
        models,
        options,
        lambda done: report(0.1 * done / total, f"pitch ({options.f0_method})"),
        stop,
        timer,
    )
    key = 0
    if options.proposed_pitch and models.voice.use_f0:
        edge = PAD // WINDOW
        key = proposed_key(np.concatenate([track[edge:-edge] for track in tracks]), options.proposed_pitch_hz)
        if notes is not None:
            notes.append(f"proposed pitch {options.proposed_pitch_hz:g} Hz: shifted {key:+d} semitones before Pitch")
    out = np.zeros(output_length(len(audio), sample_rate), dtype=np.float32)
    done = 0
    for (start, end), raw in zip(spans, tracks, strict=True):

        def span_progress(fraction: float, text: str, base=done, length=end - start) -> None:
            report(0.1 + 0.9 * (base + fraction * length) / total, text)

        f0 = None if raw is None else process_pitch(raw, options, f0_file, (PAD - start) / WINDOW, key)
        converted = _convert_span(audio[start:end], f0, models, options, span_progress, stop, timer)
        first = output_length(start, sample_rate)
        out[first : first + len(converted)] = converted[: len(out) - first]
        done += end - start
    with timer("postprocess"):
        out = limit_peak(mix_envelope(audio, out, sample_rate, options.rms_mix_rate), OUTPUT_PEAK)
    return np.nan_to_num(out).astype(np.float32, copy=False)


def _raw_pitch(
    audio: np.ndarray,
    spans: list[tuple[int, int]],
    models: LoadedModels,
    options: ConversionOptions,
    report: Callable[[int], None],
    stop: Callable[[], bool],
    timer: StageTimer,
) -> list[np.ndarray | None]:
    """Per span, the raw pitch (Hz per 10 ms frame) of the span with its 1 s reflect padding on both sides;
    None per span for a voice without pitch guidance. `report` gets the input samples done so far."""
    from rvc.features.f0 import extract_f0

    if not models.voice.use_f0:
        return [None] * len(spans)
    tracks, done = [], 0
    for start, end in spans:
        check_stop(stop)
        report(done)
        with timer("pitch"):
            padded = np.pad(audio[start:end], PAD, mode="reflect")
            tracks.append(extract_f0(padded, options.f0_method, hop=WINDOW, device=str(models.device)))
        done += end - start
    return tracks


def _convert_span(
    audio: np.ndarray,
    f0: np.ndarray | None,
    models: LoadedModels,
    options: ConversionOptions,
    report: Progress,
    stop: Callable[[], bool],
    timer: StageTimer,
) -> np.ndarray:
    """One stretch `[n]` and the pitch of it padded (`_raw_pitch`, then processed) ->
    `[round(n·sr/16000)]` at the voice's rate."""
    voice = models.voice
    padded = np.pad(audio, PAD, mode="reflect")
    cuts = quiet_cuts(audio)
    pieces = []
    for number, (start, end) in enumerate(itertools.pairwise(cuts)):
        check_stop(stop)
        report(start / len(audio), f"converting part {number + 1} of {len(cuts) - 1}")
        segment = padded[start : end + 2 * PAD]
        segment_f0 = None if f0 is None else f0[start // WINDOW :]
        wanted = output_length(end, voice.sample_rate) - output_length(start, voice.sample_rate)
        pieces.append(_convert_segment(segment, segment_f0, wanted, models, options, timer))
    return np.concatenate(pieces)


def _convert_segment(
    segment: np.ndarray,
    f0: np.ndarray | None,
    wanted: int,
    models: LoadedModels,
    options: ConversionOptions,
    timer: StageTimer,
) -> np.ndarray:
    """A padded piece `[PAD + m + PAD]` (+ its pitch from the piece's first frame) -> the `wanted` samples of m."""
    import torch

    from rvc.features.f0 import coarse_f0
    from rvc.infer.feature_blend import blend_and_protect

    voice, device = models.voice, models.device
    dtype = next(voice.model.parameters()).dtype
    with torch.inference_mode():
        with timer("features"):
            feats = models.embedder.extract(torch.from_numpy(np.ascontiguousarray(segment))[None], voice.version)
        frames = min(len(segment) // WINDOW, 2 * feats.shape[1])
        track = None
        if f0 is not None:
            track = np.zeros(frames)
            track[: min(frames, len(f0))] = f0[:frames]
        feats = blend_and_protect(feats, models.index, options, track, frames, timer=timer)
        with timer("synthesis"):
            pitch = pitchf = None
            if track is not None:
                pitchf = torch.from_numpy(track.astype(np.float32))[None].to(device)
                pitch = torch.from_numpy(coarse_f0(track))[None].to(device)
            audio = voice.synthesize(
                feats.to(device=device, dtype=dtype),
                torch.tensor([frames], device=device),
                pitch,
                pitchf,
                torch.tensor([options.speaker_id], device=device),
                noise_scale=options.noise_scale,
                window=kept_frames(frames, wanted, voice.sample_rate),
            )
    piece = audio[0, 0, :wanted].float().cpu().numpy()
    if len(piece) < wanted:
        piece = np.pad(piece, (0, wanted - len(piece)))
    return piece


def kept_frames(frames: int, wanted: int, sample_rate: int) -> tuple[int, int]:
    """(start, stop) of the 10 ms frames of a padded piece whose audio is kept: from the end of the 1 s padding
    until `wanted` samples at `sample_rate` are covered (or the frames run out), so the padding is not vocoded."""
    start = PAD // WINDOW
    hop = sample_rate * WINDOW // SAMPLE_RATE
    if frames <= start:
        raise ValueError(f"a padded piece has at least {start + 1} frames, got {frames}")
    return start, min(frames, start + max(-(-wanted // hop), 1))


def check_stop(stop: Callable[[], bool] | None) -> None:
    """Raise `ConversionStopped` when the user asked to stop."""
    if stop is not None and stop():
        raise ConversionStopped("Conversion stopped by the user; nothing was written.")


def finish(
    audio: np.ndarray,
    sample_rate: int,
    options: ConversionOptions,
    output_sr: int | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[np.ndarray, int]:
    """Voice-rate `[N]` -> (`[M]` at `output_sr` (default the voice's rate), rate): resample, clean, effects."""
    from rvc.audio import limit_peak, resample
    from rvc.infer.effects import apply_effects, reduce_noise

    timer = StageTimer(timings)
    with timer("postprocess"):
        rate = output_sr or sample_rate
        if rate != sample_rate:
            audio = resample(audio, sample_rate, rate)
        audio = reduce_noise(audio, rate, options.clean_strength)
        audio = limit_peak(apply_effects(audio, rate, options.effects), OUTPUT_PEAK)
    return np.nan_to_num(audio).astype(np.float32, copy=False), rate
