"""`python -m rvc preprocess`: slice a dataset folder into a training run's audio folders."""

from __future__ import annotations

import argparse
import sys

from rvc.option_spec import add_option_arguments, values_from_args
from rvc.train.preprocess import PreprocessOptions, format_duration, preprocess_dataset


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Run name, dataset folder, workers, and a flag for every PreprocessOptions option (from its metadata)."""
    parser.add_argument("--name", required=True, help="training run name (folder under the logs folder)")
    parser.add_argument("--dataset", required=True, help="folder of recordings; one sub-folder per speaker")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: all CPU cores)")
    add_option_arguments(parser, PreprocessOptions)


def run(args: argparse.Namespace) -> int:
    """Preprocess and print a summary; skipped files are listed on stderr. Exit 0 when slices were written."""
    options = PreprocessOptions(**values_from_args(args, PreprocessOptions))
    result = preprocess_dataset(args.name, args.dataset, options, workers=args.workers, progress=_print_progress)
    for _path, reason in result.failures:
        print(f"skipped: {reason}", file=sys.stderr)
    print(
        f"{result.slices} slices from {result.files} files ({format_duration(result.seconds)} of audio, "
        f"{len(result.speakers)} speaker{'s' if len(result.speakers) != 1 else ''}) in {result.run_dir}"
    )
    return 0


def _print_progress(done: int, total: int) -> None:
    """One line per finished file."""
    print(f"preprocessed {done}/{total} files", flush=True)
