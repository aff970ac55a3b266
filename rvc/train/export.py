"""Export a trained generator as a voice file with the run's metadata."""

from __future__ import annotations

from pathlib import Path

import torch

from rvc.models.synthesizer_config import SynthesizerConfig
from rvc.train.layout import RunLayout
from rvc.train.run_info import read_model_info


def export_voice(
    layout: RunLayout,
    generator: torch.nn.Module,
    config: dict,
    *,
    epoch: int,
    step: int,
    author: str | None = None,
    path: Path | None = None,
    extra_metadata: dict | None = None,
) -> Path:
    """Write `path` (default `logs/<name>/<name>_<epoch>e_<step>s.pth`) in Applio's layout from the live generator,
    with `extra_metadata` added to the standard entries."""
    from rvc.models.voice_file import save_voice

    generator = getattr(generator, "module", generator)
    state = generator.state_dict()
    settings = SynthesizerConfig.from_json_config(config).replace(spk_embed_dim=int(state["emb_g.weight"].shape[0]))
    info = read_model_info(layout.model_info)
    return save_voice(
        path or layout.root / f"{layout.name}_{epoch}e_{step}s.pth",
        state,
        settings,
        epoch=epoch,
        step=step,
        model_name=layout.name,
        author=author,
        embedder_model=info.get("embedder_model", "contentvec"),
        speakers_id=int(info.get("speakers_id", 1)),
        dataset_length=info.get("total_dataset_duration"),
        extra_metadata=extra_metadata,
    )
