"""`python -m rvc import-voice SOURCE [--name N]`: bring a shared voice (.pth or .zip, file or link) into logs/."""

from __future__ import annotations

import argparse

from rvc.safe_zip import MAX_RATIO
from rvc.tools.import_voice import MAX_ENTRIES, MAX_TOTAL_BYTES

EPILOG = f"""\
SOURCE is an http(s) link to a .pth or .zip (Hugging Face …/blob/… links are turned into the
…/resolve/… file link) or the path of a local .pth or .zip. The voice lands in logs/<name>/<name>.pth
with its index as logs/<name>/<name>.index when the zip has one, so the Inference tab lists it. A name
that is taken gets a suffix (<name>_2); nothing is overwritten.

Shared files are untrusted: a zip with absolute or '..' paths, links, device files, more than
{MAX_ENTRIES} entries, more than {MAX_TOTAL_BYTES >> 30} GiB uncompressed or an entry compressed over {MAX_RATIO}:1 is
refused; the voice must load weights-only (no code runs) and build as a voice; the index must be a faiss
index of the voice's width (256 for v1, 768 for v2). On any failure nothing is left in logs/. Downloads
resume when run again.

examples:
  python -m rvc import-voice https://huggingface.co/someone/voices/blob/main/alice.zip
  python -m rvc import-voice ~/Downloads/bob.pth --name bob"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """SOURCE and --name."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("source", metavar="SOURCE", help="http(s) link or local path of a .pth or .zip voice")
    parser.add_argument("--name", help="folder and file name in logs/ (default: from the file name)")


def run(args: argparse.Namespace) -> int:
    """Import the voice with a download progress bar and print where it went."""
    from tqdm import tqdm

    from rvc.tools.import_voice import import_voice

    bar: tqdm | None = None

    def show(done: int, total: int | None) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, initial=done, desc="download", unit="B", unit_scale=True, unit_divisor=1024)
        bar.update(done - bar.n)

    try:
        result = import_voice(args.source, args.name, progress=show)
    finally:
        if bar is not None:
            bar.close()
    print(result.describe())
    return 0
