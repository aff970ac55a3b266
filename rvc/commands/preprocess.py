"""`python -m rvc preprocess`: slice a dataset folder into a training run's audio folders."""

from __future__ import annotations

import argparse
import sys

from rvc.train.preprocess import (
    CUT_MODES,
    NORMALIZE_MODES,
    SAMPLE_RATES,
    PreprocessOptions,
    format_duration,
    preprocess_dataset,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Run name, dataset folder, target rate and the cleaning/cutting options."""
    parser.add_argument("--name", required=True, help="training run name (folder under the logs folder)")
    parser.add_argument("--dataset", required=True, help="folder of recordings; one sub-folder per speaker")
    parser.add_argument("--sample-rate", type=int, required=True, choices=SAMPLE_RATES, help="target sample rate")
    parser.add_argument(
        "--cut-mode",
        choices=CUT_MODES,
        default="automatic",
        help="automatic: cut at silences, then into chunks; simple: fixed chunks; skip: whole files",
    )
    parser.add_argument("--chunk-length", type=float, default=3.0, help="chunk length in seconds (default 3.0)")
    parser.add_argument("--overlap", type=float, default=0.3, help="overlap between chunks in seconds (default 0.3)")
    parser.add_argument("--no-highpass", action="store_true", help="skip the 48 Hz high-pass filter")
    parser.add_argument(
        "--normalize",
        choices=NORMALIZE_MODES,
        default="pre",
        help="peak normalisation: pre = whole file (default), post = each slice, none",
    )
    parser.add_argument("--noise-reduction", action="store_true", help="apply spectral noise reduction")
    parser.add_argument("--noise-strength", type=float, default=0.7, help="noise-reduction strength 0-1 (default 0.7)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: all CPU cores)")


def run(args: argparse.Namespace) -> int:
    """Preprocess and print a summary; skipped files are listed on stderr. Exit 0 when slices were written."""
    options = PreprocessOptions(
        sample_rate=args.sample_rate,
        cut_mode=args.cut_mode,
        chunk_seconds=args.chunk_length,
        overlap_seconds=args.overlap,
        high_pass=not args.no_highpass,
        normalize=args.normalize,
        noise_reduction=args.noise_reduction,
        noise_strength=args.noise_strength,
    )
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
