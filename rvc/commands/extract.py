"""`python -m rvc extract`: pitch and content features for a preprocessed run, then its filelist."""

from __future__ import annotations

import argparse
import sys

from rvc.errors import RVCError
from rvc.option_spec import add_option_arguments, values_from_args
from rvc.train.layout import RunLayout
from rvc.train.run_info import read_model_info


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Run name, the training rate, and a flag for every ExtractOptions option (from its metadata)."""
    from rvc.train.extract import ExtractOptions

    parser.add_argument("--name", required=True, help="training run name (as given to preprocess)")
    parser.add_argument("--sample-rate", type=int, default=None, help="training rate (default: the preprocess rate)")
    add_option_arguments(parser, ExtractOptions)


def run(args: argparse.Namespace) -> int:
    """Extract and print a summary; slices that failed are listed on stderr."""
    from rvc.train.extract import ExtractOptions, extract_run

    layout = RunLayout.named(args.name)
    sample_rate = args.sample_rate or read_model_info(layout.model_info).get("sample_rate")
    if not sample_rate:
        raise RVCError(f"run {args.name!r} has no recorded sample rate; run preprocess first or pass --sample-rate")
    options = ExtractOptions(**{**values_from_args(args, ExtractOptions), "sample_rate": int(sample_rate)})
    result = extract_run(args.name, options, progress=_print_progress)
    for name, reason in result.failures:
        print(f"failed: {name}: {reason}", file=sys.stderr)
    print(
        f"pitch: {result.pitch_done} new, features: {result.features_done} new, {result.skipped} already done; "
        f"filelist: {result.filelist_items} items in {layout.filelist}; {result.device}"
    )
    return 0 if result.filelist_items else 1


def _print_progress(done: int, total: int) -> None:
    print(f"\rextracting {done}/{total}", end="\n" if done == total else "", file=sys.stderr, flush=True)
