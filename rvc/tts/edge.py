"""Microsoft Edge's online voices through `edge-tts` (what Applio uses): natural speech, needs the internet.

The voice list is fetched once and kept in `paths.edge_voices_cache()`; speech is fetched per piece
as mp3 and decoded with `rvc.audio`. Without a network every call fails with one line naming the
offline engines.
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
from pathlib import Path

import numpy as np

from rvc import paths
from rvc.atomic_files import write_json_atomic
from rvc.audio import load_audio
from rvc.errors import RVCError
from rvc.tts.base import TtsVoice, check_rate

OFFLINE_HINT = "use an offline engine instead: espeak (built in, nothing to download) or piper"


def _offline_error(what: str, error: BaseException) -> RVCError:
    """One line: what failed, why, and which engines work without a network."""
    text = re.sub(r" ssl:<[^>]*>", "", str(error))  # aiohttp puts an SSLContext repr in its message
    reason = text.splitlines()[0][:160] if text else type(error).__name__
    return RVCError(f"edge-tts could not {what} ({reason}); it needs the internet: {OFFLINE_HINT}")


def fetch_voice_list() -> list[dict]:
    """The voice list from Microsoft's service (one network request)."""
    try:
        import edge_tts
    except ImportError as error:
        raise RVCError("the edge engine needs the edge-tts package: run ./run-install.sh") from error
    try:
        return asyncio.run(edge_tts.list_voices())
    except Exception as error:  # aiohttp, ssl and edge-tts raise many types; all mean "no usable service"
        raise _offline_error("fetch its voice list", error) from error


def voice_list(refresh: bool = False) -> list[dict]:
    """The cached voice list, fetched (and cached) on first use or when `refresh`."""
    cache = paths.edge_voices_cache()
    if cache.is_file() and not refresh:
        try:
            return json.loads(cache.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cache.unlink(missing_ok=True)
    voices = fetch_voice_list()
    write_json_atomic(cache, voices)
    return voices


class EdgeEngine:
    """Edge voices named by `ShortName`, e.g. `en-US-AriaNeural`."""

    name = "edge"
    offline = False

    def voices(self) -> list[TtsVoice]:
        """Every voice of the (cached) list, sorted by name."""
        return sorted(
            (
                TtsVoice(
                    entry["ShortName"],
                    f"{entry.get('Locale', '?')}, {entry.get('Gender', '?').lower()}",
                    entry.get("Locale", ""),
                    entry.get("Gender", "").lower(),
                )
                for entry in voice_list()
                if entry.get("ShortName")
            ),
            key=lambda voice: voice.name,
        )

    def synthesize(self, text: str, voice: str, rate: int = 0) -> tuple[np.ndarray, int]:
        """Speak `text` with the Edge voice `voice` at `rate` percent speed change (fetches mp3, decodes it)."""
        import edge_tts

        rate = check_rate(rate)
        known = {entry.get("ShortName") for entry in voice_list()}
        if voice not in known:
            raise RVCError(
                f"unknown edge-tts voice {voice!r}: list them with `python -m rvc tts --engine edge "
                "--list-tts-voices` (e.g. en-US-AriaNeural)"
            )
        with tempfile.TemporaryDirectory(prefix="rvc-edge-") as folder:
            target = Path(folder) / "speech.mp3"
            try:
                asyncio.run(edge_tts.Communicate(text, voice, rate=f"{rate:+d}%").save(str(target)))
            except Exception as error:  # network, service and protocol errors alike
                raise _offline_error("fetch the speech", error) from error
            return load_audio(target)
