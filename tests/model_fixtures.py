"""Tiny random-weight model files in the real layouts, for tests of the pipelines that load them."""

from __future__ import annotations

from pathlib import Path

import torch


def save_tiny_embedder(folder: Path, hidden_size: int = 768, layers: int = 2, seed: int = 0) -> Path:
    """A HuBERT with the real width (so v2 voices take its features) but 2 thin layers, saved as Applio does.

    Written with transformers' `save_pretrained` (`config.json` + `model.safetensors`) plus `final_proj`.
    """
    import transformers

    class HubertWithFinalProj(transformers.HubertModel):
        def __init__(self, config):
            super().__init__(config)
            self.final_proj = torch.nn.Linear(config.hidden_size, config.classifier_proj_size)

    torch.manual_seed(seed)
    config = transformers.HubertConfig(
        hidden_size=hidden_size,
        num_hidden_layers=layers,
        num_attention_heads=12,
        intermediate_size=64,
        conv_dim=(32,) * 7,
        num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=16,
        classifier_proj_size=256,
    )
    model = HubertWithFinalProj(config).eval()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    return folder
