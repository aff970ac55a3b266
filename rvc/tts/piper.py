"""Piper: offline neural voices (`piper-tts`), each fetched once into `tts/piper/<voice>/` and then used offline."""

from __future__ import annotations

import functools
import threading
from pathlib import Path

import numpy as np

from rvc import paths, prerequisites
from rvc.errors import RVCError
from rvc.tts.base import TtsVoice, check_rate

_LOCK = threading.Lock()


def voice_files(name: str) -> tuple[Path, Path]:
    """Local (model `.onnx`, config `.onnx.json`) of the Piper voice `name`, present or not."""
    model, config = prerequisites.piper_voice_items(name)
    return model.path, config.path


def downloaded_voices() -> list[str]:
    """Names of the Piper voices whose model and config are both on disk."""
    root = paths.tts_dir() / "piper"
    if not root.is_dir():
        return []
    return sorted(
        folder.name
        for folder in root.iterdir()
        if (folder / f"{folder.name}.onnx").is_file() and (folder / f"{folder.name}.onnx.json").is_file()
    )


def ensure_voice(name: str) -> tuple[Path, Path]:
    """The voice's files, downloaded first (resumable, verified) when missing."""
    from rvc.downloads import download_missing

    download_missing(prerequisites.piper_voice_items(name))
    return voice_files(name)


@functools.lru_cache(maxsize=2)
def _load(model: Path, config: Path, _version: float):
    """A loaded `PiperVoice` (cached per file version, so a re-downloaded voice is read again)."""
    from piper import PiperVoice

    return PiperVoice.load(model, config_path=config)


def load_voice(name: str):
    """The Piper voice `name` ready to speak, or RVCError saying how to get a working copy."""
    model, config = ensure_voice(name)
    try:
        return _load(model, config, max(model.stat().st_mtime, config.stat().st_mtime))
    except ImportError as error:
        raise RVCError("the Piper engine needs the piper-tts package: run ./run-install.sh") from error
    except Exception as error:  # onnxruntime and json raise many types for a broken file; all mean the same here
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise RVCError(
            f"cannot load the Piper voice {name} from {model.parent} ({reason}): delete that folder and run "
            f"`python -m rvc download --piper-voice {name}` to fetch it again"
        ) from error


class PiperEngine:
    """Piper voices named like `en_US-lessac-medium`; the catalogued ones and any already downloaded are listed."""

    name = "piper"
    offline = True

    def voices(self) -> list[TtsVoice]:
        """Catalogued voices (marked when not downloaded yet) and every voice found on disk."""
        present = set(downloaded_voices())
        listed = []
        for name in sorted(set(prerequisites.PIPER_VOICES) | present):
            about = prerequisites.PIPER_VOICES.get(name, "downloaded")
            state = "" if name in present else " (downloads on first use)"
            listed.append(TtsVoice(name, f"{about}{state}", name.split("-")[0]))
        return listed

    def synthesize(self, text: str, voice: str, rate: int = 0) -> tuple[np.ndarray, int]:
        """Speak `text` with the Piper voice `voice`; `rate` percent faster shortens every phoneme by that factor."""
        from piper import SynthesisConfig

        rate = check_rate(rate)
        loaded = load_voice(voice)
        config = SynthesisConfig(length_scale=loaded.config.length_scale / (1 + rate / 100))
        with _LOCK:
            chunks = [chunk.audio_float_array for chunk in loaded.synthesize(text, syn_config=config)]
        audio = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
        return audio.astype(np.float32), loaded.config.sample_rate
