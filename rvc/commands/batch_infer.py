"""`python -m rvc batch-infer`: convert every audio file of a folder; goes on past bad files, lists them at the end."""

from __future__ import annotations

import argparse
import sys

from rvc.commands.infer import add_conversion_arguments, options_from_args, progress_line, voice_from_args


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Input and output folders plus the conversion options of `infer`."""
    parser.add_argument("-i", "--input", required=True, help="folder of audio files (not searched recursively)")
    parser.add_argument("-o", "--output", required=True, help="folder for the converted files (<name>.<format>)")
    add_conversion_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Convert the folder; exit code 1 when any file failed or the run was interrupted."""
    from rvc.infer import convert_folder

    with progress_line() as progress:
        voice = voice_from_args(args)
        result = convert_folder(args.input, args.output, voice, progress=progress, **options_from_args(args))
    for converted in result.converted:
        print(f"converted: {converted.path} ({converted.timings.get('total', 0.0):.2f}s)")
    for source, reason in result.failed:
        print(f"failed: {source}: {reason}", file=sys.stderr)
    print(f"{len(result.converted)} converted, {len(result.failed)} failed")
    return 1 if result.failed or result.stopped else 0
