"""`python -m rvc analyze INPUT [--json] [--plots DIR]`: duration, rate, channels, peak, loudness, clipping, pitch."""

from __future__ import annotations

import argparse
import json

from rvc.commands.f0 import add_pitch_arguments, pitch_device


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """INPUT, --json, --plots DIR and the pitch options."""
    from rvc.tools.analyze import DEFAULT_PITCH_METHOD

    parser.add_argument("input", metavar="INPUT", help="audio file (wav, flac, mp3, m4a, ...)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--plots", metavar="DIR", help="write waveform and spectrogram PNGs into this folder")
    add_pitch_arguments(parser, DEFAULT_PITCH_METHOD)


def run(args: argparse.Namespace) -> int:
    """Print the analysis (and where the plots went)."""
    from rvc.tools.analyze import analyze_audio, format_report, write_plots

    report = analyze_audio(args.input, args.f0_method, pitch_device(args))
    data = report.to_dict()
    if args.plots:
        data["plots"] = {kind: str(path) for kind, path in write_plots(args.input, args.plots).items()}
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    print(format_report(report))
    for kind, path in data.get("plots", {}).items():
        print(f"{kind} plot: {path}")
    return 0
