"""Tiny real-layout voices for the voice-tool tests (thin widths so they save and load in milliseconds)."""

from __future__ import annotations

from pathlib import Path

import torch

from rvc.configs import load_config
from rvc.models.synthesizer_config import SynthesizerConfig


def tiny_voice(
    path: Path,
    seed: int = 0,
    sample_rate: int = 40000,
    version: str = "v2",
    use_f0: bool = True,
    vocoder: str = "HiFi-GAN",
    speakers: int = 1,
    hidden: int = 8,
    embedder: str = "contentvec",
) -> Path:
    """A voice file with random weights and thin layers, saved by `save_voice` like an exported voice."""
    from rvc.models.synthesizer import Synthesizer
    from rvc.models.voice_file import save_voice

    config = SynthesizerConfig.from_json_config(load_config(sample_rate, version)).replace(
        inter_channels=8,
        hidden_channels=hidden,
        filter_channels=16,
        upsample_initial_channel=32,
        spk_embed_dim=speakers,
        gin_channels=8,
    )
    torch.manual_seed(seed)
    model = Synthesizer(
        **config.as_kwargs(), use_f0=use_f0, text_enc_hidden_dim=768 if version == "v2" else 256, vocoder=vocoder
    )
    return save_voice(path, model.state_dict(), config, model_name=Path(path).stem, embedder_model=embedder)
