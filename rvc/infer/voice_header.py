"""A voice file's rate and vocoder, read cheaply for pick lists: only the small pickle inside the `.pth` zip.

Every tensor and storage in that pickle becomes an inert placeholder, so torch is never imported, no weight
is read and nothing named by the file is run (only `collections.OrderedDict` and the placeholder are built).
Loading a voice for conversion goes through `rvc.models.read_voice_file`, which checks the whole file.
"""

from __future__ import annotations

import collections
import io
import pickle
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rvc.models.voice_file import HIFIGAN_PREFIXES, MRF_PREFIXES, REFINEGAN_PREFIXES, SR_STRINGS

MAX_PICKLE_BYTES = 32 * 1024 * 1024
"""A voice's pickle holds one short record per tensor (tens of KB); anything far larger is not a voice header."""


@dataclass(frozen=True)
class VoiceHeader:
    """What a list shows about a voice: its output rate and vocoder (None where the file does not say)."""

    sample_rate: int | None
    vocoder: str | None


class _Placeholder:
    """Stands for any torch object of the pickle (tensor, storage, dtype): takes any arguments and state."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        pass


class _HeaderUnpickler(pickle.Unpickler):
    """Unpickles the structure of a torch file with placeholders instead of tensors; refuses any other class."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch" or module.startswith("torch."):
            return _Placeholder
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a voice file")

    def persistent_load(self, pid: Any) -> None:
        return None


def _rate(value: Any) -> int | None:
    """Hz from 40000 or "40k"; None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str):
        return SR_STRINGS.get(value.strip().lower())
    return None


def _vocoder(data: dict) -> str | None:
    """The vocoder the decoder's weight names belong to, else the one the file names."""
    weights = data.get("weight")
    keys = [key for key in weights if isinstance(key, str)] if isinstance(weights, dict) else []
    known = ((REFINEGAN_PREFIXES, "RefineGAN"), (MRF_PREFIXES, "MRF HiFi-GAN"), (HIFIGAN_PREFIXES, "HiFi-GAN"))
    for prefixes, name in known:
        if any(key.startswith(prefixes) for key in keys):
            return name
    stored = data.get("vocoder")
    return stored if isinstance(stored, str) and stored else None


def read_voice_header(path: str | Path) -> VoiceHeader:
    """Rate and vocoder of the voice at `path` from its pickle alone.

    Raises ValueError (no small pickle), TypeError (not a dict), OSError, zipfile.BadZipFile or
    pickle.UnpicklingError; callers that only label a list treat any of them as "unknown".
    """
    with zipfile.ZipFile(path) as archive:
        member = next((info for info in archive.infolist() if info.filename.endswith("data.pkl")), None)
        if member is None or member.file_size > MAX_PICKLE_BYTES:
            raise ValueError(f"{path} has no small data.pkl; it is not a torch zip file")
        data = _HeaderUnpickler(io.BytesIO(archive.read(member))).load()
    if not isinstance(data, dict):
        raise TypeError(f"{path} holds a {type(data).__name__}, not a voice dict")
    config = data.get("config")
    rate = _rate(config[-1]) if isinstance(config, list | tuple) and config else None
    return VoiceHeader(sample_rate=rate or _rate(data.get("sr")), vocoder=_vocoder(data))
