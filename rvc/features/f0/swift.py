"""SwiftF0: a small ONNX pitch model shipped in the swift-f0 wheel (CPU only, 16 ms frames)."""

from __future__ import annotations

import numpy as np

from rvc.features.f0.track import SAMPLE_RATE, frame_times, retime

CONFIDENCE_THRESHOLD = 0.5


class Swift:
    """A SwiftF0 ONNX session; its 256-sample frames (frame k centred on sample 256·k) are re-timed to `hop`."""

    def __init__(self) -> None:
        import swift_f0

        self.detector = swift_f0.SwiftF0(spin=False)
        self.model_hop = round(swift_f0.FRAME_PERIOD * SAMPLE_RATE)
        self.model_fmin = swift_f0.FMIN
        self.model_fmax = swift_f0.FMAX

    def __call__(self, wav16k: np.ndarray, f0_min: float, f0_max: float, hop: int) -> np.ndarray:
        """Audio [N] → Hz [N // hop + 1], voiced where the model's confidence is at least 0.5."""
        fmin = max(f0_min, self.model_fmin)
        fmax = min(f0_max, self.model_fmax)
        result = self.detector.detect(np.asarray(wav16k, dtype=np.float32), SAMPLE_RATE, fmin=fmin, fmax=fmax)
        f0 = np.where(result.confidence >= CONFIDENCE_THRESHOLD, result.pitch_hz, 0.0)
        return retime(result.timestamps, f0, frame_times(len(wav16k), hop))


def load(device: str = "cpu") -> Swift:
    """The SwiftF0 estimator (ONNX Runtime on the CPU whatever `device` says)."""
    return Swift()
