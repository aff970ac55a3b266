"""CPU speed-up of RMVPE: its network (U-Net + BiGRU) runs in ONNX Runtime instead of torch.

On an AVX2 CPU, ONNX Runtime ran the real-size network 1.7-1.95x faster than torch (6.4 s of frames, one thread,
interleaved in one process, under load), with a largest salience difference of 1.2e-7. The network holds no
random draws, so the pitch agrees with torch's up to float rounding (`tests/features/test_rmvpe_onnx.py`). The
graph is exported on the first call and kept on disk (`rvc.onnx_graphs`).
"""

from __future__ import annotations

import torch
from torch import nn

from rvc.onnx_graphs import cpu_onnx_applies, cpu_session

EXAMPLE_FRAMES = 64
"""Frames of the log-mel the export traces (a multiple of 32); the graph takes any batch and length."""


class _Traced(nn.Module):
    """The network's own (class) forward as a module to trace: log-mel `[B, 128, T]` -> salience `[B, T, 360]`."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        """`[B, 128, T]` -> `[B, T, 360]`."""
        return type(self.net).forward(self.net, mel)


class OnnxNet:
    """Runs an RMVPE network's forward in an ONNX Runtime session (exported on the first call); called like it."""

    def __init__(self, net: nn.Module, threads: int) -> None:
        self.net = net
        self.threads = threads
        self.session = None

    def _session(self):
        """The session (exported, or read from the disk cache, on first use)."""
        if self.session is None:
            self.session = cpu_session(
                _Traced(self.net),
                (torch.zeros(1, self.net.fc[0].gru.input_size // 3, EXAMPLE_FRAMES),),
                ["mel"],
                ["salience"],
                {"mel": {0: "batch", 2: "frames"}, "salience": {0: "batch", 1: "frames"}},
                self.threads,
            )
        return self.session

    def __call__(self, mel: torch.Tensor) -> torch.Tensor:
        """Log-mel `[B, 128, T]` (T a multiple of 32) -> salience `[B, T, 360]`."""
        return torch.from_numpy(self._session().run(None, {"mel": mel.float().contiguous().numpy()})[0])


def use_onnx_net(net: nn.Module) -> bool:
    """Make `net` (a float32 CPU RMVPE network) run its forward in ONNX Runtime; False, changing nothing, where
    that does not apply (`rvc.onnx_graphs.cpu_onnx_applies`)."""
    if not cpu_onnx_applies(net):
        return False
    net.forward = OnnxNet(net, threads=torch.get_num_threads())
    return True
