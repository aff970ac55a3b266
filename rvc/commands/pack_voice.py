"""`python -m rvc pack-voice -m NAME -o NAME.zip`: the voice and its index in one `.zip` to share."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The voice (a name in the logs folder or its .pth there) and the zip to write."""
    parser.add_argument("-m", "--model", required=True, help="voice: its name in the logs folder, or its .pth there")
    parser.add_argument("-o", "--output", help="zip to write (default: <output folder>/voices/<name>.zip)")


def run(args: argparse.Namespace) -> int:
    """Write the zip and say what is in it."""
    from rvc.infer.library import resolve_voice
    from rvc.tools.voice_library import default_pack_path, pack_voice

    voice = resolve_voice(args.model)
    target = pack_voice(voice, args.output or default_pack_path(voice))
    print(f"packed {voice} into {target}; `python -m rvc import-voice {target.name}` brings it back")
    return 0
