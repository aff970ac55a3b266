"""`python -m rvc <command>`: the same operations the UI offers, headless.

Each command lives in its own module (listed in `COMMANDS`) that exposes
`add_arguments(parser)` and `run(args) -> int`. Modules are imported only when
their command runs, so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from rvc.errors import RVCError

COMMANDS: dict[str, tuple[str, str]] = {
    "doctor": ("rvc.commands.doctor", "report Python/torch/device and which prerequisites are present"),
    "info": ("rvc.commands.info", "show a voice file's sample rate, version, vocoder, f0, training and size"),
    "download": ("rvc.commands.download", "download embedders, rmvpe.pt and pretrained models (resumable, verified)"),
    "preprocess": (
        "rvc.commands.preprocess",
        "slice a dataset folder into a training run (silence cuts, filters, 16 kHz copies)",
    ),
    "extract": ("rvc.commands.extract", "pitch and content features of a preprocessed run, then its filelist"),
    "index": ("rvc.commands.index", "build the faiss retrieval index of a run from its features"),
    "infer": ("rvc.commands.infer", "convert an audio file with a voice (pitch, index, effects, any format)"),
    "tts": ("rvc.commands.tts", "speak a text (eSpeak NG, Piper or edge-tts), then convert the speech with a voice"),
    "realtime": (
        "rvc.commands.realtime",
        "live conversion between audio devices, or --simulate a stream from a file (latency, compute, underruns)",
    ),
    "batch-infer": ("rvc.commands.batch_infer", "convert every audio file of a folder; reports files that failed"),
    "train": ("rvc.commands.train", "train a voice in a child process (follow, --detach, --stop; resumes by itself)"),
    "edit-voice": ("rvc.commands.edit_voice", "copy a voice file with a new name, author or description"),
    "f0": ("rvc.commands.f0", "save an audio file's pitch curve as an F0 file (seconds,Hz) that infer accepts"),
    "analyze": ("rvc.commands.analyze", "duration, rate, channels, peak, loudness (LUFS), clipping and pitch range"),
    "check-dataset": ("rvc.commands.check_dataset", "find what to fix in a dataset folder before preprocessing"),
    "blend": ("rvc.commands.blend", "blend 2 or more compatible voices into a new voice file with weights"),
    "export-onnx": ("rvc.commands.export_onnx", "write a HiFi-GAN voice as an ONNX graph (RVC's ONNX input names)"),
    "pack-voice": (
        "rvc.commands.pack_voice",
        "pack a voice and its index into a .zip to share (import-voice reads it)",
    ),
    "import-voice": (
        "rvc.commands.import_voice",
        "import a voice (.pth or .zip, local or an http(s)/Hugging Face link) into logs/<name>/, checked first",
    ),
}


def program_name() -> str:
    """How the user started us, for usage lines: `rvc` (the installed script) or `python -m rvc`."""
    return "rvc" if Path(sys.argv[0]).stem == "rvc" else "python -m rvc"


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser; each subcommand's own arguments are added lazily."""
    parser = argparse.ArgumentParser(
        prog=program_name(), description="RVC Studio: voice conversion from the command line."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_module, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse `argv`, run the chosen command and return its exit code."""
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    if not argv or argv[0] in ("-h", "--help"):
        parser.print_help()
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        parser.print_usage(sys.stderr)
        print(f"error: unknown command {name!r}; choose from {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    command_parser = argparse.ArgumentParser(prog=f"{program_name()} {name}", description=COMMANDS[name][1])
    module.add_arguments(command_parser)
    args = command_parser.parse_args(rest)
    try:
        return int(module.run(args) or 0)
    except RVCError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
