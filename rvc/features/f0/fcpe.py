"""FCPE with the model bundled in torchfcpe, decoded with its local argmax (threshold 0.006 as the reference)."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import torch

from rvc.features.f0.track import SAMPLE_RATE, frame_times, retime

THRESHOLD = 0.006


class FCPE:
    """torchfcpe's bundled pitch model loaded on `device`; it analyses 16 kHz audio at its own 160-sample hop."""

    def __init__(self, device: str = "cpu") -> None:
        import torchfcpe

        with contextlib.redirect_stdout(io.StringIO()):
            self.model = torchfcpe.spawn_bundled_infer_model(device=device)
        self.device = torch.device(device)
        self.hop = self.model.get_hop_size()

    @torch.inference_mode()
    def __call__(self, wav16k: np.ndarray, f0_min: float, f0_max: float, hop: int) -> np.ndarray:
        """Audio [N] → Hz [N // hop + 1] (0 = unvoiced)."""
        audio = torch.as_tensor(np.ascontiguousarray(wav16k), dtype=torch.float32, device=self.device)
        f0 = self.model.infer(
            audio[None, :, None], sr=SAMPLE_RATE, decoder_mode="local_argmax", threshold=THRESHOLD, f0_min=f0_min
        )
        f0 = np.nan_to_num(f0[0, :, 0].float().cpu().numpy().astype(np.float64))
        if hop == self.hop:
            return f0
        return retime(frame_times(len(wav16k), self.hop), f0, frame_times(len(wav16k), hop))


def load(device: str = "cpu") -> FCPE:
    """The FCPE estimator on `device`."""
    return FCPE(device)
