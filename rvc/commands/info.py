"""`python -m rvc info VOICE.pth [--json]`: what a voice file is (rate, version, vocoder, f0, training, size).

The file is read with weights-only loading and checked like `load_voice` does, without building the model.
"""

from __future__ import annotations

import argparse
import datetime
import json
from typing import Any

UNKNOWN = "unknown"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """VOICE (path of a .pth voice file) and --json."""
    parser.add_argument("voice", metavar="VOICE", help="path of a voice file (.pth)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def _date(value: Any) -> str:
    """An ISO date as `YYYY-MM-DD HH:MM:SS`; anything else as stored."""
    if not value:
        return UNKNOWN
    try:
        return datetime.datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return str(value)


def _size(size: int) -> str:
    """Bytes in the largest unit that keeps the number below 1024, with the exact count."""
    if size < 1024:
        return f"{size} bytes"
    value = size / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit} ({size:,} bytes)"
        value /= 1024
    return f"{value:.1f} GB ({size:,} bytes)"


def _or_unknown(value: Any) -> str:
    return UNKNOWN if value is None or value == "" else str(value)


def format_summary(summary: dict[str, Any]) -> str:
    """The human-readable report for `VoiceFile.summary()`."""
    from rvc.models.voice_file import TEXT_DIM_TO_VERSION

    version_width = {version: width for width, version in TEXT_DIM_TO_VERSION.items()}[summary["version"]]
    rows = [
        ("Voice", summary["name"]),
        ("File", summary["file"]),
        ("Sample rate", f"{summary['sample_rate']} Hz"),
        ("Version", f"{summary['version']} ({version_width}-d content features)"),
        ("Vocoder", summary["vocoder"]),
        ("Pitch (f0)", "yes" if summary["f0"] else "no"),
        ("Epochs", _or_unknown(summary["epochs"])),
        ("Steps", _or_unknown(summary["steps"])),
        ("Author", _or_unknown(summary["author"])),
        ("Created", _date(summary["creation_date"])),
        ("Embedder", _or_unknown(summary["embedder"])),
        ("Speakers", str(summary["speakers"])),
        ("Dataset length", _or_unknown(summary["dataset_length"])),
        ("Parameters", f"{summary['parameters']:,} ({summary['parameters'] / 1e6:.1f} M)"),
        ("Size", _size(summary["size_bytes"])),
        ("Hash", _or_unknown(summary["model_hash"])),
    ]
    width = max(len(label) for label, _ in rows)
    lines = [f"{label:<{width}}  {value}" for label, value in rows]
    lines += [f"Note: {note} (the weights are what counts)" for note in summary["notes"]]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Print the voice file's summary as text or JSON."""
    from rvc.models.voice_file import read_voice_file

    summary = read_voice_file(args.voice).summary()
    print(json.dumps(summary, indent=2, ensure_ascii=False) if args.json else format_summary(summary))
    return 0
