"""Every audio read, write, resample and level change in the project goes through here.

Reading tries libsndfile (soundfile) first and falls back to the `ffmpeg` binary for what it
cannot decode (m4a/aac, opus, webm, wma, ...). Writing picks the format from the file extension
and is atomic. Arrays are float32, `[N]` for mono and `[N, C]` for several channels. Heavy
modules (scipy, soxr) load on first use so importing this module costs nothing.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from rvc.atomic_files import atomic_path
from rvc.errors import RVCError

log = logging.getLogger(__name__)

AUDIO_EXTENSIONS = frozenset(
    {".wav", ".flac", ".ogg", ".oga", ".mp3", ".m4a", ".mp4", ".aac", ".opus", ".webm", ".wma", ".aif", ".aiff", ".ac3"}
)
AUDIO_FORMATS = ("wav", "flac", "mp3", "ogg", "m4a")
"""Formats audio can be written in (conversion output, exports), the first being the default."""

_SOUNDFILE_EXTENSIONS = frozenset({".wav", ".flac", ".ogg", ".oga", ".mp3", ".aif", ".aiff"})
_SOUNDFILE_WRITE = {"wav": ("WAV", "PCM_16"), "flac": ("FLAC", "PCM_16"), "ogg": ("OGG", "VORBIS")}
COMPRESSED_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)
"""Sample rates both MP3 and AAC (m4a) can store."""
_FLOAT_SUBTYPES = frozenset({"FLOAT", "DOUBLE"})
# Every ffmpeg call: never read the terminal, report errors only, overwrite the output file.
_FFMPEG_QUIET = ("-nostdin", "-v", "error", "-y")
FFMPEG_FIX = (
    "install ffmpeg (Linux: apt-get install ffmpeg, macOS: brew install ffmpeg, Windows: winget install ffmpeg) "
    "and make sure it is on PATH"
)


def is_audio_file(path: str | Path) -> bool:
    """True when `path` has an extension this module can read."""
    return Path(path).suffix.lower() in AUDIO_EXTENSIONS


def load_audio(path: str | Path, sample_rate: int | None = None, mono: bool = True) -> tuple[np.ndarray, int]:
    """Decode `path` to float32 `[N]` (mono) or `[N, C]`, resampled to `sample_rate` when given; returns (audio, sr).

    Multichannel audio is averaged to mono. Sporadic NaN/inf samples become 0 (with a warning);
    a file with no finite sample at all is rejected.
    """
    path = Path(path)
    if not path.exists():
        raise RVCError(f"Audio file not found: {path}. Check the path.")
    if path.is_dir():
        raise RVCError(f"{path} is a folder, not an audio file. Pick a file inside it.")
    if path.stat().st_size == 0:
        raise RVCError(f"Audio file {path} is empty (0 bytes). Re-export the recording or pick another file.")
    audio, source_sr = _decode(path)
    frames = audio.shape[0]
    if frames == 0:
        raise RVCError(f"Audio file {path} contains no samples. Re-export the recording or pick another file.")
    audio = _sanitize(audio, path)
    if mono:
        audio = to_mono(audio)
    if sample_rate is not None and sample_rate != source_sr:
        audio = resample(audio, source_sr, sample_rate)
        if audio.shape[0] == 0:
            raise RVCError(
                f"Audio file {path} is too short ({frames} samples at {source_sr} Hz) to resample to {sample_rate} Hz. "
                "Use a longer recording."
            )
    return audio, sample_rate or source_sr


def save_audio(path: str | Path, audio: np.ndarray, sample_rate: int, subtype: str | None = None) -> Path:
    """Write `[N]` or `[N, C]` audio atomically; the format comes from the extension (wav/flac/ogg/mp3/m4a).

    `subtype` is a soundfile subtype such as "FLOAT" or "PCM_24" (default: 16-bit for wav/flac).
    Integer subtypes clip the signal to [-1, 1].
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in AUDIO_FORMATS:
        raise RVCError(f"Cannot write {path}: unknown audio format '{fmt}'. Use one of {', '.join(AUDIO_FORMATS)}.")
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim not in (1, 2) or audio.shape[0] == 0:
        raise ValueError(f"audio must be a non-empty [N] or [N, C] array, got shape {audio.shape}")
    if (subtype or "").upper() not in _FLOAT_SUBTYPES:
        audio = np.clip(audio, -1.0, 1.0)
    with atomic_path(path) as temp:
        if fmt == "m4a":
            _ffmpeg_encode(temp, audio, sample_rate, ["-c:a", "aac", "-b:a", "192k"])
        elif fmt == "mp3":
            _write_mp3(temp, audio, sample_rate)
        else:
            container, default_subtype = _SOUNDFILE_WRITE[fmt]
            sf.write(temp, audio, sample_rate, subtype=subtype or default_subtype, format=container)
    return path


def open_wav_stream(path: str | Path, sample_rate: int) -> sf.SoundFile:
    """A mono 16-bit wav file open for writing audio as it comes (a live recording); the caller closes it.

    Not atomic: a recording is useful up to the last block written even when the app dies.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return sf.SoundFile(path, mode="w", samplerate=sample_rate, channels=1, subtype="PCM_16", format="WAV")
    except (OSError, RuntimeError) as error:  # soundfile reports an unwritable path as RuntimeError
        raise RVCError(f"cannot write the recording {path}: {error}; choose another output folder") from None


def to_mono(audio: np.ndarray) -> np.ndarray:
    """Average `[N, C]` channels to float32 `[N]`; `[N]` passes through."""
    if audio.ndim == 1:
        return audio.astype(np.float32, copy=False)
    if audio.shape[1] == 1:
        return np.ascontiguousarray(audio[:, 0], dtype=np.float32)
    return audio.mean(axis=1, dtype=np.float64).astype(np.float32)


def resample(audio: np.ndarray, from_sr: int, to_sr: int) -> np.ndarray:
    """Resample `[N]` or `[N, C]` with soxr (very high quality); output length round(N * to_sr / from_sr)."""
    if from_sr == to_sr:
        return audio.astype(np.float32, copy=False)
    import soxr

    return soxr.resample(np.ascontiguousarray(audio, dtype=np.float32), from_sr, to_sr, quality="VHQ")


def peak_normalize(audio: np.ndarray, peak: float = 0.95, mix: float = 1.0) -> np.ndarray:
    """Scale `[N]` so its peak is `peak`, blended with the original: `mix * x * peak / max|x| + (1 - mix) * x`.

    Silent input (peak 0) is returned unchanged. `peak=0.9, mix=0.75` is the training-set rule.
    """
    current = float(np.max(np.abs(audio))) if audio.size else 0.0
    if current == 0.0:
        return audio
    return (audio * (mix * peak / current) + (1.0 - mix) * audio).astype(np.float32)


def limit_peak(audio: np.ndarray, ceiling: float) -> np.ndarray:
    """Scale `[N]` down so its peak is at most `ceiling`; quieter audio (or a NaN peak) is returned unchanged."""
    current = float(np.max(np.abs(audio))) if audio.size else 0.0
    if not current > ceiling:
        return audio
    return (audio * (ceiling / current)).astype(np.float32)


def high_pass(
    audio: np.ndarray, sample_rate: int, cutoff: float = 48.0, order: int = 5, zero_phase: bool = False
) -> np.ndarray:
    """Butterworth high-pass of `[N]`; causal single pass, or forward-backward when `zero_phase`."""
    from scipy.signal import sosfilt, sosfiltfilt

    sos = _butter_high_pass(order, cutoff, sample_rate)
    if zero_phase:
        pad = min(audio.shape[0] - 1, 3 * (2 * sos.shape[0] + 1))
        return sosfiltfilt(sos, audio, padlen=max(pad, 0)).astype(np.float32)
    return sosfilt(sos, audio).astype(np.float32)


@functools.lru_cache(maxsize=16)
def _butter_high_pass(order: int, cutoff: float, sample_rate: int) -> np.ndarray:
    """Second-order sections of a Butterworth high-pass (cached per rate)."""
    from scipy.signal import butter

    return butter(order, cutoff, btype="highpass", fs=sample_rate, output="sos")


def _decode(path: Path) -> tuple[np.ndarray, int]:
    """`[N, C]` float32 samples and rate, from soundfile or else ffmpeg."""
    try:
        audio, sr = sf.read(path, dtype="float32", always_2d=True)
        return audio, int(sr)
    except RuntimeError as error:
        soundfile_reason = str(error).strip() or type(error).__name__
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        if path.suffix.lower() in _SOUNDFILE_EXTENSIONS:
            raise RVCError(
                f"Cannot read {path}: not a valid audio file or a damaged one ({soundfile_reason}). "
                "Re-export it as WAV or FLAC."
            )
        raise RVCError(
            f"Cannot read {path}: decoding '{path.suffix}' files needs ffmpeg, which was not found; {FFMPEG_FIX}."
        )
    return _ffmpeg_decode(ffmpeg, path)


def _ffmpeg_decode(ffmpeg: str, path: Path) -> tuple[np.ndarray, int]:
    """Decode with ffmpeg into a temporary float32 WAV (all channels, native rate) and read it back."""
    handle, temp_name = tempfile.mkstemp(suffix=".wav")
    os.close(handle)
    try:
        command = [
            ffmpeg,
            *_FFMPEG_QUIET,
            "-i",
            str(path),
            "-vn",
            "-map",
            "0:a:0",
            "-c:a",
            "pcm_f32le",
            "-rf64",
            "auto",
            "-f",
            "wav",
            temp_name,
        ]
        result = subprocess.run(command, check=False, capture_output=True, text=True, errors="replace", timeout=600)
        if result.returncode != 0 or os.path.getsize(temp_name) == 0:
            reason = _last_line(result.stderr).removeprefix(f"{path}: ") or f"ffmpeg exit code {result.returncode}"
            raise RVCError(
                f"Cannot read {path}: not a valid audio file or a damaged one ({reason}). Re-export it as WAV or FLAC."
            )
        audio, sr = sf.read(temp_name, dtype="float32", always_2d=True)
        return audio, int(sr)
    except subprocess.TimeoutExpired as error:
        raise RVCError(
            f"Cannot read {path}: ffmpeg took over 10 minutes to decode it. Convert it to WAV first."
        ) from error
    finally:
        os.unlink(temp_name)


def _ffmpeg_encode(target: Path, audio: np.ndarray, sample_rate: int, codec_args: list[str]) -> None:
    """Encode float32 `[N]`/`[N, C]` to `target` by piping raw samples into ffmpeg."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise RVCError(f"Writing '{target.suffix}' files needs ffmpeg, which was not found; {FFMPEG_FIX}.")
    channels = 1 if audio.ndim == 1 else audio.shape[1]
    command = [
        ffmpeg,
        *_FFMPEG_QUIET,
        "-f",
        "f32le",
        "-ar",
        str(sample_rate),
        "-ac",
        str(channels),
        "-i",
        "pipe:0",
        *codec_args,
        str(target),
    ]
    result = subprocess.run(
        command, check=False, input=np.ascontiguousarray(audio, dtype="<f4").tobytes(), capture_output=True
    )
    if result.returncode != 0:
        reason = _last_line(result.stderr.decode(errors="replace"))
        raise RVCError(
            f"ffmpeg could not write {target.suffix} audio at {sample_rate} Hz ({reason}). Choose wav or flac."
        )


def _write_mp3(target: Path, audio: np.ndarray, sample_rate: int) -> None:
    """MP3 through libsndfile when it was built with MP3 support, else through ffmpeg's LAME encoder."""
    if sample_rate not in COMPRESSED_RATES:
        raise RVCError(
            f"MP3 cannot store {sample_rate} Hz audio (it allows {', '.join(map(str, COMPRESSED_RATES))} Hz). "
            "Choose one of those output rates, or wav/flac."
        )
    if "MP3" in sf.available_formats():
        sf.write(target, audio, sample_rate, format="MP3", subtype="MPEG_LAYER_III")
    else:
        _ffmpeg_encode(target, audio, sample_rate, ["-c:a", "libmp3lame", "-b:a", "192k"])


def _sanitize(audio: np.ndarray, path: Path) -> np.ndarray:
    """Replace non-finite samples by 0; reject a file where no sample is finite."""
    finite = np.isfinite(audio)
    if finite.all():
        return audio
    bad = int(audio.size - np.count_nonzero(finite))
    if bad == audio.size:
        raise RVCError(f"Audio file {path} holds only NaN/infinite samples. Re-export the recording.")
    log.warning("%s: replaced %d NaN/infinite samples with silence", path, bad)
    return np.where(finite, audio, np.float32(0.0))


def _last_line(text: str) -> str:
    """Last non-empty line of a tool's error output."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""
