"""`python -m rvc index`: build the faiss retrieval index of a run from its extracted features."""

from __future__ import annotations

import argparse

from rvc.train.layout import RunLayout


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Run name and an optional output path."""
    parser.add_argument("--name", required=True, help="training run name (after extract)")
    parser.add_argument("--output", default=None, help="index file to write (default: logs/<name>/<name>.index)")


def run(args: argparse.Namespace) -> int:
    """Build the index and print where it went."""
    from rvc.train.index import build_index_file

    layout = RunLayout.named(args.name)
    path = build_index_file(layout.features, args.output or layout.index_path())
    print(f"index written: {path}")
    return 0
