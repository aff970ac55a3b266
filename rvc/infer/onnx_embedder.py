"""CPU speed-up of the content embedder: the HuBERT forward runs in ONNX Runtime instead of torch.

On an AVX2 CPU, ONNX Runtime ran the real-size HuBERT base 1.24-1.40x faster than torch (6 s of audio, one
thread, interleaved in one process, under load; `bench/infer.py --backend torch` keeps it in torch to compare
whole conversions), with a largest difference of 7e-6 on features of magnitude ~5. The model holds no random draws,
so the features agree with torch's up to float rounding (`tests/infer/test_onnx_embedder.py`). Each depth a
conversion asks for (all layers for v2 voices, 9 for v1) is exported on its first use and kept on disk (`rvc.onnx_graphs`).
"""

from __future__ import annotations

import torch
from torch import nn

from rvc.onnx_graphs import cpu_onnx_applies, cpu_session

EXAMPLE_SAMPLES = 16_000
"""Length of the waveform the export traces (1 s); the graph takes any batch and length."""


class _Depth(nn.Module):
    """The embedder's own (class) forward to `num_layers` as a module to trace: `[B, N]` -> `[B, T, C]`."""

    def __init__(self, model: nn.Module, num_layers: int | None) -> None:
        super().__init__()
        self.model = model
        self.num_layers = num_layers

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        """`[B, N]` 16 kHz waveform -> `[B, T, C]` output of layer `num_layers`."""
        return type(self.model).forward(self.model, wav, num_layers=self.num_layers)


class OnnxForward:
    """Runs an embedder's `forward(wav, num_layers)` in ONNX Runtime, one session per depth; called like it."""

    def __init__(self, model: nn.Module, threads: int) -> None:
        self.model = model
        self.threads = threads
        self.sessions: dict[int | None, object] = {}

    def _session(self, num_layers: int | None):
        """The session for `num_layers` (exported, or read from the disk cache, on first use)."""
        if num_layers not in self.sessions:
            self.sessions[num_layers] = cpu_session(
                _Depth(self.model, num_layers),
                (torch.zeros(1, EXAMPLE_SAMPLES),),
                ["wav"],
                ["features"],
                {"wav": {0: "batch", 1: "samples"}, "features": {0: "batch", 1: "frames"}},
                self.threads,
                variant=f"layers={num_layers}",
            )
        return self.sessions[num_layers]

    def __call__(self, wav: torch.Tensor, num_layers: int | None = None) -> torch.Tensor:
        """`[B, N]` float32 waveform -> `[B, T, C]` output of layer `num_layers` (default: the last)."""
        feed = {"wav": wav.float().contiguous().numpy()}
        return torch.from_numpy(self._session(num_layers).run(None, feed)[0])


def use_onnx_forward(model: nn.Module) -> bool:
    """Make `model` (a float32 CPU embedder) run its forward in ONNX Runtime; False, changing nothing, where
    that does not apply (`rvc.onnx_graphs.cpu_onnx_applies`)."""
    if not cpu_onnx_applies(model):
        return False
    model.forward = OnnxForward(model, threads=torch.get_num_threads())
    return True
