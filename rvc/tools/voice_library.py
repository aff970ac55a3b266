"""The voice library: every voice in the logs folder with what it is and its index; rename, delete, and pack
into a `.zip` to share (what `rvc.tools.import_voice` takes back).

A voice is a `.pth` under the logs folder (training checkpoints `G_*`/`D_*` are not voices); its index is
the one `rvc.infer.library.match_index` pairs with it. Renaming a voice renames its file and a same-named
index beside it; when the folder holds nothing but that voice and its index (an imported voice) and is
named after it, the folder is renamed too. A training run's folder keeps its name: its checkpoints belong to it.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from rvc import paths
from rvc.errors import RVCError
from rvc.infer.library import index_paths, match_index


@dataclass(frozen=True)
class LibraryVoice:
    """One voice file: what it is (None where the file could not be read, `problem` says why) and its index."""

    path: Path
    name: str
    sample_rate: int | None
    version: str | None
    vocoder: str | None
    use_f0: bool | None
    size_bytes: int
    index: Path | None
    problem: str | None = None


@functools.lru_cache(maxsize=256)
def _details(
    path: str, modified_ns: int, size: int
) -> tuple[int | None, str | None, str | None, bool | None, str | None]:
    """(rate, version, vocoder, f0, problem) of a voice file; cached per path, modification time and size,
    so refreshing the library reads only new or changed files."""
    from rvc.models.voice_file import read_voice_file

    try:
        file = read_voice_file(path)
    except RVCError as error:
        return None, None, None, None, str(error)
    return file.sample_rate, file.version, file.vocoder, file.use_f0, None


def list_voices() -> list[LibraryVoice]:
    """Every voice under the logs folder, sorted by path, each read weights-only (unreadable ones say why)."""
    indexes = index_paths()
    voices = []
    for path in paths.find_voices():
        index = match_index(path, indexes)
        info = path.stat()
        rate, version, vocoder, use_f0, problem = _details(str(path), info.st_mtime_ns, info.st_size)
        voices.append(
            LibraryVoice(
                path, path.stem, rate, version, vocoder, use_f0, info.st_size, Path(index) if index else None, problem
            )
        )
    return voices


def _voice_in_logs(path: str | os.PathLike[str]) -> Path:
    """`path` if it is a voice file inside the logs folder; RVCError otherwise (the library touches nothing else)."""
    path = Path(path)
    logs = paths.logs_dir().resolve()
    resolved = path.resolve()
    if not resolved.is_relative_to(logs) or resolved.suffix != ".pth" or resolved.name.startswith(("G_", "D_")):
        raise RVCError(f"{path} is not a voice in the voices folder {logs}; pick a voice from the library.")
    if not resolved.is_file():
        raise RVCError(f"{path} no longer exists; refresh the library.")
    return resolved


def _own_index(voice: Path) -> Path | None:
    """The index paired with `voice` when it sits in the voice's own folder (an index elsewhere is not its own)."""
    index = match_index(voice, [str(path) for path in paths.find_indexes(voice.parent)])
    return Path(index) if index and Path(index).parent == voice.parent else None


def rename_voice(path: str | os.PathLike[str], new_name: str) -> Path:
    """Rename a voice (and its same-named index; its folder when it holds only them); returns the new voice path."""
    from rvc.tools.import_voice import check_voice_name

    voice = _voice_in_logs(path)
    new_name = new_name.strip()
    new_name = check_voice_name(new_name[:-4] if new_name.lower().endswith(".pth") else new_name)
    if new_name == voice.stem:
        return voice
    folder = voice.parent
    index = _own_index(voice)
    own = {voice} | ({index} if index else set())
    logs = paths.logs_dir().resolve()
    move_folder = folder != logs and folder.name == voice.stem and set(folder.iterdir()) == own
    new_folder = logs / new_name if move_folder else folder
    if move_folder and new_folder.exists():
        raise RVCError(f"a folder named {new_name!r} already exists in {logs}; pick another name.")
    if not move_folder and (folder / f"{new_name}.pth").exists():
        raise RVCError(f"a voice named {new_name!r} already exists in {folder}; pick another name.")
    if index is not None and index.stem == voice.stem:
        index.rename(folder / f"{new_name}.index")
    voice = voice.rename(folder / f"{new_name}.pth")
    if move_folder:
        folder.rename(new_folder)
    return new_folder / voice.name


def delete_voice(path: str | os.PathLike[str], confirmed: bool) -> list[Path]:
    """Delete a voice and, when no other voice shares its folder, its index (and the folder once empty).

    `confirmed` must be True (the user ticked "yes, delete"); returns the removed files.
    """
    voice = _voice_in_logs(path)
    if not confirmed:
        raise RVCError(f"{voice.name} was not deleted: tick 'yes, delete' to confirm, then press Delete again.")
    index = _own_index(voice)
    others = [other for other in paths.find_voices(voice.parent) if other.parent == voice.parent and other != voice]
    removed = [voice]
    voice.unlink()
    if index is not None and not others:
        index.unlink()
        removed.append(index)
    folder = voice.parent
    if folder != paths.logs_dir().resolve() and not any(folder.iterdir()):
        folder.rmdir()
    return removed


def pack_voice(path: str | os.PathLike[str], target: str | os.PathLike[str]) -> Path:
    """Write `target` (a `.zip`): the voice as `<name>.pth` and its own index as `<name>.index`, the layout voice
    sites share and `import_voice` reads; returns `target`. Written beside it first, then moved into place."""
    import zipfile

    from rvc.atomic_files import atomic_path

    voice = _voice_in_logs(path)
    target = Path(target)
    if target.suffix.lower() != ".zip":
        raise RVCError(f"{target.name} is not a .zip file name; name the file <something>.zip.")
    index = _own_index(voice)
    # Weights and a faiss index hardly compress: storing them is as small and much faster.
    with (
        atomic_path(target, keep_suffix=False) as staging,
        zipfile.ZipFile(staging, "w", compression=zipfile.ZIP_STORED) as archive,
    ):
        archive.write(voice, f"{voice.stem}.pth")
        if index is not None:
            archive.write(index, f"{voice.stem}.index")
    return target


def default_pack_path(voice: str | os.PathLike[str]) -> Path:
    """Where a packed voice goes by default: `voices/<name>.zip` in the output folder (the Settings tab's)."""
    from rvc.settings import ensure_output_dir

    return ensure_output_dir() / "voices" / f"{Path(voice).stem}.zip"
