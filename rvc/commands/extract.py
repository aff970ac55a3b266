"""`python -m rvc extract`: pitch and content features for a preprocessed run, then its filelist."""

from __future__ import annotations

import argparse
import sys

from rvc.errors import RVCError
from rvc.prerequisites import DEFAULT_EMBEDDER, EMBEDDERS
from rvc.train.layout import RunLayout
from rvc.train.run_info import read_model_info


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Run name, pitch method and hop, embedder, version, mute items and device."""
    parser.add_argument("--name", required=True, help="training run name (as given to preprocess)")
    parser.add_argument(
        "--f0-method",
        default="rmvpe",
        help="rmvpe (default), crepe, crepe-tiny, fcpe, swift, pm, harvest, dio or hybrid[a+b...]",
    )
    parser.add_argument("--hop", type=int, default=160, help="pitch analysis hop in 16 kHz samples (default 160)")
    parser.add_argument(
        "--embedder",
        default=DEFAULT_EMBEDDER,
        help=f"content embedder: {', '.join(EMBEDDERS)} (default {DEFAULT_EMBEDDER}), or a custom folder",
    )
    parser.add_argument("--version", choices=("v2", "v1"), default="v2", help="voice version (v2: 768-d features)")
    parser.add_argument("--no-f0", action="store_true", help="train a voice without pitch guidance")
    parser.add_argument("--mute-files", type=int, default=2, help="silent items per speaker in the filelist (0-10)")
    parser.add_argument("--sample-rate", type=int, default=None, help="training rate (default: the preprocess rate)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")


def run(args: argparse.Namespace) -> int:
    """Extract and print a summary; slices that failed are listed on stderr."""
    from rvc.train.extract import ExtractOptions, extract_run

    layout = RunLayout.named(args.name)
    sample_rate = args.sample_rate or read_model_info(layout.model_info).get("sample_rate")
    if not sample_rate:
        raise RVCError(f"run {args.name!r} has no recorded sample rate; run preprocess first or pass --sample-rate")
    options = ExtractOptions(
        sample_rate=int(sample_rate),
        f0_method=args.f0_method,
        hop=args.hop,
        embedder=args.embedder,
        version=args.version,
        use_f0=not args.no_f0,
        mute_files=args.mute_files,
        device=args.device,
    )
    result = extract_run(args.name, options, progress=_print_progress)
    for name, reason in result.failures:
        print(f"failed: {name}: {reason}", file=sys.stderr)
    print(
        f"pitch: {result.pitch_done} new, features: {result.features_done} new, {result.skipped} already done; "
        f"filelist: {result.filelist_items} items in {layout.filelist}"
    )
    return 0 if result.filelist_items else 1


def _print_progress(done: int, total: int) -> None:
    print(f"\rextracting {done}/{total}", end="\n" if done == total else "", file=sys.stderr, flush=True)
