"""Blending voices: a weighted average of 2..N compatible voice files, saved as an ordinary voice file.

Every stored tensor (weight norm kept as `weight_g`/`weight_v`, as Applio's blender does) becomes
`sum(w_i * tensor_i)` computed in fp32 and stored as fp16, with the weights normalised to sum 1. A voice
with weight 0 is checked but adds nothing, so weights (1, 0) give the first voice's tensors bit for bit.
Speaker tables (`emb_g.weight`, `[n_speakers, 256]`) may differ in rows: the result keeps the first
voice's table size; rows every voice has are blended, rows only the first voice has are copied from it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rvc.errors import RVCError

if TYPE_CHECKING:
    import torch

    from rvc.models.voice_file import VoiceFile

SPEAKER_TABLE = "emb_g.weight"
MAX_VOICES = 8
"""More voices add little but load time and memory (each voice is held in memory while blending)."""


@dataclass(frozen=True)
class BlendResult:
    """Where the blended voice was written, what it is, and what was done about speaker tables."""

    path: Path
    sample_rate: int
    version: str
    vocoder: str
    weights: tuple[float, ...]
    notes: tuple[str, ...]

    def describe(self) -> str:
        """One line for the CLI and the tab."""
        mix = ", ".join(f"{weight:.3g}" for weight in self.weights)
        text = f"saved {self.path} ({self.sample_rate} Hz, {self.version}, {self.vocoder}; weights {mix})"
        return " ".join([text, *self.notes])


def normalise_weights(weights: Sequence[float], count: int) -> tuple[float, ...]:
    """`weights` scaled to sum 1; RVCError for a wrong count, a negative or non-finite weight, or all zero."""
    if len(weights) != count:
        raise RVCError(f"{count} voices need {count} weights, got {len(weights)}: give one weight per voice.")
    for weight in weights:
        if not math.isfinite(weight) or weight < 0:
            raise RVCError(f"blend weight {weight} is not allowed: use numbers of 0 or more, e.g. 0.5 0.5.")
    total = math.fsum(weights)
    if total <= 0:
        raise RVCError("all blend weights are 0: give at least one voice a weight above 0.")
    return tuple(weight / total for weight in weights)


def _differences(first: VoiceFile, other: VoiceFile) -> str | None:
    """What makes `other` impossible to blend with `first` (None when they fit), naming both files."""
    a, b = first.path.name, other.path.name
    if first.sample_rate != other.sample_rate:
        return f"{a} is {first.sample_rate} Hz but {b} is {other.sample_rate} Hz: blend voices of the same rate."
    if first.version != other.version:
        return f"{a} is {first.version} but {b} is {other.version}: blend voices of the same version."
    if first.vocoder != other.vocoder:
        return f"{a} uses the {first.vocoder} vocoder but {b} uses {other.vocoder}: blend voices of one vocoder."
    if first.use_f0 != other.use_f0:
        pitch = {True: "with pitch guidance", False: "without pitch guidance"}
        return f"{a} is {pitch[first.use_f0]} but {b} is {pitch[other.use_f0]}: blend voices that both use pitch or both do not."
    embedders = first.metadata.get("embedder_model"), other.metadata.get("embedder_model")
    if all(embedders) and embedders[0] != embedders[1]:
        return (
            f"{a} was trained on {embedders[0]} features but {b} on {embedders[1]}: their content features do not "
            "match, so blend voices trained with the same embedder."
        )
    missing = sorted(set(first.weights) ^ set(other.weights))
    if missing:
        where = a if missing[0] in first.weights else b
        return (
            f"{a} and {b} have different model layouts ({len(missing)} weights differ, e.g. {missing[0]!r} only in "
            f"{where}): blend voices trained with the same settings."
        )
    for key, tensor in first.weights.items():
        shape_a, shape_b = tuple(tensor.shape), tuple(other.weights[key].shape)
        if shape_a == shape_b or (key == SPEAKER_TABLE and shape_a[1:] == shape_b[1:]):
            continue
        return (
            f"{a} and {b} differ in {key!r} ({list(shape_a)} vs {list(shape_b)}): blend voices trained with the "
            "same settings."
        )
    return None


def _speakers(first: int, last: int) -> str:
    """ "speaker 0" or "speakers 0-2"."""
    return f"speaker {first}" if first == last else f"speakers {first}-{last}"


def _speaker_note(files: Sequence[VoiceFile]) -> str | None:
    """What the blend does with speaker tables of different sizes (None when all are the same size)."""
    rows = [file.n_speakers for file in files]
    if len(set(rows)) == 1:
        return None
    common, first = min(rows), files[0].path.name
    sizes = ", ".join(f"{file.path.name}: {n}" for file, n in zip(files, rows, strict=True))
    note = (
        f"Speaker tables differ ({sizes}): the result keeps {first}'s {rows[0]} "
        f"speaker{'s' if rows[0] != 1 else ''}; {_speakers(0, common - 1)} blended"
    )
    if rows[0] > common:
        note += f", {_speakers(common, rows[0] - 1)} copied from {first}"
    return note + "."


def _blend_tensor(key: str, tensors: Sequence[torch.Tensor], weights: Sequence[float]) -> torch.Tensor:
    """`sum(w * t)` in fp32 over the voices with weight > 0, cast back to the first tensor's dtype.

    For the speaker table only the rows every voice has are blended; the first voice's other rows stay as they are.
    """
    first = tensors[0]
    if not first.is_floating_point():
        return first.clone()
    rows = min(tensor.shape[0] for tensor in tensors) if key == SPEAKER_TABLE else None
    mixed = None
    for tensor, weight in zip(tensors, weights, strict=True):
        if weight > 0:
            part = weight * tensor[:rows].float()
            mixed = part if mixed is None else mixed + part
    result = first.float().clone()
    result[:rows] = mixed
    return result.to(first.dtype)


def read_compatible(paths: Sequence[str | os.PathLike[str]]) -> list[VoiceFile]:
    """Read 2..MAX_VOICES voice files safely and check they can be blended; RVCError naming the difference."""
    from rvc.models.voice_file import read_voice_file

    if not 2 <= len(paths) <= MAX_VOICES:
        raise RVCError(f"blend 2 to {MAX_VOICES} voices; {len(paths)} given.")
    files = [read_voice_file(path) for path in paths]
    for other in files[1:]:
        problem = _differences(files[0], other)
        if problem:
            raise RVCError(problem)
    return files


def blend_voices(
    paths: Sequence[str | os.PathLike[str]],
    weights: Sequence[float],
    output: str | os.PathLike[str],
    *,
    name: str | None = None,
    overwrite: bool = False,
) -> BlendResult:
    """Blend the voices at `paths` with `weights` (normalised to sum 1) into `output`, written atomically.

    Nothing is written when a voice is unreadable or incompatible, or `output` exists and `overwrite` is False.
    """
    from rvc.downloads import sha256_of
    from rvc.models.voice_file import save_voice

    output = Path(output)
    if output.suffix.lower() != ".pth":
        raise RVCError(f"the blended voice must be saved as a .pth file, not {output.name}: e.g. -o blended.pth.")
    if output.exists() and not overwrite:
        raise RVCError(f"{output} already exists: choose another output name, or pass --overwrite to replace it.")
    normalised = normalise_weights([float(weight) for weight in weights], len(paths))
    files = read_compatible(paths)
    blended = {key: _blend_tensor(key, [file.weights[key] for file in files], normalised) for key in files[0].weights}
    notes = tuple(note for note in [_speaker_note(files)] if note)
    sources = [
        {
            "file": file.path.name,
            "model_name": file.metadata.get("model_name") or file.path.stem,
            "sha256": sha256_of(file.path),
            "weight": weight,
        }
        for file, weight in zip(files, normalised, strict=True)
    ]
    info = "Blend of " + ", ".join(f"{source['model_name']} ({source['weight']:.3g})" for source in sources) + "."
    first = files[0]
    speakers_id = first.metadata.get("speakers_id")
    save_voice(
        output,
        blended,
        first.config,
        model_name=name or output.stem,
        author=first.metadata.get("author"),
        embedder_model=first.metadata.get("embedder_model") or "contentvec",
        speakers_id=speakers_id if isinstance(speakers_id, int) else 1,
        extra_metadata={"info": " ".join([info, *notes]), "blend_sources": sources},
    )
    return BlendResult(output, first.sample_rate, first.version, first.vocoder, normalised, notes)
