"""The training filelist: one line per slice whose audio, features and pitch all exist, plus mute items.

Line format (Applio's): `wav|features|f0|f0_voiced|speaker` for pitch-guided voices and
`wav|features|speaker` without pitch; paths relative to the run folder with `/` separators.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rvc.atomic_files import write_text_atomic
from rvc.errors import RVCError
from rvc.train.layout import RunLayout

MAX_MUTE_FILES = 10
MUTE_SECONDS = 3.0


@dataclass(frozen=True)
class FilelistEntry:
    """One training item; `f0_coarse`/`f0_hz` are None for voices without pitch guidance."""

    wav: Path
    features: Path
    f0_coarse: Path | None
    f0_hz: Path | None
    speaker: int


def slice_speaker(name: str) -> int:
    """Speaker id encoded in a slice name `<speaker>_<file>_<slice>`."""
    return int(name.split("_", 1)[0])


def complete_slices(layout: RunLayout, use_f0: bool) -> list[str]:
    """Names of slices that have audio, features and (with `use_f0`) both pitch files, sorted."""
    names = {p.stem for p in layout.sliced_audios.glob("*.wav")} & {p.stem for p in layout.features.glob("*.npy")}
    if use_f0:
        for folder in (layout.f0_coarse, layout.f0_hz):
            names &= {p.name[: -len(".wav.npy")] for p in folder.glob("*.wav.npy")}
    return sorted(names)


def mute_entry(layout: RunLayout, sample_rate: int, speaker: int, use_f0: bool) -> FilelistEntry:
    """The silent item for `speaker` at `sample_rate`."""
    mute = layout.mute
    return FilelistEntry(
        wav=mute / "sliced_audios" / f"mute{sample_rate}.wav",
        features=mute / "extracted" / "mute.npy",
        f0_coarse=mute / "f0" / "mute.wav.npy" if use_f0 else None,
        f0_hz=mute / "f0_voiced" / "mute.wav.npy" if use_f0 else None,
        speaker=speaker,
    )


def write_mute_audio_and_pitch(layout: RunLayout, sample_rate: int) -> None:
    """Write 3 s of silence at `sample_rate` and 16 kHz and its pitch files (all unvoiced) under `mute/`."""
    from rvc.audio import save_audio

    frames = int(MUTE_SECONDS * 100) + 1
    save_audio(
        layout.mute / "sliced_audios" / f"mute{sample_rate}.wav",
        np.zeros(int(MUTE_SECONDS * sample_rate)),
        sample_rate,
        subtype="FLOAT",
    )
    save_audio(
        layout.mute / "sliced_audios_16k" / "mute.wav", np.zeros(int(MUTE_SECONDS * 16000)), 16000, subtype="FLOAT"
    )
    for folder, values in (("f0", np.ones(frames, np.int64)), ("f0_voiced", np.zeros(frames, np.float32))):
        (layout.mute / folder).mkdir(parents=True, exist_ok=True)
        np.save(layout.mute / folder / "mute.wav.npy", values)


def format_entry(entry: FilelistEntry, root: Path) -> str:
    """The filelist line of `entry`, paths relative to `root`."""
    paths = [entry.wav, entry.features] + ([entry.f0_coarse, entry.f0_hz] if entry.f0_coarse else [])
    return "|".join([*(p.relative_to(root).as_posix() for p in paths), str(entry.speaker)])


def write_filelist(
    layout: RunLayout, sample_rate: int, use_f0: bool = True, mute_files: int = 2, seed: int = 0
) -> list[FilelistEntry]:
    """Write `filelist.txt` (shuffled with `seed`) with `mute_files` silent items per speaker (0 to 10)."""
    if not isinstance(mute_files, int) or not 0 <= mute_files <= MAX_MUTE_FILES:
        raise RVCError(f"mute files per speaker must be a whole number from 0 to {MAX_MUTE_FILES}, got {mute_files!r}")
    names = complete_slices(layout, use_f0)
    if not names:
        raise RVCError(f"no complete slices in {layout.root} (audio + features + pitch); run preprocess and extract")
    entries = [
        FilelistEntry(
            wav=layout.sliced_audios / f"{name}.wav",
            features=layout.features / f"{name}.npy",
            f0_coarse=layout.f0_coarse / f"{name}.wav.npy" if use_f0 else None,
            f0_hz=layout.f0_hz / f"{name}.wav.npy" if use_f0 else None,
            speaker=slice_speaker(name),
        )
        for name in names
    ]
    if mute_files:
        mutes = [mute_entry(layout, sample_rate, s, use_f0) for s in sorted({e.speaker for e in entries})]
        missing = [p for p in (mutes[0].wav, mutes[0].features, mutes[0].f0_coarse) if p and not p.exists()]
        if missing:
            raise RVCError(f"mute item file {missing[0]} is missing; run the extract step again (it writes them)")
        entries += [m for m in mutes for _ in range(mute_files)]
    random.Random(seed).shuffle(entries)
    write_text_atomic(layout.filelist, "\n".join(format_entry(e, layout.root) for e in entries))
    return entries


def read_filelist(path: Path, root: Path | None = None) -> list[FilelistEntry]:
    """Parse a filelist; relative paths are taken from `root` (default: the filelist's folder)."""
    path = Path(path)
    root = path.parent if root is None else Path(root)
    if not path.is_file():
        raise RVCError(f"filelist {path} not found; run the extract step first")
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("|")
        if len(fields) not in (3, 5):
            raise RVCError(f"{path} line {number} has {len(fields)} fields, expected 5 (with pitch) or 3")
        paths = [root / f for f in fields[:-1]]
        entries.append(
            FilelistEntry(
                paths[0],
                paths[1],
                paths[2] if len(paths) == 4 else None,
                paths[3] if len(paths) == 4 else None,
                int(fields[-1]),
            )
        )
    return entries
