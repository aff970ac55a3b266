"""CPU speed-up of the HiFi-GAN vocoders: their convolution body runs in ONNX Runtime instead of torch.

On an AVX2 CPU, ONNX Runtime's convolutions ran the 40 kHz HiFi-GAN body 1.3-1.6x faster than torch's
channels-last ones (3 s of frames, interleaved, same process; `bench/infer.py --backend` compares whole
conversions). Only the deterministic body moves: the excitation source (with its random draws) and the prior
and flow stay in torch, so a seed gives the same numbers as the torch path and the audio agrees up to float
rounding (`tests/infer/test_onnx.py`). The body is exported when the voice first loads and kept on disk (`rvc.onnx_graphs`).
"""

from __future__ import annotations

import torch
from torch import nn

from rvc.onnx_graphs import cpu_onnx_applies, cpu_session

ONNX_BODY_VOCODERS = ("HiFi-GAN", "MRF HiFi-GAN")
"""Vocoders with a `_decode(x, g, source)` body free of random draws (RefineGAN draws noise inside its body)."""


class _Body(nn.Module):
    """`dec._decode` as a module to trace: latent `[1, C, T]`, speaker `[1, gin, 1]`, source `[1, 1, T·hop]`."""

    def __init__(self, dec: nn.Module, with_source: bool) -> None:
        super().__init__()
        self.dec = dec
        self.with_source = with_source

    def forward(self, x: torch.Tensor, g: torch.Tensor, source: torch.Tensor | None = None) -> torch.Tensor:
        """-> audio `[1, 1, T·hop]`."""
        return self.dec._decode(x, g, source if self.with_source else None)


class OnnxBody:
    """Runs a vocoder's `_decode(x, g, source)` in an ONNX Runtime session; called like the method it replaces."""

    def __init__(self, dec: nn.Module, with_source: bool, threads: int) -> None:
        frames = 20
        example = [torch.randn(1, dec.conv_pre.in_channels, frames), torch.randn(1, dec.cond.in_channels, 1)]
        names = ["x", "g"]
        dynamic = {"x": {2: "frames"}, "audio": {2: "samples"}}
        if with_source:
            example.append(torch.randn(1, 1, frames * dec.upp))
            names.append("source")
            dynamic["source"] = {2: "samples"}
        self.session = cpu_session(
            _Body(dec, with_source), tuple(example), names, ["audio"], dynamic, threads, variant=f"source={with_source}"
        )
        self.with_source = with_source

    def __call__(self, x: torch.Tensor, g: torch.Tensor | None, source: torch.Tensor | None) -> torch.Tensor:
        """Latent `[1, C, T]`, speaker `[1, gin, 1]`, source `[1, 1, T·hop]` or None -> audio `[1, 1, T·hop]`."""
        feed = {"x": x.float().contiguous().numpy(), "g": g.float().contiguous().numpy()}
        if self.with_source:
            feed["source"] = source.float().contiguous().numpy()
        return torch.from_numpy(self.session.run(None, feed)[0])


def use_onnx_body(dec: nn.Module, use_f0: bool) -> bool:
    """Make `dec` (a float32 CPU HiFi-GAN/MRF decoder with speaker conditioning) run its body in ONNX Runtime.

    Returns False, changing nothing, where that does not apply (`rvc.onnx_graphs.cpu_onnx_applies`).
    """
    if getattr(dec, "cond", None) is None or not cpu_onnx_applies(dec):
        return False
    dec._decode = OnnxBody(dec, with_source=use_f0, threads=torch.get_num_threads())
    return True
