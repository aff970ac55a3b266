"""Which torch device a job runs on: `auto` (CUDA when present, else CPU) or one the user named.

Conversion, feature extraction and training all resolve their device here, so `auto` means the
same everywhere and an unusable device fails with one message that names the fix.
"""

from __future__ import annotations

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
