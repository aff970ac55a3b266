"""Per-sample-rate model and training configs (JSON in the reference `train`/`data`/`model` layout)."""

from __future__ import annotations

import json
from pathlib import Path

from rvc.errors import RVCError

CONFIGS_DIR = Path(__file__).resolve().parent
SAMPLE_RATES = (32000, 40000, 44100, 48000)
VERSIONS = ("v1", "v2")
PRECISIONS = ("fp32", "fp16", "bf16")
"""Number formats a model can train or run in (fp16/bf16 fall back to fp32 where the device lacks them)."""
CONVERSION_PRECISIONS = ("auto", "fp32", "bf16")
"""Float types a conversion runs its synthesizer and embedder in (`auto` chooses per device; see rvc.infer.precision)."""
LEGACY_SEGMENT_SIZE = 32
"""Entry 2 of a voice file's `config` list: every reference exporter writes this constant, not the training segment."""
DEFAULT_NOISE_SCALE = 0.66666
"""Scale of the prior sample at conversion time (the reference's value; 0 gives the prior mean)."""


def config_path(sample_rate: int, version: str = "v2") -> Path:
    """Path of the JSON config for `sample_rate` (Hz) and model `version` ("v1" or "v2")."""
    if version not in VERSIONS:
        raise RVCError(f"Unknown model version {version!r}: use one of {', '.join(VERSIONS)}.")
    if sample_rate not in SAMPLE_RATES:
        rates = ", ".join(str(rate) for rate in SAMPLE_RATES)
        raise RVCError(f"Unsupported sample rate {sample_rate!r}: use one of {rates} Hz.")
    return CONFIGS_DIR / version / f"{sample_rate}.json"


def load_config(sample_rate: int, version: str = "v2") -> dict:
    """A fresh copy of the config for `sample_rate` and `version` (sections `train`, `data`, `model`)."""
    with open(config_path(sample_rate, version), encoding="utf-8") as file:
        return json.load(file)


def spec_channels(cfg: dict) -> int:
    """Linear-spectrogram bins the posterior encoder reads: `filter_length // 2 + 1`."""
    return cfg["data"]["filter_length"] // 2 + 1


def segment_frames(cfg: dict) -> int:
    """Training slice length in frames: `train.segment_size // data.hop_length`."""
    return cfg["train"]["segment_size"] // cfg["data"]["hop_length"]
