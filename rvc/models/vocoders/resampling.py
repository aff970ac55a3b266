"""RefineGAN's source down-sampling: Kaiser-windowed sinc resampling to 1/rate of the length, as one strided conv.

The numbers are torchaudio's `functional.resample(x, rate, 1, **RESAMPLE_OPTIONS)` (the same kernel, padding and
strided convolution, so CPU results agree bit for bit), but the kernel is built once per rate instead of on every
call, and the graph holds no length-dependent Python arithmetic: traced for ONNX, the kernel is a constant (ONNX
has no Bessel `i0`, which the Kaiser window needs) and the time axis stays dynamic.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F

RESAMPLE_OPTIONS = {
    "lowpass_filter_width": 64,
    "rolloff": 0.9475937167399596,
    "resampling_method": "sinc_interp_kaiser",
    "beta": 14.769656459379492,
}
"""Applio RefineGAN's resampling filter (torchaudio's Kaiser-best settings)."""


@functools.cache
def sinc_kernel(rate: int) -> tuple[torch.Tensor, int]:
    """The float32 CPU kernel `[1, 1, 2·width + rate]` that takes a signal down by `rate`, and its `width`."""
    import torchaudio

    with torch.inference_mode(False), torch.no_grad():
        # An ordinary tensor even when first asked for under inference mode, so training can use it afterwards.
        resampler = torchaudio.transforms.Resample(rate, 1, dtype=torch.float32, **RESAMPLE_OPTIONS)
    return resampler.kernel, resampler.width


def resample_down(x: torch.Tensor, rate: int) -> torch.Tensor:
    """Kaiser-windowed sinc resampling to 1/`rate` of the length: [B, C, L] -> [B, C, ceil(L / rate)].

    Half-precision input is resampled in float32: the Kaiser window's normaliser i0(14.77) ≈ 2.9e5 overflows
    float16, which turns a float16 kernel into NaNs.
    """
    kernel, width = sinc_kernel(rate)
    signals = x.float().flatten(0, 1).unsqueeze(1)
    # torchaudio pads `width + rate` on the right and crops the output to ceil(L / rate); one sample less of
    # padding yields exactly those outputs, from the same numbers, with no length arithmetic in the graph.
    resampled = F.conv1d(F.pad(signals, (width, width + rate - 1)), kernel.to(x.device), stride=rate)
    return resampled.squeeze(1).unflatten(0, x.shape[:2]).to(x.dtype)
