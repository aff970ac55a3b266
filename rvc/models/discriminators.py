"""GAN discriminators for training: multi-period (+ scale) sets, and RefineGAN's set with multi-resolution ones.

Layout of `D_*.pth` (`discriminators.{k}.convs.{i}` / `.conv_post`, all weight-normed): index 0 is the scale
discriminator, then one period discriminator per period, then (RefineGAN only) the resolution discriminators.
Period discriminators use mainline RVC's strides (3, 3, 3, 3, 1); the Codename fork's stride 3 on the fifth conv
changes no shape, so its checkpoints load unchanged.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize

from rvc.configs import VERSIONS
from rvc.errors import RVCError
from rvc.models.commons import get_padding
from rvc.models.vocoders import VOCODER_NAMES
from rvc.models.weight_norm import weight_norm

LRELU_SLOPE = 0.1
PERIODS_V1 = (2, 3, 5, 7, 11, 17)
PERIODS_V2 = (2, 3, 5, 7, 11, 17, 23, 37)
PERIODS_REFINEGAN = (2, 3, 5, 7, 11)
RESOLUTIONS_REFINEGAN = ((1024, 120, 600), (2048, 240, 1200), (512, 50, 240))
PERIOD_STRIDES = (3, 3, 3, 3, 1)
ROWS_LAST_MAX_PERIOD = 7
"""On the CPU, period discriminators up to this period convolve the folded waveform with its long axis (the rows)
last: oneDNN's convolutions vectorise along the last axis, which is only `period` wide in the usual layout (measured
on a 2-core AVX2 CPU with 3 s slices: periods 2 and 3 about 1.4x faster, 5 and 7 a little; 11 and up no better)."""


def _run_convs(x: torch.Tensor, convs: nn.ModuleList, conv_post: nn.Module) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Every discriminator's body: `lrelu(conv)` per conv, then `conv_post`; input `[B, C, ...]` ->
    (flattened logits `[B, N]`, output of every conv incl. the last)."""
    feature_maps = []
    for conv in convs:
        x = F.leaky_relu(conv(x), LRELU_SLOPE)
        feature_maps.append(x)
    x = conv_post(x)
    feature_maps.append(x)
    return torch.flatten(x, 1), feature_maps


class DiscriminatorS(nn.Module):
    """Scale discriminator: strided grouped 1-D convs on the waveform. [B, 1, L] -> (logits [B, N], feature maps)."""

    def __init__(self) -> None:
        super().__init__()
        layers = [
            (1, 16, 15, 1, 1),
            (16, 64, 41, 4, 4),
            (64, 256, 41, 4, 16),
            (256, 1024, 41, 4, 64),
            (1024, 1024, 41, 4, 256),
            (1024, 1024, 5, 1, 1),
        ]
        self.convs = nn.ModuleList(
            weight_norm(nn.Conv1d(c_in, c_out, k, stride, padding=get_padding(k), groups=groups))
            for c_in, c_out, k, stride, groups in layers
        )
        self.conv_post = weight_norm(nn.Conv1d(1024, 1, 3, padding=1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Waveform [B, 1, L] -> (logits [B, N], output of every conv incl. the last)."""
        return _run_convs(x, self.convs, self.conv_post)


class DiscriminatorP(nn.Module):
    """Period discriminator: the waveform folded to [L/p, p] under (5, 1) 2-D convs. [B, 1, L] -> (logits, maps)."""

    def __init__(self, period: int) -> None:
        super().__init__()
        self.period = period
        channels = (1, 32, 128, 512, 1024, 1024)
        self.convs = nn.ModuleList(
            weight_norm(nn.Conv2d(c_in, c_out, (5, 1), (stride, 1), padding=(get_padding(5), 0)))
            for c_in, c_out, stride in zip(channels[:-1], channels[1:], PERIOD_STRIDES)
        )
        self.conv_post = weight_norm(nn.Conv2d(1024, 1, (3, 1), padding=(1, 0)))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Waveform [B, 1, L] (reflect-padded to a multiple of the period) -> (logits [B, N], feature maps)."""
        batch, channels, length = x.shape
        if length % self.period:
            x = F.pad(x, (0, self.period - length % self.period), "reflect")
        x = x.view(batch, channels, -1, self.period)
        if x.device.type != "cpu" or self.period > ROWS_LAST_MAX_PERIOD:
            return _run_convs(x, self.convs, self.conv_post)
        return self._run_rows_last(x)

    def _run_rows_last(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """`_run_convs` on the folded waveform [B, C, L/p, p] laid out as [B, C, p, L/p] with transposed kernels:
        the same sums, returned in the usual [B, C, L/p, p] shape (the feature maps as transposed views)."""
        x = x.transpose(2, 3).contiguous()
        feature_maps = []
        for index, conv in enumerate([*self.convs, self.conv_post]):
            x = F.conv2d(x, conv.weight.transpose(2, 3), conv.bias, conv.stride[::-1], conv.padding[::-1])
            if index < len(self.convs):
                x = F.leaky_relu(x, LRELU_SLOPE)
            feature_maps.append(x.transpose(2, 3))
        return torch.flatten(feature_maps[-1], 1), feature_maps


class DiscriminatorR(nn.Module):
    """Resolution discriminator: 2-D convs over a magnitude STFT (rectangular window). [B, 1, L] -> (logits, maps).

    Args:
        resolution: (n_fft, hop_length, win_length) of the spectrogram.
    """

    def __init__(self, resolution: tuple[int, int, int]) -> None:
        super().__init__()
        self.resolution = tuple(resolution)
        self.convs = nn.ModuleList(
            [
                weight_norm(nn.Conv2d(1, 32, (3, 9), padding=(1, 4))),
                weight_norm(nn.Conv2d(32, 32, (3, 9), stride=(1, 2), padding=(1, 4))),
                weight_norm(nn.Conv2d(32, 32, (3, 9), stride=(1, 2), padding=(1, 4))),
                weight_norm(nn.Conv2d(32, 32, (3, 9), stride=(1, 2), padding=(1, 4))),
                weight_norm(nn.Conv2d(32, 32, (3, 3), padding=(1, 1))),
            ]
        )
        self.conv_post = weight_norm(nn.Conv2d(32, 1, (3, 3), padding=(1, 1)))

    def spectrogram(self, x: torch.Tensor) -> torch.Tensor:
        """Waveform [B, 1, L] -> magnitude [B, n_fft/2 + 1, frames] (reflect padding, no centring)."""
        n_fft, hop_length, win_length = self.resolution
        pad = (n_fft - hop_length) // 2
        x = F.pad(x, (pad, pad), mode="reflect").squeeze(1)
        window = torch.ones(win_length, device=x.device, dtype=x.dtype)
        spec = torch.stft(x, n_fft, hop_length, win_length, window=window, center=False, return_complex=True)
        return spec.abs()

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Waveform [B, 1, L] -> (logits [B, N], feature maps)."""
        x = self.spectrogram(x).unsqueeze(1)
        return _run_convs(x, self.convs, self.conv_post)


class MultiPeriodDiscriminator(nn.Module):
    """Scale discriminator + one period discriminator per period (+ resolution discriminators), as `discriminators`.

    Args:
        periods: folding periods, e.g. `PERIODS_V1`, `PERIODS_V2`, `PERIODS_REFINEGAN`.
        resolutions: (n_fft, hop, win) per resolution discriminator (RefineGAN's set); none by default.
    """

    def __init__(self, periods: tuple[int, ...], resolutions: tuple[tuple[int, int, int], ...] = ()) -> None:
        super().__init__()
        self.discriminators = nn.ModuleList(
            [DiscriminatorS()] + [DiscriminatorP(p) for p in periods] + [DiscriminatorR(r) for r in resolutions]
        )

    def forward(
        self, y: torch.Tensor, y_hat: torch.Tensor
    ) -> tuple[list[torch.Tensor], list[torch.Tensor], list[list[torch.Tensor]], list[list[torch.Tensor]]]:
        """Real y and generated y_hat [B, 1, L] -> (real logits, fake logits, real maps, fake maps), one per member.

        Both waveforms go through each member as one batch of 2B; the outputs are split back per half.
        """
        batch = y.shape[0]
        both = torch.cat([y, y_hat], dim=0)
        real_outs, fake_outs, real_maps, fake_maps = [], [], [], []
        for discriminator in self.discriminators:
            logits, feature_maps = discriminator(both)
            real_outs.append(logits[:batch])
            fake_outs.append(logits[batch:])
            real_maps.append([m[:batch] for m in feature_maps])
            fake_maps.append([m[batch:] for m in feature_maps])
        return real_outs, fake_outs, real_maps, fake_maps

    def generator_pass(
        self, y: torch.Tensor, y_hat: torch.Tensor
    ) -> tuple[list[torch.Tensor], list[list[torch.Tensor]], list[list[torch.Tensor]]]:
        """What the generator's losses need from real y and generated y_hat [B, 1, L]: (fake logits, real maps,
        fake maps), the same values as `forward` gives but with gradients only towards y_hat.

        The generator's losses never differentiate the real maps (feature matching detaches them) nor, in its
        update, the discriminator's weights; so the real half runs without autograd and the fake half records no
        weight gradients, which skips the backward through the real half and the weight-gradient convolutions;
        both halves share one weight-norm evaluation per layer.
        """
        weights = [p for p in self.parameters() if p.requires_grad]
        for p in weights:
            p.requires_grad_(False)
        try:
            with parametrize.cached():
                with torch.no_grad():
                    real_maps = [discriminator(y)[1] for discriminator in self.discriminators]
                fake = [discriminator(y_hat) for discriminator in self.discriminators]
        finally:
            for p in weights:
                p.requires_grad_(True)
        return [logits for logits, _ in fake], real_maps, [maps for _, maps in fake]


def build_discriminator(vocoder: str, version: str) -> MultiPeriodDiscriminator:
    """The discriminator set trained against `vocoder` ("HiFi-GAN", "MRF HiFi-GAN", "RefineGAN") for `version`.

    HiFi-GAN and MRF HiFi-GAN: S + the v1 or v2 periods (7 or 9 members). RefineGAN (Applio's "v3" set, any
    version): S + periods 2..11 + three resolution discriminators.
    """
    if version not in VERSIONS:
        raise RVCError(f"Unknown model version {version!r}: choose one of {', '.join(VERSIONS)}.")
    if vocoder not in VOCODER_NAMES:
        raise RVCError(f"Unknown vocoder {vocoder!r}: choose one of {', '.join(VOCODER_NAMES)}.")
    if vocoder == "RefineGAN":
        return MultiPeriodDiscriminator(PERIODS_REFINEGAN, RESOLUTIONS_REFINEGAN)
    return MultiPeriodDiscriminator(PERIODS_V1 if version == "v1" else PERIODS_V2)
