"""`python -m rvc infer`: convert one audio file with a voice (the options are shared with `batch-infer`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rvc.infer.options import ConversionOptions
from rvc.option_spec import add_option_arguments, values_from_args


def add_conversion_arguments(parser: argparse.ArgumentParser, model_required: bool = True) -> None:
    """The voice file, a preset, and one flag per `ConversionOptions` field (shared by `infer`, `batch-infer`, `tts`
    and `realtime`)."""
    parser.add_argument(
        "-m", "--model", required=model_required, help="voice file (.pth), or the name of a voice in the logs folder"
    )
    parser.add_argument(
        "--preset", metavar="NAME|FILE", help="load a conversion preset first (default, good-for-anything, music, "
        "one saved in the Inference tab, or a .json file); the flags given here override it",
    )  # fmt: skip
    add_option_arguments(parser, ConversionOptions, keep_defaults=False)


def voice_from_args(args: argparse.Namespace) -> str:
    """The `-m` voice file: a path as given, or the file of the voice of that name in the logs folder."""
    from rvc.infer.library import resolve_voice

    return resolve_voice(args.model)


def options_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword options for `rvc.infer.convert`: the preset's (if any), then the flags given (effects parsed and
    checked); the others are left to their defaults."""
    given = values_from_args(args, ConversionOptions)
    if getattr(args, "preset", None):
        from rvc.infer.presets import load_conversion_preset

        return {**load_conversion_preset(args.preset), **given}
    return given


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
        result = convert(args.input, args.output, voice_from_args(args), progress=progress, **options_from_args(args))
    for note in result.notes:
        print(f"note: {note}")
    stages = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in result.timings.items())
    print(f"converted: {result.path} ({result.duration:.2f} s at {result.sample_rate} Hz)")
    print(f"timings: {stages}")
    return 0
