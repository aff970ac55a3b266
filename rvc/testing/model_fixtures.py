"""Tiny random-weight model files in the real layouts, for tests and benchmarks of the pipelines that load them."""

from __future__ import annotations

from pathlib import Path

import torch

from rvc.testing.voice_level import SPEECH_RMS, set_output_level


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


def save_random_voice(
    path: Path,
    sample_rate: int = 40000,
    version: str = "v2",
    use_f0: bool = True,
    vocoder: str = "HiFi-GAN",
    seed: int = 0,
    vocoder_channels: int | None = None,
    level: float | None = SPEECH_RMS,
) -> Path:
    """A voice file with random weights (real config for `sample_rate`/`version`), in Applio's layout.

    `vocoder_channels` shrinks the vocoder's initial width (512 in real voices) so tests synthesize fast. `level`
    scales the vocoder's output layer so the voice speaks at about that RMS, as a trained voice would (see
    `rvc.testing.voice_level`); None keeps the level its random weights happen to give.
    """
    from rvc.configs import load_config
    from rvc.models.synthesizer import Synthesizer
    from rvc.models.synthesizer_config import SynthesizerConfig
    from rvc.models.voice_file import save_voice

    torch.manual_seed(seed)
    config = SynthesizerConfig.from_json_config(load_config(sample_rate, version))
    if vocoder_channels is not None:
        config = config.replace(upsample_initial_channel=vocoder_channels)
    model = Synthesizer(
        **config.as_kwargs(), use_f0=use_f0, text_enc_hidden_dim=768 if version == "v2" else 256, vocoder=vocoder
    ).eval()
    if level is not None:
        set_output_level(model, level)
    return save_voice(path, model.state_dict(), config, model_name=Path(path).stem)


def save_random_rmvpe(path: Path, seed: int = 0) -> Path:
    """Random RMVPE weights in the public `rmvpe.pt` layout (half precision, like the published file)."""
    from rvc.features.f0.rmvpe import RMVPENet

    torch.manual_seed(seed)
    state = RMVPENet().state_dict()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({key: value.half() if value.is_floating_point() else value for key, value in state.items()}, path)
    return path


def save_random_index(path: Path, dim: int = 768, vectors: int = 500, seed: int = 0) -> Path:
    """A filled faiss IVF index over `vectors` random `dim`-d features, built as training builds it."""
    import numpy as np

    from rvc.train.index import build_index, write_index

    features = np.random.default_rng(seed).standard_normal((vectors, dim)).astype(np.float32)
    return write_index(build_index(features, seed=seed), Path(path))
