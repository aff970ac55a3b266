"""Voice models: the synthesizer, its vocoders and discriminators, and the `.pth` file formats.

The names below are re-exported lazily, so `import rvc.models` stays cheap (torch is imported
only when one of them is first used):

    from rvc.models import load_voice
    voice = load_voice("my_voice.pth")
    audio = voice.synthesize(phone, phone_lengths, pitch, pitchf, sid)  # [1, 1, samples]
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "SynthesizerConfig": "rvc.models.synthesizer_config",
    "Voice": "rvc.models.voice_file",
    "VoiceFile": "rvc.models.voice_file",
    "load_voice": "rvc.models.voice_file",
    "read_voice_file": "rvc.models.voice_file",
    "save_voice": "rvc.models.voice_file",
    "detect_vocoder": "rvc.models.voice_file",
    "save_checkpoint": "rvc.models.checkpoints",
    "load_checkpoint": "rvc.models.checkpoints",
    "read_checkpoint": "rvc.models.checkpoints",
    "latest_checkpoint": "rvc.models.checkpoints",
    "load_torch_file": "rvc.models.torch_files",
    "save_torch_file": "rvc.models.torch_files",
}

__all__ = [
    "SynthesizerConfig",
    "Voice",
    "VoiceFile",
    "detect_vocoder",
    "latest_checkpoint",
    "load_checkpoint",
    "load_torch_file",
    "load_voice",
    "read_checkpoint",
    "read_voice_file",
    "save_checkpoint",
    "save_torch_file",
    "save_voice",
]


def __getattr__(name: str) -> Any:
    """Import the module that defines `name` on first access."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'rvc.models' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    """Module attributes including the lazy re-exports."""
    return sorted(set(globals()) | set(_EXPORTS))
