"""Open a streaming engine from plain values (a voice, option and setting mappings, a rate), as the UI sends them.

The engine itself (`rvc.realtime.engine.StreamEngine`, torch and the models) is imported on first use, so the
device and browser front-ends load without it.
"""

from __future__ import annotations

from typing import Any

from rvc.errors import RVCError
from rvc.realtime.blocks import BlockConverter
from rvc.realtime.settings import StreamSettings


def open_engine(voice: str, options: dict[str, Any], settings: dict[str, Any], rate: int) -> BlockConverter:
    """A `StreamEngine` for `voice` (path or name) at `rate` Hz; RVCError when anything cannot be used."""
    from rvc.infer.conversion import load_models
    from rvc.infer.library import resolve_voice
    from rvc.infer.options import make_options
    from rvc.realtime.engine import StreamEngine

    conversion = make_options(**options)
    try:
        stream = StreamSettings(**settings)
    except TypeError as error:
        raise RVCError(f"unknown stream setting: {error}") from None
    models = load_models(resolve_voice(voice), conversion)
    return StreamEngine(models, conversion, stream, int(rate))


def update_engine(engine: BlockConverter, options: dict[str, Any], voice: str | None = None) -> None:
    """Apply new conversion options, and a new voice when `voice` is given, to a running engine.

    Models are handed over only when they changed (another voice, index or embedder), so a new pitch or
    index rate keeps the engine's caches. RVCError when the engine cannot change while running.
    """
    from rvc.infer.options import make_options

    if not hasattr(engine, "update"):
        raise RVCError("this stream cannot change options while running; press Stop, then Start")
    conversion = make_options(**options)
    models = None
    if voice:
        from rvc.infer.conversion import load_models
        from rvc.infer.library import resolve_voice

        loaded = load_models(resolve_voice(voice), conversion)
        models = None if loaded == getattr(engine, "models", None) else loaded
    engine.update(options=conversion, models=models)
