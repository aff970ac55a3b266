"""Excitation sources of the pitch-driven vocoders: sine waves at f0 (and harmonics) plus noise, at the sample rate."""

from __future__ import annotations

import math

import torch
from torch import nn


class SineGenerator(nn.Module):
    """Frame-wise continuous-phase sine source (the NSF HiFi-GAN's generator in Applio and the Codename fork).

    Within a frame the phase advances `f0 / sr` per sample; the phase reached at each frame's end, wrapped to
    [-0.5, 0.5), is accumulated over frames (mod 1) and starts the next frame, so the phase is continuous across
    frames with no per-sample cumulative sum. Harmonic k (k > 1) multiplies the phase by k and gets a random offset.
    Voiced samples carry `amplitude * sin + N(0, noise_std)`, unvoiced ones noise of std `amplitude / 3`.
    """

    def __init__(
        self,
        sample_rate: int,
        harmonic_num: int = 0,
        amplitude: float = 0.1,
        noise_std: float = 0.003,
        voiced_threshold: float = 0.0,
    ) -> None:
        super().__init__()
        self.sample_rate = sample_rate
        self.harmonic_num = harmonic_num
        self.amplitude = amplitude
        self.noise_std = noise_std
        self.voiced_threshold = voiced_threshold
        self.noise = True
        """Add the random noise (off only for a deterministic export, e.g. an ONNX parity check)."""

    @torch.no_grad()
    def forward(self, f0: torch.Tensor, upp: int) -> tuple[torch.Tensor, torch.Tensor]:
        """`f0` `[B, T]` Hz (0: unvoiced), `upp` samples/frame -> source `[B, T*upp, H+1]`, voiced `[B, T*upp, 1]`."""
        f0 = f0.unsqueeze(-1)
        steps = torch.arange(1, upp + 1, dtype=f0.dtype, device=f0.device)
        phase = (f0 / self.sample_rate) * steps
        carry = torch.fmod(phase[:, :-1, -1:] + 0.5, 1.0) - 0.5
        phase[:, 1:] += carry.cumsum(dim=1).fmod(1.0)
        phase = phase.reshape(f0.size(0), -1, 1)

        harmonics = self.harmonic_num + 1
        if harmonics > 1:
            phase = phase * torch.arange(1, harmonics + 1, dtype=f0.dtype, device=f0.device)
        # The offset is drawn for the fundamental too (then zeroed) so seeded runs follow the reference's RNG stream.
        offset = torch.rand(1, 1, harmonics, device=f0.device)
        offset[..., 0] = 0
        sine = torch.sin(2 * math.pi * (phase + offset)) * self.amplitude

        voiced = (f0 > self.voiced_threshold).to(sine.dtype).repeat_interleave(upp, dim=1)
        if not self.noise:
            return sine * voiced, voiced
        noise_scale = voiced * self.noise_std + (1 - voiced) * (self.amplitude / 3)
        return sine * voiced + noise_scale * torch.randn_like(sine), voiced


class SineSource(nn.Module):
    """NSF HiFi-GAN `m_source`: `SineGenerator` merged to one channel by `l_linear` (H+1 -> 1) and tanh."""

    def __init__(self, sample_rate: int, harmonic_num: int = 0) -> None:
        super().__init__()
        self.l_sin_gen = SineGenerator(sample_rate, harmonic_num)
        self.l_linear = nn.Linear(harmonic_num + 1, 1)

    def forward(self, f0: torch.Tensor, upp: int) -> torch.Tensor:
        """`f0` `[B, T]` Hz -> excitation `[B, 1, T*upp]`."""
        sine, _ = self.l_sin_gen(f0, upp)
        return torch.tanh(self.l_linear(sine.to(self.l_linear.weight.dtype))).transpose(1, 2)


def _running_sum(x: torch.Tensor) -> torch.Tensor:
    """Cumulative sum over the last axis, accumulated in double, each sum rounded to float32. [..., L] -> [..., L]."""
    return torch.cumsum(x.double(), dim=-1).float()


def harmonic_excitation(
    f0: torch.Tensor,
    sample_rate: int,
    harmonic_num: int,
    sine_amp: float = 0.1,
    noise_std: float = 0.003,
    noise: bool = True,
) -> torch.Tensor:
    """Sines at f0 and its harmonics plus noise, one value per sample: f0 [B, L, 1] Hz -> [B, L, harmonic_num + 1].

    The phase is the running sum of `f0 / sample_rate`, with the wrap-arounds subtracted as they occur so the
    sum stays small (the reference's float32 behaviour). Harmonics start at a random phase, the fundamental
    at zero; voiced samples (f0 > 0) get noise of std `noise_std`, unvoiced ones only noise of std `sine_amp / 3`.
    The random draws (`torch.rand` for the phases, then `torch.randn_like` for the noise) come in the
    reference's order and shapes, so equal seeds give equal excitations. The running sums accumulate in double
    and round each sum to float32, which is exactly what the CPU does for a float32 sum (so CPU results are the
    reference's, bit for bit) and keeps GPU results as close to them; they run along the last axis of a `[B, H, L]`
    copy, since a GPU scan along the middle axis of `[B, L, H]` is one sequential thread per harmonic (that made
    the whole MRF vocoder about eight times slower). `noise=False` draws nothing: every harmonic starts at phase
    zero and no noise is added (deterministic, for an ONNX parity check).
    """
    with torch.no_grad():
        f0 = f0.float()
        multiples = torch.arange(1, harmonic_num + 2, device=f0.device, dtype=f0.dtype)
        step = (f0 * multiples / sample_rate) % 1
        if noise:
            initial_phase = torch.rand(f0.shape[0], harmonic_num + 1, device=f0.device)
        else:
            initial_phase = torch.zeros(f0.shape[0], harmonic_num + 1, device=f0.device)
        initial_phase[:, 0] = 0
        step[:, 0, :] = step[:, 0, :] + initial_phase
        scan = step.transpose(1, 2).contiguous()
        wrapped = _running_sum(scan) % 1
        wraps = torch.zeros_like(scan)
        wraps[..., 1:] = ((wrapped[..., 1:] - wrapped[..., :-1]) < 0) * -1.0
        sines = (torch.sin(_running_sum(scan + wraps) * 2 * math.pi) * sine_amp).transpose(1, 2)
        voiced = (f0 > 0).to(f0.dtype)
        if not noise:
            return sines * voiced
        noise_amp = voiced * noise_std + (1 - voiced) * sine_amp / 3
        return sines * voiced + noise_amp * torch.randn_like(step)


class HarmonicSource(nn.Module):
    """Excitation of the MRF HiFi-GAN: f0 and 8 harmonics mixed by `l_linear` + tanh (keys `l_linear.*`)."""

    def __init__(self, sample_rate: int, harmonic_num: int = 8) -> None:
        super().__init__()
        self.sample_rate = sample_rate
        self.harmonic_num = harmonic_num
        self.l_linear = nn.Linear(harmonic_num + 1, 1)
        self.noise = True
        """Random phases and noise in the excitation (off only for a deterministic export, e.g. an ONNX check)."""

    def forward(self, f0: torch.Tensor) -> torch.Tensor:
        """f0 [B, L, 1] Hz at the output sample rate -> excitation [B, L, 1] in (-1, 1)."""
        excitation = harmonic_excitation(f0, self.sample_rate, self.harmonic_num, noise=self.noise)
        return torch.tanh(self.l_linear(excitation.to(self.l_linear.weight.dtype)))


class MergedSineSource(nn.Module):
    """Excitation of RefineGAN (Applio layout): one sine through a bias-free linear + tanh (key `merge.0.weight`)."""

    def __init__(self, sample_rate: int) -> None:
        super().__init__()
        self.sample_rate = sample_rate
        self.merge = nn.Sequential(nn.Linear(1, 1, bias=False), nn.Tanh())
        self.noise = True
        """Noise in the excitation (off only for a deterministic export, e.g. an ONNX parity check)."""

    def forward(self, f0: torch.Tensor) -> torch.Tensor:
        """f0 [B, L, 1] Hz at the output sample rate -> excitation [B, L, 1] in (-1, 1)."""
        excitation = harmonic_excitation(f0, self.sample_rate, 0, noise=self.noise)
        return self.merge(excitation.to(self.merge[0].weight.dtype))
