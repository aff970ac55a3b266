"""Sets a random-weight voice's loudness: an untrained vocoder's output level depends on its initial weights alone.

Random voices stand in for trained ones in the conversion and streaming tests; a trained voice speaks at about
the level of its training speech, while a random one can come out anywhere from 1e-4 to 0.2 RMS depending on the
init and the seed. Scaling the vocoder's last conv gives every test voice the same, realistic level, so level
checks (and the 16-bit quantization noise of the written files) do not depend on how loud a seed happens to be.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn.utils import parametrize

from rvc.devices import seeded_draws
from rvc.features.f0.track import coarse_f0

SPEECH_RMS = 0.1
"""Output RMS a random test voice is scaled to: about -20 dBFS, the level of normally recorded speech."""
PROBE_FRAMES = 64
"""Length of the probe the level is measured on (10 ms frames)."""


def probe_output(model: nn.Module, seed: int = 0) -> torch.Tensor:
    """The voice's audio `[1, 1, PROBE_FRAMES * hop]` for random content features and a 120-240 Hz pitch glide.

    The same for the same `seed` (the vocoders' sources draw noise) and leaves the global random state alone.
    """
    f0 = np.geomspace(120.0, 240.0, PROBE_FRAMES)
    pitch = torch.from_numpy(coarse_f0(f0))[None] if model.use_f0 else None
    pitchf = torch.from_numpy(f0).float()[None] if model.use_f0 else None
    with seeded_draws(seed, torch.device("cpu")), torch.no_grad():
        features = torch.randn(1, PROBE_FRAMES, model.enc_p.emb_phone.in_features)
        audio, _mask, _latents = model.infer(
            features, torch.tensor([PROBE_FRAMES]), pitch, pitchf, torch.tensor([0]), noise_scale=0.0
        )
    return audio


def scale_output_layer(model: nn.Module, factor: float) -> None:
    """Multiply the vocoder's last conv (`dec.conv_post`: weight-normed or plain, with or without bias) by `factor`.

    Weight and bias both, so the whole pre-tanh output scales (MRF's bias alone can set a random voice's level).
    """
    conv = model.dec.conv_post
    with torch.no_grad():
        if parametrize.is_parametrized(conv, "weight"):
            conv.parametrizations.weight.original0.mul_(factor)  # the magnitude g; the direction v stays
        else:
            conv.weight.mul_(factor)
        if conv.bias is not None:
            conv.bias.mul_(factor)


def set_output_level(model: nn.Module, rms: float = SPEECH_RMS, rounds: int = 4) -> float:
    """Scale `model`'s output layer until its probe output has about `rms` RMS (within 5%); returns the level reached.

    The output passes a tanh, so one linear correction can fall short of a loud target: a few rounds converge.
    """
    level = float(probe_output(model).pow(2).mean().sqrt())
    for _ in range(rounds):
        if abs(level / rms - 1.0) < 0.05:
            break
        scale_output_layer(model, rms / level)
        level = float(probe_output(model).pow(2).mean().sqrt())
    return level
