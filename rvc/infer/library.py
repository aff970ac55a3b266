"""The voices and indexes a user can pick (from `logs/`), their readable labels, and the index that fits a voice.

Lists are `(label, path)` pairs: the label names the run, the file, the rate and the vocoder; the path is the
value a picker keeps. A voice's rate and vocoder come from its header (`rvc.infer.voice_header`), read once
per file version; a file whose header cannot be read is listed under its file name.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from rvc import paths
from rvc.errors import RVCError

log = logging.getLogger(__name__)


def voice_paths() -> list[str]:
    """Voice files under the logs folder, as path strings, sorted."""
    return [str(path) for path in paths.find_voices()]


def index_paths() -> list[str]:
    """Usable index files under the logs folder (mainline's empty `trained_…` files left out), sorted."""
    return [str(path) for path in paths.find_indexes() if "trained" not in path.name]


def _run_and_name(path: Path) -> tuple[str, str]:
    """(run folder, file name) of a file below the logs folder; the run is "" for a file outside any run."""
    try:
        parts = path.resolve().relative_to(paths.logs_dir().resolve()).parts
    except ValueError:
        return "", path.name
    return (parts[0], path.name) if len(parts) > 1 else ("", path.name)


def _rate_text(rate: int) -> str:
    """44100 -> "44.1 kHz", 40000 -> "40 kHz"."""
    return f"{rate / 1000:g} kHz"


@functools.lru_cache(maxsize=512)
def _header_text(path: str, mtime_ns: int, size: int) -> str:
    """The facts after a voice label (` · 40 kHz · HiFi-GAN`) for that version of the file; "" when unreadable."""
    from rvc.infer.voice_header import read_voice_header

    try:
        header = read_voice_header(path)
    except Exception as error:  # noqa: BLE001 - a damaged file is listed by name, never breaks the list
        log.debug("cannot read the header of %s: %s", path, error)
        return ""
    facts = [_rate_text(header.sample_rate) if header.sample_rate else "", header.vocoder or ""]
    return "".join(f" · {fact}" for fact in facts if fact)


def voice_label(path: str | Path) -> str:
    """`alice · 40 kHz · HiFi-GAN` (`alice / alice_e100 · …` when the file is not named after its run)."""
    path = Path(path)
    run, name = _run_and_name(path)
    try:
        stat = path.stat()
    except OSError:
        return f"{run} / {name}" if run else name
    facts = _header_text(str(path), stat.st_mtime_ns, stat.st_size)
    if not facts:
        return f"{run} / {name}" if run else name
    title = path.stem if run in ("", path.stem) else f"{run} / {path.stem}"
    return title + facts


def index_label(path: str | Path) -> str:
    """`alice · added_IVF5_Flat.index`: the run and the file name."""
    run, name = _run_and_name(Path(path))
    return f"{run} · {name}" if run else name


def voice_choices() -> list[tuple[str, str]]:
    """(label, path) of each voice under the logs folder, sorted by path."""
    return [(voice_label(path), path) for path in voice_paths()]


def index_choices() -> list[tuple[str, str]]:
    """(label, path) of each usable index under the logs folder, sorted by path."""
    return [(index_label(path), path) for path in index_paths()]


def resolve_voice(voice: str) -> str:
    """A voice file path from a path, a voice file name without `.pth`, or a run name with one voice (logs folder)."""
    text = (voice or "").strip().strip('"')
    if not text:
        raise RVCError("No voice given: pass a voice file path or the name of a voice in the logs folder.")
    if Path(text).expanduser().is_file():
        return str(Path(text).expanduser())
    voices = voice_paths()
    by_file = [path for path in voices if Path(path).stem == text]
    by_run = [path for path in voices if _run_and_name(Path(path))[0] == text]
    for found in (by_file, by_run):
        if len(found) == 1:
            return found[0]
        if found:
            raise RVCError(f"{len(found)} voices are named {text!r} ({', '.join(found)}); pass the file path instead.")
    known = sorted({Path(path).stem for path in voices})
    raise RVCError(
        f"Voice {text!r} not found: it is not a file and no voice in {paths.logs_dir()} has that name "
        f"(voices: {', '.join(known) or 'none yet'})."
    )


def match_index(voice_path: str | Path, indexes: list[str]) -> str:
    """The index paired with `voice_path`, or "" when none fits.

    In order: same folder and same name; the only index in the voice's folder; an index in that folder whose
    name contains the voice's name; an index anywhere whose name contains the voice's name.
    """
    if not voice_path:
        return ""
    voice = Path(voice_path)
    stem = voice.stem.lower()
    candidates = [Path(index) for index in indexes]
    same_folder = [index for index in candidates if index.parent == voice.parent]
    for index in same_folder:
        if index.stem.lower() == stem:
            return str(index)
    if len(same_folder) == 1:
        return str(same_folder[0])
    for group in (same_folder, candidates):
        for index in group:
            if stem and stem in index.stem.lower():
                return str(index)
    return ""
