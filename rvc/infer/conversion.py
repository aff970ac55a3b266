"""File in, file out: `convert` one audio file or `convert_folder` a whole folder with a voice.

`convert("song.wav", "out.flac", "logs/alice/alice.pth", index_path="logs/alice/alice.index", pitch=2)`
returns a `ConversionResult` whose `path` is the written file and `timings` the seconds per stage
(load, decode, prepare, pitch, features, retrieval, synthesis, postprocess, write, total).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rvc.errors import RVCError
from rvc.infer.options import ConversionOptions, make_options
from rvc.infer.pipeline import ConversionStopped, LoadedModels, Progress, StageTimer

log = logging.getLogger(__name__)


@dataclass
class ConversionResult:
    """Where the converted audio went, at what rate, how long it is and the seconds spent per stage."""

    path: Path
    sample_rate: int
    duration: float
    timings: dict[str, float]
    notes: list[str] = field(default_factory=list)


@dataclass
class BatchResult:
    """Outcome of `convert_folder`: converted files and (input, one-line reason) for each failure."""

    converted: list[ConversionResult]
    failed: list[tuple[Path, str]]
    stopped: bool = False


def load_models(voice_path: str | Path, options: ConversionOptions) -> LoadedModels:
    """Voice, embedder and index for `options` from the shared cache (loaded on first use)."""
    from rvc.infer.cache import MODELS, resolve_device

    device = resolve_device(options.device)
    voice = MODELS.voice(voice_path, device, options.half, options.precision)
    embedder = MODELS.embedder(options.embedder, device, options.half, options.precision)
    index = None
    if options.index_path and options.index_rate > 0:
        index = MODELS.index(usable_index_path(options.index_path))
    return LoadedModels(voice=voice, embedder=embedder, index=index, device=device)


def usable_index_path(path: str | Path) -> Path:
    """`path`, or its filled `added_…` sibling when `path` is mainline RVC's empty `trained_…` index."""
    path = Path(path).expanduser()
    if path.name.startswith("trained_"):
        added = path.with_name("added_" + path.name.removeprefix("trained_"))
        if added.is_file():
            return added
    return path


def output_format(output_path: Path, options: ConversionOptions) -> str:
    """The format to write: the option if given, else the output file's extension, else wav."""
    from rvc.audio import AUDIO_FORMATS

    if options.output_format:
        return options.output_format.lower().lstrip(".")
    suffix = output_path.suffix.lower().lstrip(".")
    return suffix if suffix in AUDIO_FORMATS else AUDIO_FORMATS[0]


def convert(
    input_path: str | Path,
    output_path: str | Path,
    voice_path: str | Path,
    *,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    **options: Any,
) -> ConversionResult:
    """Convert `input_path` with the voice in `voice_path` and write `output_path` (see `ConversionOptions`).

    The extension of `output_path` is set to the chosen format. Raises RVCError for every user mistake.
    """
    from rvc.infer.cache import LOCK

    opts = make_options(**options)
    input_path, output_path = Path(input_path).expanduser(), Path(output_path).expanduser()
    fmt = output_format(output_path, opts)
    if output_path.suffix.lower() != f".{fmt}":
        output_path = output_path.with_suffix(f".{fmt}")
    if input_path.exists() and output_path.exists() and input_path.resolve() == output_path.resolve():
        raise RVCError(f"The output {output_path} is the input file: choose another output name.")
    with LOCK:
        timings: dict[str, float] = {}
        timer = StageTimer(timings)
        report = progress or (lambda fraction, text: None)
        start = time.perf_counter()
        report(0.0, "loading models")
        with timer("load"):
            models = load_models(voice_path, opts)
        result = _convert_loaded(input_path, output_path, fmt, models, opts, report, should_stop, timings)
        timings["total"] = time.perf_counter() - start
        return result


def _convert_loaded(
    input_path: Path,
    output_path: Path,
    fmt: str,
    models: LoadedModels,
    options: ConversionOptions,
    report: Progress,
    should_stop: Callable[[], bool] | None,
    timings: dict[str, float],
) -> ConversionResult:
    """Decode, convert, finish and write one file with models already loaded."""
    from rvc.audio import COMPRESSED_RATES, load_audio, save_audio
    from rvc.infer.pipeline import SAMPLE_RATE, check_stop, convert_wav16k, finish
    from rvc.infer.pitch import read_f0_file

    timer = StageTimer(timings)
    f0_file = read_f0_file(options.f0_file) if options.f0_file else None
    with timer("decode"):
        wav16k, _ = load_audio(input_path, SAMPLE_RATE)

    def pipeline_progress(fraction: float, text: str) -> None:
        report(0.05 + 0.85 * fraction, text)

    notes: list[str] = []
    converted = convert_wav16k(wav16k, models, options, f0_file, pipeline_progress, should_stop, timings, notes)
    check_stop(should_stop)
    report(0.92, "effects and export")
    rate = options.output_sr or models.voice.sample_rate
    if fmt in ("mp3", "m4a") and rate not in COMPRESSED_RATES:
        nearest = min(COMPRESSED_RATES, key=lambda candidate: abs(candidate - rate))
        notes.append(f"{fmt} cannot store {rate} Hz; written at {nearest} Hz")
        rate = nearest
    audio, rate = finish(converted, models.voice.sample_rate, options, rate, timings)
    with timer("write"):
        try:
            save_audio(output_path, audio, rate)
        except OSError as error:
            raise RVCError(
                f"Cannot write {output_path}: {error.strerror or error}. Choose a folder you can write to."
            ) from None
    report(1.0, "done")
    return ConversionResult(output_path, rate, len(audio) / rate, timings, notes)


def batch_inputs(input_dir: Path) -> list[Path]:
    """The audio files directly inside `input_dir`, sorted by name."""
    from rvc.audio import is_audio_file

    return sorted(path for path in input_dir.iterdir() if path.is_file() and is_audio_file(path))


def batch_output_names(inputs: list[Path], fmt: str) -> list[str]:
    """`<stem>.<fmt>` per input; stems that occur twice keep their old extension (`take_mp3.wav`)."""
    stems = Counter(path.stem for path in inputs)
    return [
        f"{path.stem}_{path.suffix.lstrip('.').lower()}.{fmt}" if stems[path.stem] > 1 else f"{path.stem}.{fmt}"
        for path in inputs
    ]


def convert_folder(
    input_dir: str | Path,
    output_dir: str | Path,
    voice_path: str | Path,
    *,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    **options: Any,
) -> BatchResult:
    """Convert every audio file in `input_dir` into `output_dir`, going on past files that fail.

    Each failure is kept as (input, one-line reason). Raises RVCError only for problems that stop every
    file (missing folders, the voice, the embedder, the index).
    """
    from rvc.infer.cache import LOCK

    opts = make_options(**options)
    input_dir, output_dir = Path(input_dir).expanduser(), Path(output_dir).expanduser()
    if input_dir.is_file():
        raise RVCError(
            f"{input_dir} is a file, not a folder: convert it in the Single tab (or with `python -m rvc infer`), "
            "or give its folder."
        )
    if not input_dir.is_dir():
        raise RVCError(f"Input folder not found: {input_dir}. Pick a folder of audio files.")
    if output_dir.exists() and output_dir.resolve() == input_dir.resolve():
        raise RVCError("The output folder is the input folder: choose another one so no input is overwritten.")
    inputs = batch_inputs(input_dir)
    if not inputs:
        raise RVCError(f"No audio files in {input_dir} (looked for wav, flac, mp3, ogg, m4a, opus, ...).")
    fmt = opts.output_format or "wav"
    report = progress or (lambda fraction, text: None)
    result = BatchResult([], [])
    with LOCK:
        models = load_models(voice_path, opts)
        for number, (source, name) in enumerate(zip(inputs, batch_output_names(inputs, fmt))):
            if should_stop is not None and should_stop():
                result.stopped = True
                break

            def file_progress(fraction: float, text: str, number=number, source=source) -> None:
                report((number + fraction) / len(inputs), f"{source.name} ({number + 1}/{len(inputs)}): {text}")

            timings: dict[str, float] = {}
            start = time.perf_counter()
            try:
                converted = _convert_loaded(
                    source, output_dir / name, fmt, models, opts, file_progress, should_stop, timings
                )
            except ConversionStopped:
                result.stopped = True
                break
            except RVCError as error:
                result.failed.append((source, str(error)))
                continue
            except Exception as error:
                log.exception("unexpected failure converting %s", source)
                result.failed.append((source, f"unexpected {type(error).__name__}: {error}".splitlines()[0]))
                continue
            timings["total"] = time.perf_counter() - start
            result.converted.append(converted)
    return result
