"""The engines by name: `get_engine("espeak")`; each module is imported only when its engine is used."""

from __future__ import annotations

import importlib

from rvc.errors import RVCError
from rvc.tts.base import TtsEngine

# name -> (module, class, one-line description)
ENGINES: dict[str, tuple[str, str, str]] = {
    "espeak": ("rvc.tts.espeak", "EspeakEngine", "eSpeak NG: offline, robotic, 100+ languages, nothing to download"),
    "piper": ("rvc.tts.piper", "PiperEngine", "Piper: offline neural voices, each downloaded once (20-60 MB)"),
    "edge": ("rvc.tts.edge", "EdgeEngine", "Microsoft Edge online voices (edge-tts): natural, needs the internet"),
}
OFFLINE_ENGINES = ("espeak", "piper")


def get_engine(name: str) -> TtsEngine:
    """A new engine object for `name`, or RVCError listing the engines."""
    if name not in ENGINES:
        raise RVCError(f"unknown TTS engine {name!r}; choose one of {', '.join(ENGINES)}")
    module, cls, _ = ENGINES[name]
    return getattr(importlib.import_module(module), cls)()
