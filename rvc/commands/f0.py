"""`python -m rvc f0 INPUT -o curve.csv [--f0-method M] [--hop N]`: save an audio file's pitch curve as an F0 file.

The file has `seconds,Hz` lines (0 = unvoiced), the format `infer --f0-file` and the Inference tab read.
At the default hop the curve is exactly the pitch conversion would extract with the same method.
"""

from __future__ import annotations

import argparse
from dataclasses import fields

from rvc.infer.options import ConversionOptions
from rvc.option_spec import add_option_arguments

PITCH_OPTIONS = ("f0_method", "device")


def add_pitch_arguments(parser: argparse.ArgumentParser, default_method: str | None = None) -> None:
    """`--f0-method` and `--device`, defined by `ConversionOptions` (`default_method` replaces its default)."""
    skip = tuple(item.name for item in fields(ConversionOptions) if item.name not in PITCH_OPTIONS)
    add_option_arguments(parser, ConversionOptions, skip=skip)
    if default_method is not None:
        parser.set_defaults(f0_method=default_method)


def pitch_device(args: argparse.Namespace) -> str:
    """The device for the pitch method (`auto` resolved to CUDA where present)."""
    from rvc.infer.cache import resolve_device

    return str(resolve_device(args.device))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """INPUT, -o CSV, --hop, --plot and the pitch options."""
    from rvc.tools.pitch_curve import DEFAULT_HOP

    parser.add_argument("input", metavar="INPUT", help="audio file (wav, flac, mp3, m4a, ...)")
    parser.add_argument("-o", "--output", required=True, help="F0 file to write (seconds,Hz lines), e.g. curve.csv")
    parser.add_argument(
        "--hop",
        type=int,
        default=DEFAULT_HOP,
        help=f"samples at 16 kHz per frame (default: {DEFAULT_HOP} = 10 ms, the frame rate conversion uses)",
    )
    parser.add_argument("--plot", metavar="PNG", help="also draw the curve into this PNG file")
    add_pitch_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Extract, write the F0 file (and plot), then say what was found."""
    from rvc.tools import plots
    from rvc.tools.analyze import pitch_range
    from rvc.tools.pitch_curve import pitch_curve_of_file, write_f0_file

    curve = pitch_curve_of_file(args.input, args.f0_method, args.hop, pitch_device(args))
    path = write_f0_file(curve, args.output, source=args.input)
    low, median, high = pitch_range(curve.voiced)
    found = "no voiced frames" if median is None else f"{low:.0f}-{high:.0f} Hz, median {median:.0f} Hz"
    print(f"{path}: {len(curve.hz)} frames, {len(curve.voiced)} voiced ({found}), method {curve.method}")
    if args.plot:
        print(f"plot: {plots.save_figure(plots.pitch_figure(curve), args.plot)}")
    return 0
