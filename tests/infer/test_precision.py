"""Precision: `auto` picks bf16 only where the CPU has it natively and it is faster; bf16 stays near fp32."""

from __future__ import annotations

import pytest
import torch

from rvc.infer import precision
from rvc.infer.options import make_options
from rvc.infer.quality import MAX_LOG_MEL_DISTANCE, MIN_SNR_DB, log_mel_distance, snr_db
from rvc.models import load_voice
from rvc.testing.model_fixtures import save_random_voice

CPU = torch.device("cpu")


def fail_probe():
    raise AssertionError("the timed probe must not run on a CPU without native bf16")


def test_auto_picks_fp32_on_a_cpu_without_native_bf16(monkeypatch):
    monkeypatch.setattr(precision, "cpu_flags", lambda: {"avx", "avx2", "fma"})
    monkeypatch.setattr(precision, "cpu_bf16_is_faster", fail_probe)
    assert precision.conversion_dtype("auto", False, CPU) == torch.float32


def test_auto_picks_bf16_only_where_native_and_faster(monkeypatch):
    monkeypatch.setattr(precision, "cpu_flags", lambda: {"avx2", "avx512_bf16"})
    monkeypatch.setattr(precision, "cpu_bf16_is_faster", lambda: True)
    assert precision.conversion_dtype("auto", False, CPU) == torch.bfloat16
    monkeypatch.setattr(precision, "cpu_bf16_is_faster", lambda: False)
    assert precision.conversion_dtype("auto", False, CPU) == torch.float32


def test_explicit_choices_and_cuda_half(monkeypatch):
    monkeypatch.setattr(precision, "cpu_flags", lambda: set())
    assert precision.conversion_dtype("bf16", False, CPU) == torch.bfloat16
    assert precision.conversion_dtype("fp32", True, torch.device("cuda")) == torch.float32
    assert precision.conversion_dtype("auto", True, torch.device("cuda")) == torch.float16
    assert precision.conversion_dtype("auto", False, torch.device("cuda")) == torch.float32
    assert precision.conversion_dtype("auto", True, CPU) == torch.float32


def test_unknown_precision_is_refused():
    with pytest.raises(Exception, match="precision"):
        make_options(precision="fp8")


@pytest.mark.parametrize("rate", [40000, 44100])
@pytest.mark.parametrize(("vocoder", "frames"), [("HiFi-GAN", 30), ("MRF HiFi-GAN", 30), ("RefineGAN", 6)])
def test_bf16_output_stays_near_fp32(tmp_path, vocoder, frames, rate):
    """Quality gate: same seed, same inputs; bf16 within the stated log-mel distance and SNR of fp32."""
    channels = None if vocoder == "RefineGAN" else 32
    path = save_random_voice(tmp_path / "v.pth", rate, vocoder=vocoder, vocoder_channels=channels)
    outputs = []
    for dtype in (torch.float32, torch.bfloat16):
        voice = load_voice(path, "cpu")
        voice.model.to(dtype)
        phone = torch.randn(1, frames, 768, generator=torch.Generator().manual_seed(0)).to(dtype)
        pitchf = torch.linspace(120.0, 260.0, frames)[None]
        pitch = torch.clamp((pitchf / 10).round().long(), 1, 255)
        torch.manual_seed(0)
        audio = voice.synthesize(phone, torch.tensor([frames]), pitch, pitchf, torch.tensor([0]))
        assert audio.dtype == torch.float32 and audio.shape == (1, 1, frames * rate // 100)
        outputs.append(audio[0, 0].numpy())
    assert snr_db(*outputs) > MIN_SNR_DB
    assert log_mel_distance(*outputs, rate) < MAX_LOG_MEL_DISTANCE
