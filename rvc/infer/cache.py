"""The one owner of the models a conversion loads: voice, content embedder and faiss index stay loaded between
calls, keyed by file (path, size, modification time) and device; choosing another voice replaces the old one.

Pitch estimators are owned by `rvc.features.f0.MODELS`, which this cache clears together with its own models.
`LOCK` serialises conversions: the models and torch's global random generator are shared by every caller.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from rvc.devices import resolve_device  # noqa: F401 - re-exported: conversions resolve their device here
from rvc.errors import RVCError

if TYPE_CHECKING:
    import torch

    from rvc.features.embedders import Embedder
    from rvc.infer.retrieval import FeatureIndex
    from rvc.models.voice_file import Voice

LOCK = threading.RLock()
FAST_CONV_VOCODERS = ("HiFi-GAN", "MRF HiFi-GAN")
"""Vocoders run with channels-last convolutions on CPU (RefineGAN's noise draws follow the memory layout, so it
would not give the same audio for a seed)."""
ONNX_VOCODERS = ("HiFi-GAN", "MRF HiFi-GAN")
"""Vocoders whose convolution body runs in ONNX Runtime on CPU in float32 (`rvc.infer.onnx_vocoder`); the others,
and every one where onnxruntime is missing, get the channels-last convolutions."""


def _speed_up_cpu_vocoder(voice: Voice) -> None:
    """ONNX Runtime body where it applies (float32 HiFi-GAN/MRF), else channels-last convolutions where they do."""
    if voice.vocoder in ONNX_VOCODERS:
        from rvc.infer.onnx_vocoder import use_onnx_body

        if use_onnx_body(voice.model.dec, voice.use_f0):
            return
    if voice.vocoder in FAST_CONV_VOCODERS:
        from rvc.infer.fast_conv import channels_last_convs

        channels_last_convs(voice.model.dec)


def _file_key(path: str | Path) -> tuple[str, int, int]:
    """(resolved path, size, mtime) so an edited or replaced file is loaded afresh."""
    path = Path(path).expanduser()
    try:
        stat = path.stat()
    except OSError:
        return str(path), -1, -1
    return str(path.resolve()), stat.st_size, stat.st_mtime_ns


class ModelCache:
    """Holds at most one voice, one embedder and one index; `get_*` loads on a miss and replaces the previous one."""

    def __init__(self) -> None:
        self._voice: tuple[tuple, Voice] | None = None
        self._embedder: tuple[tuple, Embedder] | None = None
        self._index: tuple[tuple, FeatureIndex] | None = None

    def voice(self, path: str | Path, device: torch.device, half: bool = False, precision: str = "auto") -> Voice:
        """The voice in `path` on `device`, its weights in the float type of (`precision`, `half`) (see
        `rvc.infer.precision.conversion_dtype`); channels-last vocoder convolutions on CPU."""
        from rvc.infer.precision import conversion_dtype

        dtype = conversion_dtype(precision, half, device)
        key = (_file_key(path), str(device), dtype)
        with LOCK:
            if self._voice is None or self._voice[0] != key:
                self._voice = None
                from rvc.models import load_voice

                if not Path(path).expanduser().is_file():
                    raise RVCError(f"Voice file not found: {path}. Pick a .pth voice (they are listed from logs/).")
                voice = load_voice(Path(path).expanduser(), device)
                voice.model.to(dtype)
                if device.type == "cpu":
                    _speed_up_cpu_vocoder(voice)
                self._voice = (key, voice)
            return self._voice[1]

    def embedder(
        self, name_or_path: str, device: torch.device, half: bool = False, precision: str = "auto"
    ) -> Embedder:
        """The content embedder `name_or_path` on `device`, in the float type of (`precision`, `half`); its
        forward in ONNX Runtime on CPU in float32."""
        from rvc.features.embedders import find_embedder, load_embedder
        from rvc.infer.precision import conversion_dtype

        dtype = conversion_dtype(precision, half, device)
        _name, checkpoint = find_embedder(name_or_path)
        key = (_file_key(checkpoint.weights), str(device), dtype)
        with LOCK:
            if self._embedder is None or self._embedder[0] != key:
                self._embedder = None
                embedder = load_embedder(name_or_path, device, dtype=dtype)
                if device.type == "cpu":
                    from rvc.infer.onnx_embedder import use_onnx_forward

                    use_onnx_forward(embedder.model)
                self._embedder = (key, embedder)
            return self._embedder[1]

    def index(self, path: str | Path) -> FeatureIndex:
        """The faiss index in `path`, its vectors reconstructed once."""
        from rvc.infer.retrieval import FeatureIndex

        key = _file_key(path)
        with LOCK:
            if self._index is None or self._index[0] != key:
                self._index = None
                self._index = (key, FeatureIndex.load(Path(path).expanduser()))
            return self._index[1]

    def clear(self) -> None:
        """Unload everything (voice, embedder, index and the pitch estimators)."""
        from rvc.features.f0 import MODELS as PITCH_MODELS

        with LOCK:
            self._voice = self._embedder = self._index = None
            PITCH_MODELS.clear()


MODELS = ModelCache()
