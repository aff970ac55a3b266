"""Content embedders: 16 kHz waveform → HuBERT/ContentVec frames at 50/s, as RVC voices expect them.

    embedder = load_embedder("contentvec")           # or a folder / a fairseq hubert_base.pt path
    feats = embedder.extract(wav16k, version="v2")   # [B, N] -> [B, T, 768]

v2 voices read the output of the last transformer layer (768-d). v1 voices read the output of
transformer layer 9 projected by `final_proj` to 256-d, as the original RVC trained them (fairseq
`extract_features(output_layer=9)`: in the post-LN base model that is the 9th layer's output as is,
with no extra norm; Applio instead projects the last layer, which does not match v1 training).
One second of audio gives 49 frames (no padding: `(N - 400) // 320 + 1`).
"""

from __future__ import annotations

from pathlib import Path

import torch

from rvc import paths, prerequisites
from rvc.errors import RVCError
from rvc.features.hubert import Hubert
from rvc.features.hubert_files import HF_WEIGHTS, Checkpoint, locate_checkpoint, read_hubert

BUILTIN_EMBEDDERS: tuple[str, ...] = tuple(prerequisites.EMBEDDERS)
VERSIONS = ("v1", "v2")
V1_LAYER = 9


class Embedder:
    """A loaded content embedder, reused across calls: `extract` only moves the input and runs the model."""

    def __init__(self, model: Hubert, name: str, source: Path, device: torch.device, dtype: torch.dtype):
        self.model = model
        self.name = name
        self.source = source
        self.device = device
        self.dtype = dtype

    def dim(self, version: str = "v2") -> int:
        """Feature width for voices of `version`: hidden size (768) for v2, `final_proj` size (256) for v1."""
        self._check_version(version)
        if version == "v2":
            return self.model.config.hidden_size
        return self.model.final_proj.out_features

    def num_frames(self, num_samples: int) -> int:
        """Frames `extract` returns for `num_samples` samples (49 per 16 000)."""
        return self.model.num_frames(num_samples)

    def extract(self, wav16k: torch.Tensor, version: str = "v2") -> torch.Tensor:
        """`[B, N]` float waveform at 16 kHz → `[B, T, C]` float32 features (C = 768 for v2, 256 for v1)."""
        self._check_version(version)
        if wav16k.dim() != 2:
            raise ValueError(f"expected a [batch, samples] waveform, got shape {tuple(wav16k.shape)}")
        if wav16k.shape[-1] < self.model.min_samples:
            raise RVCError(
                f"audio too short for the content embedder: {wav16k.shape[-1]} samples at 16 kHz; "
                f"give it at least {self.model.min_samples} samples ({self.model.min_samples / 16:.0f} ms) of audio."
            )
        with torch.inference_mode():
            wav = wav16k.to(device=self.device, dtype=self.dtype)
            if version == "v2":
                return self.model(wav).float()
            return self.model.final_proj(self.model(wav, num_layers=V1_LAYER)).float()

    def _check_version(self, version: str) -> None:
        """Refuse unknown versions and v1 on embedders that cannot make v1 features."""
        if version not in VERSIONS:
            raise RVCError(f"unknown voice version {version!r}; expected one of {', '.join(VERSIONS)}.")
        if version == "v1" and self.model.final_proj is None:
            raise RVCError(
                f"embedder {self.name!r} ({self.source}) has no final_proj layer, so it cannot make the 256-d "
                "features v1 voices need; use contentvec (or the original hubert_base.pt) for v1 voices."
            )
        if version == "v1" and self.model.config.num_layers < V1_LAYER:
            raise RVCError(
                f"embedder {self.name!r} ({self.source}) has {self.model.config.num_layers} layers but v1 voices read "
                f"layer {V1_LAYER}; use contentvec (or the original hubert_base.pt) for v1 voices."
            )


def load_embedder(
    name_or_path: str | Path,
    device: str | torch.device = "cpu",
    half: bool = False,
    dtype: torch.dtype | None = None,
) -> Embedder:
    """Load a built-in embedder by name, or a custom folder / fairseq `.pt`, onto `device`.

    `half` runs the model in float16 on CUDA devices (ignored elsewhere); a given `dtype` (e.g. bfloat16) is
    used instead. Outputs are always float32.
    """
    device = torch.device(device)
    name, checkpoint = find_embedder(name_or_path)
    if dtype is None:
        dtype = torch.float16 if half and device.type == "cuda" else torch.float32
    model = read_hubert(checkpoint).to(device=device, dtype=dtype)
    return Embedder(model, name, checkpoint.weights, device, dtype)


def find_embedder(name_or_path: str | Path) -> tuple[str, Checkpoint]:
    """(display name, checkpoint) for a built-in name, a folder under the embedders folder, or a path."""
    text = str(name_or_path).strip()
    if text in BUILTIN_EMBEDDERS:
        folder = paths.embedder_dir(text)
        checkpoint = locate_checkpoint(folder) if folder.is_dir() else None
        if checkpoint is None:
            raise RVCError(_missing_builtin_message(text, folder))
        return text, checkpoint
    given = Path(text).expanduser()
    for candidate in (given, paths.embedder_dir(text)):
        if text and candidate.exists():
            checkpoint = locate_checkpoint(candidate)
            if checkpoint is None:
                raise RVCError(
                    f"embedder folder {candidate} holds no model: put config.json with "
                    f"{' or '.join(HF_WEIGHTS)} in it (Hugging Face layout), or a fairseq hubert_base.pt."
                )
            return candidate.name, checkpoint
    raise RVCError(
        f"unknown embedder {text!r}: not a built-in ({', '.join(BUILTIN_EMBEDDERS)}) and no folder "
        f"{given} or {paths.embedder_dir(text)}; give a folder with config.json + {' or '.join(HF_WEIGHTS)}, "
        "or the path of a fairseq hubert_base.pt."
    )


def _missing_builtin_message(name: str, folder: Path) -> str:
    """Where a built-in embedder should be and the two ways to get it there."""
    remote_folder = prerequisites.embedder_items(name)[0].url.rsplit("/", 1)[0]
    return (
        f"embedder {name!r} is not installed (no model in {folder}): run "
        f"`python -m rvc download --embedder {name}`, or download config.json and pytorch_model.bin "
        f"from {remote_folder}/ into that folder by hand."
    )
