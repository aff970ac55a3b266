"""`python -m rvc check-dataset DIR [--json]`: what to fix in a training dataset before preprocessing it."""

from __future__ import annotations

import argparse
import json

from rvc.commands.f0 import add_pitch_arguments, pitch_device


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """DIR, --json, --histogram PNG and the pitch options."""
    from rvc.tools.analyze import DEFAULT_PITCH_METHOD

    parser.add_argument("dataset", metavar="DIR", help="dataset folder (audio files, or one sub-folder per speaker)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--histogram", metavar="PNG", help="also draw the pitch histogram into this PNG file")
    add_pitch_arguments(parser, DEFAULT_PITCH_METHOD)


def run(args: argparse.Namespace) -> int:
    """Check the folder and print the findings with their fixes."""
    import numpy as np

    from rvc.commands.infer import progress_line
    from rvc.tools import plots
    from rvc.tools.dataset_check import check_dataset, format_dataset_report

    with progress_line() as progress:
        report = check_dataset(args.dataset, args.f0_method, pitch_device(args), progress)
    print(json.dumps(report.to_dict(), indent=2) if args.json else format_dataset_report(report))
    if args.histogram:
        figure = plots.histogram_figure(np.asarray(report.histogram_edges), np.asarray(report.histogram_counts))
        plots.save_figure(figure, args.histogram)
    return 0
