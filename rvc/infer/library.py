"""The voices and indexes a user can pick (from `logs/`), and the index that belongs with a voice."""

from __future__ import annotations

from pathlib import Path

from rvc import paths


def voice_choices() -> list[str]:
    """Voice files under the logs folder, as path strings, sorted."""
    return [str(path) for path in paths.find_voices()]


def index_choices() -> list[str]:
    """Usable index files under the logs folder (mainline's empty `trained_…` files left out), sorted."""
    return [str(path) for path in paths.find_indexes() if "trained" not in path.name]


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
