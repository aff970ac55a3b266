"""The RVC synthesizer: content (+ pitch) prior, posterior encoder, flow, speaker embedding and a vocoder `dec`.

Submodules and parameter names follow the reference (`enc_p`, `dec`, `enc_q`, `flow`, `emb_g`), so the state dicts
of mainline RVC, Applio and Codename voices load as they are (on-disk weight-norm names via `weight_norm`).
"""

from __future__ import annotations

import torch
from torch import nn

from rvc.configs import DEFAULT_NOISE_SCALE
from rvc.models.commons import rand_slice_segments, slice_segments
from rvc.models.encoders import PosteriorEncoder, TextEncoder
from rvc.models.flow import ResidualCouplingBlock
from rvc.models.vocoders import build_vocoder
from rvc.models.vocoders.windows import Window
from rvc.models.weight_norm import fold_weight_norm


class Synthesizer(nn.Module):
    """RVC generator; keyword arguments only, the first 18 being the fields of a `SynthesizerConfig`
    (`Synthesizer(**config.as_kwargs(), use_f0=..., text_enc_hidden_dim=..., vocoder=...)`).

    Args:
        spec_channels: linear-spectrogram bins read by `enc_q` (`filter_length // 2 + 1`).
        segment_size: training slice length in frames.
        inter_channels: latent channels (192).
        hidden_channels: encoder/flow channels (192).
        filter_channels: transformer FFN channels (768).
        n_heads, n_layers, kernel_size, p_dropout: transformer heads, layers, FFN kernel, dropout.
        resblock: residual block type (only "1" exists in RVC voices).
        resblock_kernel_sizes, resblock_dilation_sizes, upsample_rates, upsample_initial_channel,
            upsample_kernel_sizes: vocoder geometry (`prod(upsample_rates)` is the hop length).
        spk_embed_dim: rows of the speaker table `emb_g`.
        gin_channels: speaker-embedding channels (256).
        sr: output sample rate in Hz.
        use_f0: pitch-guided model (coarse pitch into `enc_p`, f0 into the vocoder).
        text_enc_hidden_dim: content-feature width (768 for v2 voices, 256 for v1).
        vocoder: "HiFi-GAN", "MRF HiFi-GAN" or "RefineGAN".
        randomized: train on random `segment_size` slices (True) or on whole utterances.
    """

    def __init__(
        self,
        *,
        spec_channels: int,
        segment_size: int,
        inter_channels: int,
        hidden_channels: int,
        filter_channels: int,
        n_heads: int,
        n_layers: int,
        kernel_size: int,
        p_dropout: float,
        resblock: str,
        resblock_kernel_sizes: list[int],
        resblock_dilation_sizes: list[list[int]],
        upsample_rates: list[int],
        upsample_initial_channel: int,
        upsample_kernel_sizes: list[int],
        spk_embed_dim: int,
        gin_channels: int,
        sr: int,
        use_f0: bool = True,
        text_enc_hidden_dim: int = 768,
        vocoder: str = "HiFi-GAN",
        randomized: bool = True,
    ) -> None:
        super().__init__()
        if str(resblock) != "1":
            raise ValueError(f"only residual block type '1' is supported, got {resblock!r}")
        self.segment_size = segment_size
        self.use_f0 = use_f0
        self.randomized = randomized
        self.sample_rate = sr
        self.vocoder = vocoder
        self.enc_p = TextEncoder(
            inter_channels,
            hidden_channels,
            filter_channels,
            n_heads,
            n_layers,
            kernel_size,
            p_dropout,
            text_enc_hidden_dim,
            use_f0=use_f0,
        )
        self.dec = build_vocoder(
            vocoder,
            initial_channel=inter_channels,
            resblock_kernel_sizes=resblock_kernel_sizes,
            resblock_dilation_sizes=resblock_dilation_sizes,
            upsample_rates=upsample_rates,
            upsample_initial_channel=upsample_initial_channel,
            upsample_kernel_sizes=upsample_kernel_sizes,
            gin_channels=gin_channels,
            sr=sr,
            use_f0=use_f0,
        )
        self.enc_q = PosteriorEncoder(spec_channels, inter_channels, hidden_channels, 5, 1, 16, gin_channels)
        self.flow = ResidualCouplingBlock(inter_channels, hidden_channels, 5, 1, 3, gin_channels=gin_channels)
        self.emb_g = nn.Embedding(spk_embed_dim, gin_channels)

    def _decode(
        self, z: torch.Tensor, pitchf: torch.Tensor | None, g: torch.Tensor, window: Window | None = None
    ) -> torch.Tensor:
        """Vocoder on latent `z` `[B, C, T]` with f0 `[B, T]` (f0 models) -> audio `[B, 1, T*hop]`, or of the
        frames `window` = (start, stop) only: `[B, 1, (stop - start)*hop]`."""
        return self.dec(z, pitchf if self.use_f0 else None, g, window=window)

    def forward(
        self,
        phone: torch.Tensor,
        phone_lengths: torch.Tensor,
        pitch: torch.Tensor | None,
        pitchf: torch.Tensor | None,
        spec: torch.Tensor,
        spec_lengths: torch.Tensor,
        sid: torch.Tensor,
    ) -> tuple:
        """Training pass -> `y_hat` `[B, 1, seg*hop]`, `ids_slice` `[B]` (None when not randomized), `x_mask`, `y_mask`,
        `(z, z_p, m_p, logs_p, m_q, logs_q)`.

        `phone` `[B, T, E]`, `pitch` `[B, T]` long, `pitchf` `[B, T]` Hz, `spec` `[B, F, T]`, lengths `[B]`,
        `sid` `[B]`.
        """
        g = self.emb_g(sid).unsqueeze(-1)
        m_p, logs_p, x_mask = self.enc_p(phone, pitch if self.use_f0 else None, phone_lengths)
        z, m_q, logs_q, y_mask = self.enc_q(spec, spec_lengths, g=g)
        z_p = self.flow(z, y_mask, g=g)
        if self.randomized:
            z_slice, ids_slice = rand_slice_segments(z, spec_lengths, self.segment_size)
            if self.use_f0:
                pitchf = slice_segments(pitchf, ids_slice, self.segment_size)
            y_hat = self._decode(z_slice, pitchf, g)
        else:
            ids_slice = None
            y_hat = self._decode(z, pitchf, g)
        return y_hat, ids_slice, x_mask, y_mask, (z, z_p, m_p, logs_p, m_q, logs_q)

    def infer(
        self,
        phone: torch.Tensor,
        phone_lengths: torch.Tensor,
        pitch: torch.Tensor | None,
        pitchf: torch.Tensor | None,
        sid: torch.Tensor,
        noise_scale: float = DEFAULT_NOISE_SCALE,
        window: Window | None = None,
        noise: torch.Tensor | None = None,
    ) -> tuple:
        """Conversion -> audio `[B, 1, T*hop]`, `x_mask` `[B, 1, T]`, `(z, z_p, m_p, logs_p)`.

        `phone` `[B, T, E]`, `phone_lengths` `[B]`, `pitch` `[B, T]` long and `pitchf` `[B, T]` Hz (None for no-f0
        models), `sid` `[B]` long; `noise_scale` scales the prior sample (0 gives the prior mean). `window` =
        (start, stop) vocodes only those frames (`[B, 1, (stop - start)*hop]`, the same samples a full pass gives
        there, up to float rounding); the prior and flow still run over all T frames. `noise` `[B, C, T]`, the prior
        sample already scaled, replaces the draw (ONNX graphs take it as an input).
        """
        g = self.emb_g(sid).unsqueeze(-1)
        m_p, logs_p, x_mask = self.enc_p(phone, pitch if self.use_f0 else None, phone_lengths)
        if noise is None:
            noise = torch.randn_like(m_p) * noise_scale
        z_p = (m_p + torch.exp(logs_p) * noise) * x_mask
        z = self.flow(z_p, x_mask, g=g, reverse=True)
        audio = self._decode(z * x_mask, pitchf, g, window)
        return audio, x_mask, (z, z_p, m_p, logs_p)

    def remove_weight_norm(self) -> None:
        """Fold every weight-norm parametrization (vocoder, flow, posterior encoder) for faster inference."""
        fold_weight_norm(self)
