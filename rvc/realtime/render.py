"""One window of 16 kHz input -> the converted audio of its tail, with the offline pipeline's steps.

Content features over the whole window (the embedder and the text encoder see the extra context), index
blending and protect on the frames that are rendered, the text encoder over the window, the flow over the tail
and as many frames left of it as its convolutions reach (`flow_reach`: the tail's latent is the same as over
the whole window), and the vocoder over the tail only.
"""

from __future__ import annotations

import numpy as np
import torch

from rvc.devices import seeded_draws
from rvc.infer.feature_blend import blend_and_protect
from rvc.infer.options import ConversionOptions
from rvc.infer.pipeline import WINDOW, LoadedModels, StageTimer


class LatentNoise:
    """The prior's random draws per 10 ms frame of the window, kept as the window slides.

    A frame keeps its draw in every block that renders it, so overlapping blocks render the same latent
    there and the crossfades blend like with like. `vocoder_seed` seeds the vocoder's own draws (its sine
    source's harmonic phases) the same way in every block, so the harmonics of two blocks are in phase
    once SOLA has lined up their fundamentals. Seeded from the options' seed when one is set.
    """

    def __init__(self, frames: int, seed: int | None) -> None:
        self.frames = frames
        self.generator = torch.Generator()
        if seed is None:
            self.generator.seed()
        else:
            self.generator.manual_seed(int(seed))
        self.draws: torch.Tensor | None = None
        self.vocoder_seed = int(torch.randint(2**31 - 1, (1,), generator=self.generator))

    def shift(self, frames: int) -> None:
        """Drop the oldest `frames` draws and draw new ones for the newest frames."""
        if self.draws is not None:
            fresh = torch.randn(1, self.draws.shape[1], frames, generator=self.generator)
            self.draws = torch.cat((self.draws[:, :, frames:], fresh), dim=2)

    def window(self, channels: int) -> torch.Tensor:
        """`[1, channels, frames]` draws (drawn afresh when the voice's latent width changes)."""
        if self.draws is None or self.draws.shape[1] != channels:
            self.draws = torch.randn(1, channels, self.frames, generator=self.generator)
        return self.draws


def window_features(
    wav16k: np.ndarray,
    models: LoadedModels,
    options: ConversionOptions,
    f0: np.ndarray | None,
    rendered: int,
    timer: StageTimer | None = None,
) -> torch.Tensor:
    """16 kHz window `[N]` -> content features `[1, N // 160, C]` per 10 ms frame, index-blended and protected.

    The embedder gives one frame per 20 ms, a little short of the window's end: the last one is repeated
    there. Only the last `rendered` frames are looked up in the index (the others are context).
    """
    voice = models.voice
    frames = len(wav16k) // WINDOW
    timer = timer or StageTimer()
    with torch.inference_mode():
        with timer("features"):
            feats = models.embedder.extract(torch.from_numpy(np.ascontiguousarray(wav16k))[None], voice.version)
        wanted = (frames + 1) // 2
        if feats.shape[1] < wanted:
            feats = torch.cat((feats, feats[:, -1:].expand(-1, wanted - feats.shape[1], -1)), dim=1)
        feats = feats[:, :wanted]
        first = max(0, wanted - (rendered + 1) // 2)
        feats = blend_and_protect(feats, models.index, options, f0, frames, first=first, timer=timer)
    return feats


def flow_reach(flow: torch.nn.Module) -> int:
    """Frames either side of a frame that the flow's output there depends on: its convolutions' half-widths added
    (24 for RVC's flow: four couplings of three kernel-5 layers), so the flow needs only that much left of the tail."""
    convs = (module for module in flow.modules() if isinstance(module, torch.nn.Conv1d))
    return sum((conv.kernel_size[0] - 1) * conv.dilation[0] // 2 for conv in convs)


def flow_tail(flow: torch.nn.Module, z_p: torch.Tensor, mask: torch.Tensor, g: torch.Tensor, tail: int) -> torch.Tensor:
    """The reverse flow's latent `[1, C, tail]` of the last `tail` frames of `z_p` `[1, C, T]` (mask `[1, 1, T]`),
    computed over those frames and the `flow_reach` frames left of them only: the same as over all T frames."""
    first = max(0, z_p.shape[2] - tail - flow_reach(flow))
    return flow(z_p[:, :, first:], mask[:, :, first:], g=g, reverse=True)[:, :, -tail:]


def render_tail(
    models: LoadedModels,
    feats: torch.Tensor,
    f0: np.ndarray | None,
    options: ConversionOptions,
    noise: LatentNoise,
    tail: int,
    timer: StageTimer | None = None,
) -> np.ndarray:
    """Features `[1, T, C]` + pitch Hz `[T]` of a window -> audio `[tail · hop]` of its last `tail` frames."""
    from rvc.features.f0 import coarse_f0

    voice, device = models.voice, models.device
    model = voice.model
    dtype = next(model.parameters()).dtype
    frames = feats.shape[1]
    pitch = pitchf = None
    if voice.use_f0:
        pitchf = torch.from_numpy(f0.astype(np.float32))[None].to(device)
        pitch = torch.from_numpy(coarse_f0(f0))[None].to(device)
    timer = timer or StageTimer()
    with torch.inference_mode():
        with timer("synthesis"):
            g = model.emb_g(torch.tensor([options.speaker_id], device=device)).unsqueeze(-1)
            m_p, logs_p, mask = model.enc_p(
                feats.to(device=device, dtype=dtype), pitch, torch.tensor([frames], device=device)
            )
            draws = noise.window(m_p.shape[1]).to(device=device, dtype=dtype)
            z_p = (m_p + torch.exp(logs_p) * draws * options.noise_scale) * mask
            z = flow_tail(model.flow, z_p, mask, g, tail)
        with timer("vocoder"), seeded_draws(noise.vocoder_seed, device):
            audio = model.dec(z, pitchf[:, -tail:] if voice.use_f0 else None, g)
    return audio[0, 0].float().cpu().numpy()
