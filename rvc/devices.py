"""Which torch device a job runs on: `auto` (CUDA when present, else CPU) or one the user named.

Conversion, feature extraction and training all resolve their device here, so `auto` means the
same everywhere and an unusable device fails with one message that names the fix.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from rvc.errors import RVCError

if TYPE_CHECKING:
    import torch


def resolve_device(device: str = "auto") -> torch.device:
    """`auto` -> CUDA when present, else CPU; an unavailable device is an RVCError naming the fix."""
    import torch

    text = str(device or "auto").strip().lower()
    if text == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        chosen = torch.device(text)
    except RuntimeError:
        raise RVCError(f"Unknown device {device!r}: use auto, cpu, cuda, cuda:N or mps.") from None
    if chosen.type == "cuda":
        if not torch.cuda.is_available():
            raise RVCError("Device 'cuda' was chosen but no CUDA GPU is usable here: choose cpu (or auto).")
        if chosen.index is not None and chosen.index >= torch.cuda.device_count():
            raise RVCError(
                f"Device {text} does not exist: this computer has {torch.cuda.device_count()} CUDA GPU(s), "
                f"numbered from 0."
            )
    if chosen.type == "mps" and not torch.backends.mps.is_available():
        raise RVCError("Device 'mps' was chosen but Apple's GPU backend is not available: choose cpu (or auto).")
    return chosen


def describe_choice(requested: str, chosen: torch.device) -> str:
    """A log line naming the device used, and why when `auto` picked it."""
    if str(requested or "auto").strip().lower() != "auto":
        return f"device: {chosen}"
    reason = "a CUDA GPU is present" if chosen.type == "cuda" else "no CUDA GPU found"
    return f"device: {chosen} (auto: {reason})"


@contextlib.contextmanager
def seeded_draws(seed: int, device: torch.device) -> Iterator[None]:
    """Inside, random draws on the CPU and `device` start from `seed`; on leaving, those generators continue where
    they were, as if nothing had been drawn.

    For draws that must repeat: a held-out score that depends on the weights alone, a stream block whose vocoder
    noise matches the previous block's, a test voice's probe. The caller's own random stream stays untouched.
    """
    import torch

    devices = (
        [device.index if device.index is not None else torch.cuda.current_device()] if device.type == "cuda" else []
    )
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
