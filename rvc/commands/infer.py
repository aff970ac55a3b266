"""`python -m rvc infer`: convert one audio file with a voice (the options are shared with `batch-infer`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rvc.infer.options import DEVICES, OUTPUT_FORMATS, OUTPUT_RATES, ConversionOptions

DEFAULTS = ConversionOptions()


def add_conversion_arguments(parser: argparse.ArgumentParser) -> None:
    """The conversion options shared by `infer` and `batch-infer`."""
    parser.add_argument("-m", "--model", required=True, help="voice file (.pth)")
    parser.add_argument("--index", default="", help="faiss index trained with the voice (default: none)")
    parser.add_argument("--pitch", type=float, default=DEFAULTS.pitch, help="transpose by N semitones (e.g. 12)")
    parser.add_argument(
        "--f0-method",
        default=DEFAULTS.f0_method,
        help="rmvpe, fcpe, crepe, crepe-tiny, swift, pm, harvest, dio, or hybrid[a+b] (default %(default)s)",
    )
    parser.add_argument(
        "--index-rate",
        type=float,
        default=DEFAULTS.index_rate,
        help="share of retrieved training features, 0..1 (default %(default)s)",
    )
    parser.add_argument(
        "--protect",
        type=float,
        default=DEFAULTS.protect,
        help="0.5 = off; lower keeps more of the un-indexed features in unvoiced frames "
        "(consonants, breaths); needs an index (default %(default)s)",
    )
    parser.add_argument(
        "--rms-mix-rate",
        type=float,
        default=DEFAULTS.rms_mix_rate,
        help="1 keeps the output's loudness curve, 0 imposes the input's (default %(default)s)",
    )
    parser.add_argument(
        "--filter-radius",
        type=int,
        default=DEFAULTS.filter_radius,
        help="median-filter the pitch over 2N+1 frames, 0 = off (default %(default)s)",
    )
    parser.add_argument("--sid", type=int, default=DEFAULTS.speaker_id, help="speaker id (default %(default)s)")
    parser.add_argument(
        "--embedder",
        default=DEFAULTS.embedder,
        help="content embedder: a built-in name, a folder or a hubert .pt (default %(default)s)",
    )
    parser.add_argument("--split-audio", action="store_true", help="convert only the non-silent stretches")
    parser.add_argument(
        "--autotune",
        type=float,
        default=DEFAULTS.autotune,
        help="snap pitch to semitones with strength 0..1, 0 = off (default %(default)s)",
    )
    parser.add_argument("--f0-file", default="", help="text file of 'seconds,Hz' lines that replaces the pitch")
    parser.add_argument(
        "--formant-shift",
        type=float,
        default=DEFAULTS.formant_shift,
        help="scale the input's formants by 0.5..2, 1 = off (default %(default)s)",
    )
    parser.add_argument(
        "--clean",
        type=float,
        default=DEFAULTS.clean_strength,
        metavar="STRENGTH",
        help="noise reduction of the output, 0..1, 0 = off (default %(default)s)",
    )
    parser.add_argument(
        "--effect",
        action="append",
        default=[],
        metavar="NAME[:k=v,...]",
        help="post effect, repeatable, applied in order: reverb, pitch_shift, limiter, gain, "
        "distortion, chorus, bitcrush, clipping, compressor, delay (e.g. reverb:room_size=0.7)",
    )
    parser.add_argument(
        "--format", choices=OUTPUT_FORMATS, default=None, help="output format (default: from -o, else wav)"
    )
    parser.add_argument(
        "--output-sr", type=int, choices=OUTPUT_RATES, default=None, help="output sample rate (default: the voice's)"
    )
    parser.add_argument(
        "--device",
        default=DEFAULTS.device,
        help=f"{', '.join(DEVICES)} or cuda:N (default %(default)s: CUDA when present)",
    )
    parser.add_argument("--half", action="store_true", help="float16 models on CUDA (faster, less memory)")
    parser.add_argument("--seed", type=int, default=None, help="fix the random draws: same seed, same output")


def options_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword options for `rvc.infer.convert` from the parsed arguments (effects parsed and checked)."""
    from rvc.infer.effects import parse_effect

    return {
        "index_path": args.index,
        "pitch": args.pitch,
        "f0_method": args.f0_method,
        "index_rate": args.index_rate,
        "protect": args.protect,
        "rms_mix_rate": args.rms_mix_rate,
        "filter_radius": args.filter_radius,
        "speaker_id": args.sid,
        "embedder": args.embedder,
        "split_audio": args.split_audio,
        "autotune": args.autotune,
        "f0_file": args.f0_file,
        "formant_shift": args.formant_shift,
        "clean_strength": args.clean,
        "effects": dict(parse_effect(text) for text in args.effect),
        "output_format": args.format,
        "output_sr": args.output_sr,
        "device": args.device,
        "half": args.half,
        "seed": args.seed,
    }


def print_progress(fraction: float, text: str) -> None:
    """One updating status line on stderr."""
    print(f"\r{fraction * 100:5.1f}% {text[:70]:<70}", end="", file=sys.stderr, flush=True)


@contextmanager
def progress_line() -> Iterator[Callable[[float, str], None] | None]:
    """`print_progress` when stderr is a terminal (else None); the line is ended on exit, errors included."""
    if not sys.stderr.isatty():
        yield None
        return
    try:
        yield print_progress
    finally:
        print(file=sys.stderr)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Input and output file plus the conversion options."""
    parser.add_argument("-i", "--input", required=True, help="audio file to convert (wav, flac, mp3, m4a, ...)")
    parser.add_argument("-o", "--output", required=True, help="file to write; its extension picks the format")
    add_conversion_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Convert, then print where the result went and the seconds per stage."""
    from rvc.infer import convert

    with progress_line() as progress:
        result = convert(args.input, args.output, args.model, progress=progress, **options_from_args(args))
    for note in result.notes:
        print(f"note: {note}")
    stages = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in result.timings.items())
    print(f"converted: {result.path} ({result.duration:.2f} s at {result.sample_rate} Hz)")
    print(f"timings: {stages}")
    return 0
