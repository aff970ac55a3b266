"""RefineGAN's source down-sampling: torchaudio's Kaiser resampling, bit for bit, from a kernel built once."""

from __future__ import annotations

import pytest
import torch
import torchaudio

from rvc.models.vocoders.resampling import RESAMPLE_OPTIONS, resample_down, sinc_kernel


@pytest.mark.parametrize("rate", [2, 3, 10])
@pytest.mark.parametrize("length_over_rate", [40, 40.5, 7.25])
def test_same_numbers_as_torchaudio(rate, length_over_rate):
    x = torch.randn(2, 3, int(rate * length_over_rate), generator=torch.Generator().manual_seed(rate))
    expected = torchaudio.functional.resample(x, rate, 1, **RESAMPLE_OPTIONS)
    actual = resample_down(x, rate)
    assert actual.shape == expected.shape
    assert torch.equal(actual, expected)


def test_a_kernel_first_built_under_inference_mode_still_trains():
    sinc_kernel.cache_clear()
    with torch.inference_mode():
        resample_down(torch.randn(1, 2, 40), 2)
    x = torch.randn(1, 2, 40, requires_grad=True)
    resample_down(x, 2).square().sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
