"""One window of 16 kHz input -> the converted audio of its tail, with the offline pipeline's steps.

Content features over the whole window (the embedder and the text encoder see the extra context), index
blending and protect on the frames that are rendered, the text encoder and flow over the window, and the
vocoder over the tail only: most of the compute is the vocoder, so context costs little.
"""

from __future__ import annotations

import numpy as np
import torch

from rvc.infer.options import ConversionOptions
from rvc.infer.pipeline import WINDOW, LoadedModels


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
    wav16k: np.ndarray, models: LoadedModels, options: ConversionOptions, f0: np.ndarray | None, rendered: int
) -> torch.Tensor:
    """16 kHz window `[N]` -> content features `[1, N // 160, C]` per 10 ms frame, index-blended and protected.

    The embedder gives one frame per 20 ms, a little short of the window's end: the last one is repeated
    there. Only the last `rendered` frames are looked up in the index (the others are context).
    """
    voice = models.voice
    frames = len(wav16k) // WINDOW
    with torch.inference_mode():
        feats = models.embedder.extract(torch.from_numpy(np.ascontiguousarray(wav16k))[None], voice.version)
        wanted = (frames + 1) // 2
        if feats.shape[1] < wanted:
            feats = torch.cat((feats, feats[:, -1:].expand(-1, wanted - feats.shape[1], -1)), dim=1)
        feats = feats[:, :wanted]
        original = feats
        indexed = models.index is not None and options.index_rate > 0
        if indexed:
            first = max(0, wanted - (rendered + 1) // 2)
            blended = models.index.blend(feats[0, first:].cpu().numpy(), options.index_rate)
            feats = torch.cat((feats[:, :first], torch.from_numpy(blended)[None].to(feats.device)), dim=1)
        feats = feats.repeat_interleave(2, dim=1)[:, :frames]
        if f0 is not None and indexed and options.protect < 0.5:
            mask = torch.from_numpy(np.where(f0 > 0, 1.0, options.protect).astype(np.float32))
            mask = mask[None, :, None].to(feats.device)
            feats = feats * mask + original.repeat_interleave(2, dim=1)[:, :frames] * (1.0 - mask)
    return feats


def render_tail(
    models: LoadedModels,
    feats: torch.Tensor,
    f0: np.ndarray | None,
    options: ConversionOptions,
    noise: LatentNoise,
    tail: int,
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
    with torch.inference_mode():
        g = model.emb_g(torch.tensor([options.speaker_id], device=device)).unsqueeze(-1)
        m_p, logs_p, mask = model.enc_p(
            feats.to(device=device, dtype=dtype), pitch, torch.tensor([frames], device=device)
        )
        draws = noise.window(m_p.shape[1]).to(device=device, dtype=dtype)
        z_p = (m_p + torch.exp(logs_p) * draws * options.noise_scale) * mask
        z = model.flow(z_p, mask, g=g, reverse=True)
        forked = (
            [torch.cuda.current_device() if device.index is None else device.index] if device.type == "cuda" else []
        )
        with torch.random.fork_rng(devices=forked):
            torch.manual_seed(noise.vocoder_seed)
            audio = model.dec(z[:, :, -tail:], pitchf[:, -tail:] if voice.use_f0 else None, g)
    return audio[0, 0].float().cpu().numpy()
