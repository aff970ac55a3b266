"""`python -m rvc export-onnx VOICE.pth -o VOICE.onnx`: the voice as an ONNX graph for ONNX Runtime clients.

The graph's inputs and outputs follow mainline RVC's export (phone, phone_lengths, pitch, pitchf, ds, rnd ->
audio); see `rvc.infer.onnx_export`. HiFi-GAN, MRF HiFi-GAN and RefineGAN voices export.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """VOICE, -o/--output (default: VOICE with .onnx) and --no-source-noise."""
    parser.add_argument("voice", metavar="VOICE", help="path of a voice file (.pth)")
    parser.add_argument("-o", "--output", default=None, help="ONNX file to write (default: the voice's name .onnx)")
    parser.add_argument(
        "--no-source-noise",
        action="store_true",
        help="leave the vocoder's random draws (source noise, harmonic phases, RefineGAN's AdaIN noise) out of "
        "the graph (deterministic output, for checks)",
    )


def run(args: argparse.Namespace) -> int:
    """Export and print where the graph went."""
    from rvc.infer.onnx_export import export_onnx

    output = Path(args.output) if args.output else Path(args.voice).with_suffix(".onnx")
    path = export_onnx(args.voice, output, source_noise=not args.no_source_noise)
    print(f"Wrote {path}")
    return 0
