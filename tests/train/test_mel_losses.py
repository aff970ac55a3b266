"""Spectrograms and training losses against independent computations."""

import librosa
import numpy as np
import pytest
import torch

from rvc.train.losses import (
    discriminator_loss,
    feature_matching_loss,
    generator_adversarial_loss,
    kl_loss,
    multiscale_mel_loss,
)
from rvc.train.mel import mel_spectrogram, multiscale_windows, spectrogram


def test_spectrogram_matches_librosa_and_gives_one_frame_per_hop():
    rng = np.random.default_rng(0)
    audio = rng.standard_normal(400 * 20).astype(np.float32)
    spec = spectrogram(torch.from_numpy(audio)[None], n_fft=2048, hop=400, win_length=2048)
    assert spec.shape == (1, 1025, 20)
    padded = np.pad(audio, (824, 824), mode="reflect")
    expected = np.sqrt(np.abs(librosa.stft(padded, n_fft=2048, hop_length=400, center=False)) ** 2 + 1e-6)
    np.testing.assert_allclose(spec[0].numpy(), expected, rtol=1e-3, atol=1e-3)


def test_mel_spectrogram_is_log_of_slaney_mel_of_magnitude():
    audio = torch.sin(2 * torch.pi * 440 * torch.arange(32000) / 32000)[None]
    mel = mel_spectrogram(audio, 32000, n_fft=1024, hop=320, win_length=1024, n_mels=80)
    assert mel.shape == (1, 80, 100)
    basis = librosa.filters.mel(sr=32000, n_fft=1024, n_mels=80)
    peak_band = int(np.argmax(basis[:, round(440 / 32000 * 1024)]))
    assert int(mel[0, :, 50].argmax()) == peak_band
    assert mel.min() >= np.log(1e-5) - 1e-6


@pytest.mark.parametrize(
    ("sr", "n_fft", "n_mels", "fmax"),
    [(40000, 2048, 125, None), (44100, 2048, 160, None), (32000, 64, 5, None), (48000, 1024, 80, 8000.0)],
)
def test_mel_filterbank_equals_librosa(sr, n_fft, n_mels, fmax):
    from rvc.train.mel import mel_filterbank

    expected = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmax=fmax)
    np.testing.assert_allclose(mel_filterbank(sr, n_fft, n_mels, fmax=fmax), expected, rtol=1e-5, atol=1e-7)


def test_multiscale_windows_follow_the_reference_table():
    assert multiscale_windows() == [64, 128, 256, 512, 1024, 2048, 4096, 4096]


@pytest.mark.parametrize("sample_rate", [32000, 44100])
def test_multiscale_mel_loss_is_zero_for_identical_audio_and_differentiable(sample_rate):
    torch.manual_seed(0)
    real = torch.randn(2, 1, sample_rate // 4)
    fake = real.clone().requires_grad_(True)
    assert multiscale_mel_loss(real, fake, sample_rate).item() == pytest.approx(0.0, abs=1e-6)
    noisy = (real + 0.3 * torch.randn_like(real)).requires_grad_(True)
    loss = multiscale_mel_loss(real, noisy, sample_rate)
    loss.backward()
    assert loss.item() > 0.01 and noisy.grad.abs().sum() > 0


def test_gan_losses_on_known_values():
    real = [torch.full((2, 3), 1.0), torch.full((2, 5), 0.5)]
    fake = [torch.full((2, 3), 0.0), torch.full((2, 5), 0.5)]
    assert discriminator_loss(real, fake).item() == pytest.approx(0.0 + 0.0 + 0.25 + 0.25)
    assert generator_adversarial_loss(fake).item() == pytest.approx(1.0 + 0.25)
    maps_real = [[torch.ones(2, 4), torch.zeros(3)]]
    maps_fake = [[torch.zeros(2, 4), torch.full((3,), 2.0)]]
    assert feature_matching_loss(maps_real, maps_fake).item() == pytest.approx(2 * (1.0 + 2.0))


def test_kl_loss_is_masked_per_frame():
    m_p = torch.zeros(1, 2, 4)
    logs_p = torch.zeros(1, 2, 4)
    logs_q = torch.full((1, 2, 4), -1.0)
    z_p = torch.ones(1, 2, 4)
    mask = torch.tensor([[[1.0, 1.0, 0.0, 0.0]]])
    per_element = 0.0 - (-1.0) - 0.5 + 0.5 * 1.0
    assert kl_loss(z_p, logs_q, m_p, logs_p, mask).item() == pytest.approx(2 * per_element)


def test_multi_resolution_stft_loss_orders_distortions():
    from rvc.train.losses import multi_resolution_stft_loss

    torch.manual_seed(0)
    real = torch.randn(1, 1, 16000)
    assert multi_resolution_stft_loss(real, real).item() == pytest.approx(0.0, abs=1e-6)
    small = multi_resolution_stft_loss(real, real + 0.01 * torch.randn_like(real)).item()
    large = multi_resolution_stft_loss(real, real + 0.5 * torch.randn_like(real)).item()
    assert 0 < small < large


def _applio_refinegan_mel_loss(real: np.ndarray, fake: np.ndarray, sr: int) -> float:
    """Applio's RefineGAN multi-scale mel loss, recomputed with librosa: 7 scales, hop = window // 4, centred."""
    total = 0.0
    for n_mels, window in zip((5, 10, 20, 40, 80, 160, 320), (32, 64, 128, 256, 512, 1024, 2048), strict=True):
        basis = librosa.filters.mel(sr=sr, n_fft=window, n_mels=n_mels, fmin=0, fmax=None)
        logs = []
        for audio in (real, fake):
            stft = librosa.stft(audio, n_fft=window, hop_length=window // 4, window="hann", pad_mode="reflect")
            magnitude = np.sqrt(np.abs(stft) ** 2 + 1e-6)
            logs.append(np.log10(np.maximum(basis @ magnitude, 1e-5)))
        total += float(np.mean(np.abs(logs[0] - logs[1])))
    return total


def test_refinegan_multiscale_mel_loss_uses_applios_seven_scales():
    from rvc.train.mel import multiscale_mel_scales

    assert multiscale_mel_scales(40000, "RefineGAN") == [
        (5, 32, 8), (10, 64, 16), (20, 128, 32), (40, 256, 64), (80, 512, 128), (160, 1024, 256), (320, 2048, 512)
    ]  # fmt: skip
    assert [w for _, w, _ in multiscale_mel_scales(40000, "HiFi-GAN")] == multiscale_windows()
    rng = np.random.default_rng(3)
    real = (0.3 * rng.standard_normal((2, 1, 8000))).astype(np.float32)
    fake = (real + 0.1 * rng.standard_normal(real.shape)).astype(np.float32)
    ours = multiscale_mel_loss(torch.from_numpy(real), torch.from_numpy(fake), 40000, "RefineGAN").item()
    expected = _applio_refinegan_mel_loss(real[:, 0], fake[:, 0], 40000)
    assert ours == pytest.approx(expected, rel=1e-3)
    assert ours != pytest.approx(multiscale_mel_loss(torch.from_numpy(real), torch.from_numpy(fake), 40000).item())
