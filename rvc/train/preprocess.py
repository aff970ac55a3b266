"""Turn a dataset folder into the training run's slices: `sliced_audios/` and `sliced_audios_16k/`.

Per file: load at the target rate, optional 48 Hz high-pass, optional normalisation (whole file or
per slice), optional noise reduction, cut at silences into ~3 s chunks with 0.3 s overlap, then
write each chunk as float32 WAV at the target rate and at 16 kHz, named `<speaker>_<file>_<slice>.wav`.
Speakers come from the dataset's sub-folders. Unreadable files are reported and skipped. The new
slices are built beside the old ones and swapped in at the end, so a failed run leaves the previous
slices untouched; a successful one also drops the old slices' pitch, features and filelist.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from rvc import audio
from rvc.configs import SAMPLE_RATES
from rvc.errors import RVCError
from rvc.option_spec import option
from rvc.paths import check_run_name
from rvc.train.layout import RunLayout
from rvc.train.run_info import update_model_info
from rvc.train.slicer import find_segments

CUT_MODES = ("automatic", "simple", "skip")
NORMALIZE_MODES = ("none", "pre", "post")
FEATURE_RATE = 16000
HIGH_PASS_HZ = 48.0
NORMALIZE_PEAK = 0.9
NORMALIZE_MIX = 0.75
MAX_INPUT_PEAK = 2.5
MIN_SLICE_SECONDS = 0.1


@dataclass(frozen=True)
class PreprocessOptions:
    """How each file is cleaned and cut; defaults follow the reference training set-up.

    Each field's help, range and choices live in its metadata (`rvc.option_spec`): the flags of
    `python -m rvc preprocess` and the Train tab's Preprocess controls are generated from them.
    """

    sample_rate: int = option(help="target sample rate", choices=SAMPLE_RATES, ui=False)
    cut_mode: str = option(
        "automatic", help="automatic: cut at silences, then into chunks; simple: fixed chunks; skip: whole files",
        label="Audio cutting", choices=CUT_MODES,
    )  # fmt: skip
    chunk_seconds: float = option(
        3.0, help="chunk length in seconds", label="Chunk length (s)", flag="--chunk-length", metavar="SECONDS",
        low=0.5, high=30, step=0.1,
    )  # fmt: skip
    overlap_seconds: float = option(
        0.3, help="overlap between chunks in seconds, under half the chunk length", label="Overlap (s)",
        flag="--overlap", metavar="SECONDS", low=0, ui_high=0.4, step=0.1,
    )  # fmt: skip
    high_pass: bool = option(True, help="48 Hz high-pass filter", label="48 Hz high-pass", flag="--highpass")
    normalize: str = option(
        "pre", help="peak normalisation: pre = whole file, post = each slice, none", label="Normalisation",
        choices=NORMALIZE_MODES,
    )  # fmt: skip
    noise_reduction: bool = option(False, help="spectral noise reduction")
    noise_strength: float = option(
        0.7, help="noise-reduction strength 0-1", label="Noise-reduction strength", metavar="STRENGTH", low=0,
        high=1, step=0.05,
    )  # fmt: skip

    def __post_init__(self) -> None:
        if self.sample_rate not in SAMPLE_RATES:
            raise RVCError(f"Sample rate {self.sample_rate} is not supported; choose one of {_listed(SAMPLE_RATES)}.")
        if self.cut_mode not in CUT_MODES:
            raise RVCError(f"Unknown cut mode '{self.cut_mode}'; choose one of {_listed(CUT_MODES)}.")
        if self.normalize not in NORMALIZE_MODES:
            raise RVCError(f"Unknown normalisation '{self.normalize}'; choose one of {_listed(NORMALIZE_MODES)}.")
        if not 0.5 <= self.chunk_seconds <= 30.0:
            raise RVCError(f"Chunk length {self.chunk_seconds} s is out of range; choose 0.5 to 30 s.")
        if not 0.0 <= self.overlap_seconds < self.chunk_seconds / 2:
            raise RVCError(f"Overlap {self.overlap_seconds} s must be at least 0 and under half the chunk length.")
        if not 0.0 <= self.noise_strength <= 1.0:
            raise RVCError(f"Noise-reduction strength {self.noise_strength} is out of range; choose 0 to 1.")


@dataclass
class PreprocessResult:
    """What a preprocess run produced: counts, seconds of input audio, speakers and skipped files."""

    run_dir: Path
    files: int
    slices: int
    seconds: float
    speakers: dict[str, int]
    failures: list[tuple[Path, str]] = field(default_factory=list)  # (file, message naming the file)


@dataclass(frozen=True)
class _Task:
    """One input file and where its slices go."""

    path: Path
    speaker: int
    index: int
    slices_dir: Path
    slices_16k_dir: Path
    options: PreprocessOptions


@dataclass(frozen=True)
class _Outcome:
    """What one file yielded: slice count and seconds, or the reason it was skipped."""

    index: int
    slices: int = 0
    seconds: float = 0.0
    error: str | None = None


def discover_dataset(dataset: str | Path) -> tuple[list[tuple[Path, int]], dict[str, int]]:
    """Audio files of `dataset` with speaker ids, and the speaker-name → id map.

    Each sub-folder is a speaker (its files at any depth); audio directly in `dataset` is one more
    speaker named ".". A sub-folder named by a number is that speaker id (as the fork numbers
    speakers); the others take the smallest free ids in order: "." first, then sub-folders sorted
    by name (numerically where names are numbers).
    """
    root = Path(dataset)
    if not root.is_dir():
        raise RVCError(f"Dataset folder not found: {root}. Pick a folder that holds your recordings.")
    top = sorted(path for path in root.iterdir() if path.is_file() and audio.is_audio_file(path))
    folders = sorted((path for path in root.iterdir() if path.is_dir() and not path.name.startswith(".")), key=_natural)
    groups = [(".", top)] if top else []
    for folder in folders:
        found = sorted(path for path in folder.rglob("*") if path.is_file() and audio.is_audio_file(path))
        if found:
            groups.append((folder.name, found))
    if not groups:
        raise RVCError(
            f"No audio files in {root}. Put recordings ({', '.join(sorted(audio.AUDIO_EXTENSIONS))}) there, "
            "one sub-folder per speaker."
        )
    speakers = speaker_ids([name for name, _files in groups])
    files = [(path, speakers[name]) for name, found in groups for path in found]
    return files, speakers


def speaker_ids(names: list[str]) -> dict[str, int]:
    """Speaker id per folder name: a number names its id (first come keeps it); other names take free ids in order."""
    ids: dict[str, int] = {}
    for name in names:
        if name.isdigit() and int(name) not in ids.values():
            ids[name] = int(name)
    free = (number for number in itertools.count() if number not in ids.values())
    return {name: ids[name] if name in ids else next(free) for name in names}


def chunk_ranges(length: int, sample_rate: int, options: PreprocessOptions) -> list[tuple[int, int]]:
    """Sample ranges `(start, end)` that one slice of `length` samples is cut into."""
    if options.cut_mode == "skip":
        return [(0, length)]
    chunk = int(sample_rate * options.chunk_seconds)
    step = int(sample_rate * (options.chunk_seconds - options.overlap_seconds))
    if options.cut_mode == "simple":
        return [(start, start + chunk) for start in range(0, length - chunk + 1, step)]
    limit = (options.chunk_seconds + options.overlap_seconds) * sample_rate
    ranges = []
    start = 0
    while length - start > limit:
        ranges.append((start, start + chunk))
        start += step
    ranges.append((start, length))
    return ranges


def preprocess_dataset(
    name: str,
    dataset: str | Path,
    options: PreprocessOptions,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PreprocessResult:
    """Slice every file of `dataset` into the run `name`'s folders; `progress(done, total)` after each file."""
    layout = RunLayout.named(check_run_name(name.strip()))
    files, speakers = discover_dataset(dataset)
    workers = max(1, min(workers or os.cpu_count() or 1, len(files)))
    layout.root.mkdir(parents=True, exist_ok=True)
    staging = {
        final: final.with_name(f".{final.name}.partial") for final in (layout.sliced_audios, layout.sliced_audios_16k)
    }
    for folder in staging.values():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
    tasks = [
        _Task(path, speaker, index, staging[layout.sliced_audios], staging[layout.sliced_audios_16k], options)
        for index, (path, speaker) in enumerate(files)
    ]
    try:
        outcomes = _run_tasks(tasks, workers, progress)
        failures = [(files[o.index][0], o.error) for o in outcomes if o.error is not None]
        slices = sum(o.slices for o in outcomes)
        if slices == 0:
            detail = f" First problem: {failures[0][1]}" if failures else ""
            raise RVCError(f"No usable audio in {dataset}: every file was skipped or silent.{detail}")
        _replace_slices(layout, staging)
    finally:
        for folder in staging.values():
            shutil.rmtree(folder, ignore_errors=True)
    seconds = sum(o.seconds for o in outcomes if o.error is None)
    update_model_info(
        layout.model_info,
        total_dataset_duration=format_duration(seconds),
        total_seconds=seconds,
        sample_rate=options.sample_rate,
        speakers=speakers,
        speakers_id=len(speakers),
    )
    return PreprocessResult(layout.root, len(files) - len(failures), slices, seconds, speakers, failures)


def format_duration(seconds: float) -> str:
    """`HH:MM:SS` for a number of seconds (hours may exceed 99)."""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _run_tasks(tasks: list[_Task], workers: int, progress: Callable[[int, int], None] | None) -> list[_Outcome]:
    """Process every task, in this process when `workers` is 1, else in spawned worker processes."""
    outcomes: list[_Outcome] = []
    if workers == 1:
        for task in tasks:
            outcomes.append(_process_file(task))
            if progress:
                progress(len(outcomes), len(tasks))
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            for future in as_completed([pool.submit(_process_file, task) for task in tasks]):
                outcomes.append(future.result())
                if progress:
                    progress(len(outcomes), len(tasks))
    return sorted(outcomes, key=lambda outcome: outcome.index)


def _process_file(task: _Task) -> _Outcome:
    """Load, clean, cut and write one file (the worker entry point; never raises for a bad file)."""
    sr = task.options.sample_rate
    written: list[Path] = []
    try:
        signal, _ = audio.load_audio(task.path, sr)
        _write_slices(task, _clean(signal, task.options, task.path), written)
        if not written:
            raise RVCError(
                f"{task.path}: no stretch of sound of at least {MIN_SLICE_SECONDS} s; it is too short or silent"
            )
        return _Outcome(task.index, len(written) // 2, signal.shape[0] / sr)
    except RVCError as error:
        reason = str(error)
    except (OSError, ValueError, RuntimeError, MemoryError) as error:
        reason = f"{task.path}: {type(error).__name__}: {error}"
    for path in written:
        path.unlink(missing_ok=True)
    return _Outcome(task.index, error=reason)


def _write_slices(task: _Task, signal: np.ndarray, written: list[Path]) -> None:
    """Cut `[N]` into chunks and write each at the target rate and at 16 kHz, recording the paths in `written`."""
    options = task.options
    sr = options.sample_rate
    count = 0
    for begin, end in _segments(signal, options):
        for start, stop in chunk_ranges(end - begin, sr, options):
            chunk = signal[begin + start : begin + stop]
            if chunk.shape[0] < MIN_SLICE_SECONDS * sr:
                continue
            if options.normalize == "post":
                chunk = audio.peak_normalize(chunk, NORMALIZE_PEAK, NORMALIZE_MIX)
            name = f"{task.speaker}_{task.index}_{count}.wav"
            written.append(audio.save_audio(task.slices_dir / name, chunk, sr, subtype="FLOAT"))
            low = audio.resample(chunk, sr, FEATURE_RATE)
            written.append(audio.save_audio(task.slices_16k_dir / name, low, FEATURE_RATE, subtype="FLOAT"))
            count += 1


def _clean(signal: np.ndarray, options: PreprocessOptions, path: Path) -> np.ndarray:
    """High-pass, whole-file normalisation and noise reduction of `[N]`, as the options ask."""
    sr = options.sample_rate
    if options.normalize != "none":
        peak = float(np.max(np.abs(signal)))
        if peak > MAX_INPUT_PEAK:
            raise RVCError(f"{path}: peak amplitude {peak:.2f} is far above full scale; re-export it at a normal level")
    if options.high_pass:
        signal = audio.high_pass(signal, sr, HIGH_PASS_HZ)
    if options.normalize == "pre":
        signal = audio.peak_normalize(signal, NORMALIZE_PEAK, NORMALIZE_MIX)
    if options.noise_reduction:
        import noisereduce

        signal = noisereduce.reduce_noise(y=signal, sr=sr, prop_decrease=options.noise_strength).astype(np.float32)
    return signal


def _segments(signal: np.ndarray, options: PreprocessOptions) -> list[tuple[int, int]]:
    """Sample ranges to chunk: the slicer's clips in automatic mode, else the whole file."""
    if options.cut_mode == "automatic":
        return find_segments(signal, options.sample_rate)
    return [(0, signal.shape[0])]


def _replace_slices(layout: RunLayout, staging: dict[Path, Path]) -> None:
    """Swap the staged slice folders in and drop what extract derived from the old slices."""
    for stale in (layout.f0_coarse, layout.f0_hz, layout.features):
        shutil.rmtree(stale, ignore_errors=True)
    layout.filelist.unlink(missing_ok=True)
    for final, folder in staging.items():
        shutil.rmtree(final, ignore_errors=True)
        folder.rename(final)


def _natural(path: Path) -> tuple[int, int | str]:
    """Sort key: numeric names by value, before other names in alphabetical order."""
    return (0, int(path.name)) if path.name.isdigit() else (1, path.name.lower())


def _listed(values: tuple) -> str:
    """Comma-separated choices for messages."""
    return ", ".join(str(value) for value in values)
