"""GAN, feature-matching, mel and KL losses of RVC training (computed in fp32)."""

from __future__ import annotations

import torch

from rvc.train.mel import multiscale_log_mels


def discriminator_loss(real_outputs: list[torch.Tensor], fake_outputs: list[torch.Tensor]) -> torch.Tensor:
    """LSGAN discriminator loss: sum over sub-discriminators of mean((1 - D(y))^2) + mean(D(y_hat)^2)."""
    loss = 0.0
    for real, fake in zip(real_outputs, fake_outputs, strict=True):
        loss = loss + torch.mean((1.0 - real.float()) ** 2) + torch.mean(fake.float() ** 2)
    return loss


def generator_adversarial_loss(fake_outputs: list[torch.Tensor]) -> torch.Tensor:
    """LSGAN generator loss: sum over sub-discriminators of mean((1 - D(y_hat))^2)."""
    return sum(torch.mean((1.0 - fake.float()) ** 2) for fake in fake_outputs)


def feature_matching_loss(real_maps: list[list[torch.Tensor]], fake_maps: list[list[torch.Tensor]]) -> torch.Tensor:
    """2 * sum over sub-discriminators and layers of mean |f_real - f_fake| (real maps detached)."""
    loss = 0.0
    for real_layers, fake_layers in zip(real_maps, fake_maps, strict=True):
        for real, fake in zip(real_layers, fake_layers, strict=True):
            loss = loss + torch.mean(torch.abs(real.float().detach() - fake.float()))
    return 2.0 * loss


def kl_loss(
    z_p: torch.Tensor, logs_q: torch.Tensor, m_p: torch.Tensor, logs_p: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """KL(q || p) per frame: tensors `[B, C, T]`, `mask` `[B, 1, T]`; summed over channels, averaged over frames."""
    z_p, logs_q, m_p, logs_p = z_p.float(), logs_q.float(), m_p.float(), logs_p.float()
    kl = logs_p - logs_q - 0.5 + 0.5 * (z_p - m_p) ** 2 * torch.exp(-2.0 * logs_p)
    return torch.sum(kl * mask) / torch.sum(mask)


def multiscale_mel_loss(
    real: torch.Tensor, fake: torch.Tensor, sample_rate: int, vocoder: str = "HiFi-GAN"
) -> torch.Tensor:
    """Sum over the mel scales for `vocoder` of mean |log10 mel(real) - log10 mel(fake)|; waveforms `[B, 1, N]`."""
    real_mels = multiscale_log_mels(real.float(), sample_rate, vocoder)
    fake_mels = multiscale_log_mels(fake.float(), sample_rate, vocoder)
    return sum(torch.nn.functional.l1_loss(r, f) for r, f in zip(real_mels, fake_mels, strict=True))


STFT_RESOLUTIONS = ((512, 128, 512), (1024, 256, 1024), (2048, 512, 2048))


def multi_resolution_stft_loss(
    real: torch.Tensor, fake: torch.Tensor, resolutions: tuple[tuple[int, int, int], ...] = STFT_RESOLUTIONS
) -> torch.Tensor:
    """Mean over resolutions of spectral convergence + L1 log-magnitude distance; waveforms `[B, 1, N]` or `[B, N]`."""
    from rvc.train.mel import spectrogram

    total = 0.0
    for n_fft, hop, win in resolutions:
        real_mag = spectrogram(real, n_fft, hop, win, center=True)
        fake_mag = spectrogram(fake, n_fft, hop, win, center=True)
        convergence = torch.linalg.norm(real_mag - fake_mag) / torch.linalg.norm(real_mag).clamp_min(1e-7)
        log_distance = torch.nn.functional.l1_loss(torch.log(real_mag), torch.log(fake_mag))
        total = total + convergence + log_distance
    return total / len(resolutions)
