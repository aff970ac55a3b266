"""`python -m rvc doctor`: report Python, torch, device, installed packages and prerequisite weights."""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import shutil
import sys

from packaging.requirements import InvalidRequirement, Requirement

from rvc import __version__, paths
from rvc.errors import RVCError
from rvc.prerequisites import check_all
from rvc.settings import Settings, load_settings, resolve_output_dir


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The doctor takes no options beyond `--help`."""


def pinned_requirements() -> list[tuple[str, str | None]]:
    """(name, pinned version or None) for each requirements.txt line that applies to this platform."""
    file = paths.PROJECT_ROOT / "requirements.txt"
    if not file.is_file():
        return []
    found = []
    for line in file.read_text(encoding="utf-8").splitlines():
        text = line.split(" #", 1)[0].strip()
        if not text or text.startswith(("#", "-")):
            continue
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        pins = [spec.version for spec in requirement.specifier if spec.operator == "=="]
        found.append((requirement.name, pins[0] if pins else None))
    return found


def package_lines() -> list[str]:
    """One line per required package: installed version, or what is missing or mismatched."""
    lines = []
    for name, pinned in pinned_requirements():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            lines.append(f"  {name:<20} NOT INSTALLED (fix: run ./run-install.sh or run-install.bat)")
            continue
        note = ""
        if pinned is not None and installed.split("+")[0] != pinned:
            note = f"  (requirements.txt pins {pinned}; fix: run ./run-install.sh)"
        lines.append(f"  {name:<20} {installed}{note}")
    return lines


def torch_lines() -> list[str]:
    """torch build, CUDA availability and the device conversions and training will use."""
    try:
        import torch
    except (ImportError, OSError) as error:  # a broken torch install must not stop the report
        return [f"torch       NOT IMPORTABLE: {error} (fix: run ./run-install.sh or run-install.bat)"]
    lines = [f"torch       {torch.__version__} (CUDA build {torch.version.cuda or 'none'})"]
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(index)
            lines.append(
                f"device      cuda:{index} {props.name}, {props.total_memory / 2**30:.1f} GiB, "
                f"compute {props.major}.{props.minor}, bf16 {'yes' if torch.cuda.is_bf16_supported() else 'no'}"
            )
    else:
        lines.append(f"device      cpu ({torch.get_num_threads()} threads); CUDA not available")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        lines.append("device      mps (Apple GPU) available")
    return lines


def prerequisite_lines() -> tuple[list[str], int, int]:
    """Lines for each prerequisite weight (present or missing with its fix), count present, count total."""
    statuses = check_all()
    lines = []
    for status in statuses:
        if status.present:
            lines.append(f"  [ok]      {status.name}: {status.path}")
        else:
            lines.append(f"  [missing] {status.name} ({status.description})")
            lines.append(f"            fix: {status.fix}")
    return lines, sum(status.present for status in statuses), len(statuses)


def tts_lines() -> list[str]:
    """Each text-to-speech engine: whether it can speak now, and what to do if not."""
    from pathlib import Path

    from rvc.prerequisites import DEFAULT_PIPER_VOICE, PIPER_VOICES
    from rvc.tts.piper import downloaded_voices

    try:
        import espeakng_loader

        ready = Path(espeakng_loader.get_library_path()).is_file()
    except (ImportError, RuntimeError):
        ready = False
    lines = [
        "  espeak    "
        + (
            "ready (library and data from espeakng-loader, offline)"
            if ready
            else "NOT AVAILABLE (fix: run ./run-install.sh)"
        )
    ]
    present = downloaded_voices()
    lines.append(
        f"  piper     {len(present)} voice(s) downloaded{': ' + ', '.join(present) if present else ''}; "
        f"{len(set(PIPER_VOICES) - set(present))} catalogued voice(s) download on first use "
        f"(or: python -m rvc download --piper-voice {DEFAULT_PIPER_VOICE})"
    )
    cache = paths.edge_voices_cache()
    lines.append(
        "  edge      online; "
        + (f"voice list cached at {cache}" if cache.is_file() else "voice list not fetched yet (needs the internet)")
    )
    return lines


def settings_lines() -> list[str]:
    """Where settings and converted audio live, and whether the settings file is readable."""
    try:
        settings = load_settings()
        state = (
            f"theme {settings.theme}, precision {settings.precision}, "
            f"conversion precision {settings.conversion_precision}"
        )
    except RVCError as error:
        settings, state = Settings(), f"UNUSABLE: {error}"
    return [
        f"  outputs   {resolve_output_dir(settings)}",
        f"  settings  {paths.settings_path()} ({state})",
    ]


def portaudio_text() -> str:
    """Where the PortAudio library is (local audio devices in realtime conversion), or what to install."""
    import ctypes.util
    import importlib.util

    found = ctypes.util.find_library("portaudio")
    if found is None and importlib.util.find_spec("_sounddevice_data") is not None:
        found = "bundled with sounddevice"
    return found or (
        "NOT FOUND (needed only for realtime conversion with local audio devices; fix: sudo apt-get install "
        "libportaudio2, or the portaudio package of your system)"
    )


def report() -> str:
    """The whole doctor report as text."""
    ffmpeg = shutil.which("ffmpeg")
    lines = [
        f"RVC Studio {__version__}",
        f"python      {platform.python_version()} ({sys.executable})",
        f"platform    {platform.platform()}",
        f"cpu cores   {os.cpu_count()}",
        *torch_lines(),
        f"ffmpeg      {ffmpeg or 'NOT FOUND (needed to decode mp3/m4a/ogg uploads; fix: install ffmpeg)'}",
        f"portaudio   {portaudio_text()}",
        "",
        "folders",
        f"  weights   {paths.weights_dir()}",
        f"  logs      {paths.logs_dir()}",
        *settings_lines(),
        "",
        "packages",
        *package_lines(),
        "",
        "text to speech",
        *tts_lines(),
        "",
        "prerequisite weights",
    ]
    prerequisites, present, total = prerequisite_lines()
    lines += prerequisites
    lines.append(f"  {present} of {total} present" + ("" if present == total else "; the app starts without them"))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Print the report; always 0, since a missing weight is information, not a failure."""
    print(report())
    return 0
