"""Recording of a converted stream: a converter wrapper that also writes every converted block to a wav file."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from rvc.realtime.blocks import BlockConverter


class RecordingConverter:
    """`converter` with its output also written to `path` (16-bit wav at the converter's rate) until `close`."""

    def __init__(self, converter: BlockConverter, path: str | Path) -> None:
        from rvc.audio import open_wav_stream

        self.converter = converter
        self.path = Path(path)
        self._file = open_wav_stream(self.path, converter.rate)
        self._lock = threading.Lock()

    @property
    def rate(self) -> int:
        """The wrapped converter's rate."""
        return self.converter.rate

    @property
    def block_samples(self) -> int:
        """The wrapped converter's block size."""
        return self.converter.block_samples

    @property
    def latency(self) -> float:
        """The wrapped converter's algorithmic latency."""
        return self.converter.latency

    def process(self, block: np.ndarray) -> np.ndarray:
        """Convert `(block_samples,)` samples and append the result to the recording."""
        out = self.converter.process(block)
        with self._lock:
            if not self._file.closed:
                self._file.write(np.clip(np.asarray(out, dtype=np.float32), -1.0, 1.0))
        return out

    def close(self) -> Path:
        """Finish the file (later blocks are no longer written) and return its path."""
        with self._lock:
            self._file.close()
        return self.path
