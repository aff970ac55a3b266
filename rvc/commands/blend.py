"""`python -m rvc blend A.pth B.pth [C.pth ...] --weights 0.5 0.5 -o blended.pth`: mix compatible voices into one."""

from __future__ import annotations

import argparse

EPILOG = """\
the voices must share sample rate, version (v1/v2), vocoder and pitch guidance, and have the same
layers; each stored tensor of the result is the weighted average of theirs (weights are scaled to
sum 1, so 3 1 means 75% / 25%). Speaker tables of different sizes keep the first voice's size. The
result is an ordinary voice file (RVC Studio, Applio and RVC load it) whose metadata names the
sources (file, name, sha256) and weights.

examples:
  python -m rvc blend alice.pth bob.pth -o logs/alibob/alibob.pth
  python -m rvc blend a.pth b.pth c.pth --weights 2 1 1 -o mix.pth --name "Mix of three\""""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """VOICES, --weights, -o/--output, --name and --overwrite."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("voices", nargs="+", metavar="VOICE", help="two or more voice files (.pth)")
    parser.add_argument(
        "--weights",
        nargs="+",
        type=float,
        metavar="W",
        help="one weight per voice, 0 or more (default: equal weights); scaled to sum 1",
    )
    parser.add_argument("-o", "--output", required=True, metavar="OUT.pth", help="where to save the blended voice")
    parser.add_argument("--name", help="the voice name stored in the file (default: the output file's name)")
    parser.add_argument("--overwrite", action="store_true", help="replace OUT.pth if it exists")


def run(args: argparse.Namespace) -> int:
    """Blend the voices and print where the result went (and what was done with speaker tables)."""
    from rvc.tools.blend import blend_voices

    weights = args.weights if args.weights is not None else [1.0] * len(args.voices)
    result = blend_voices(args.voices, weights, args.output, name=args.name, overwrite=args.overwrite)
    print(result.describe())
    return 0
