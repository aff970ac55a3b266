"""`python -m rvc edit-voice VOICE.pth -o NEW.pth [--name N] [--author A] [--description D]`.

Writes a copy of the voice with new metadata; every other key and every tensor is kept as stored.
The original is rewritten only with `--in-place` (atomically).
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """VOICE, the fields to set and where to write."""
    parser.add_argument("voice", metavar="VOICE", help="voice file (.pth) to start from")
    parser.add_argument("-o", "--output", help="new voice file to write (.pth); the original stays as it is")
    parser.add_argument("--name", help="new voice name (model_name)")
    parser.add_argument("--author", help="new author")
    parser.add_argument("--description", help="new description (stored as 'info', as RVC and Applio do)")
    parser.add_argument("--in-place", action="store_true", help="rewrite VOICE itself instead of writing -o")
    parser.add_argument("--overwrite", action="store_true", help="replace -o if it already exists")


def run(args: argparse.Namespace) -> int:
    """Write the edited voice and show its information."""
    from rvc.commands.info import format_summary
    from rvc.tools.voice_metadata import describe_voice, edit_voice_metadata

    path = edit_voice_metadata(
        args.voice,
        args.output,
        name=args.name,
        author=args.author,
        description=args.description,
        in_place=args.in_place,
        overwrite=args.overwrite,
    )
    details = describe_voice(path)
    print(f"Wrote {path}\n{format_summary(details)}\nDescription  {details['description'] or 'none'}")
    return 0
