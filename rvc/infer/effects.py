"""Audio effects around the conversion: formant shift (before), noise reduction and a pedalboard chain (after).

`EFFECTS` describes every post effect and its parameters (range, default, unit) so the UI and CLI are built
from one table; `validate_effects` checks a user's choice without importing pedalboard.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rvc.errors import RVCError


@dataclass(frozen=True)
class EffectParam:
    """One knob of a post effect: pedalboard keyword, label, range and default."""

    name: str
    label: str
    low: float
    high: float
    default: float
    step: float = 0.01


EFFECTS: dict[str, tuple[str, tuple[EffectParam, ...]]] = {
    "reverb": (
        "Reverb",
        (
            EffectParam("room_size", "Room size", 0, 1, 0.5),
            EffectParam("damping", "Damping", 0, 1, 0.5),
            EffectParam("wet_level", "Wet level", 0, 1, 0.33),
            EffectParam("dry_level", "Dry level", 0, 1, 0.4),
            EffectParam("width", "Width", 0, 1, 1.0),
            EffectParam("freeze_mode", "Freeze", 0, 1, 0.0),
        ),
    ),
    "pitch_shift": ("Pitch shift", (EffectParam("semitones", "Semitones", -12, 12, 0.0, 0.5),)),
    "limiter": (
        "Limiter",
        (
            EffectParam("threshold_db", "Threshold (dB)", -60, 0, -6.0, 0.5),
            EffectParam("release_ms", "Release (ms)", 1, 1000, 100.0, 1),
        ),
    ),
    "gain": ("Gain", (EffectParam("gain_db", "Gain (dB)", -60, 60, 0.0, 0.5),)),
    "distortion": ("Distortion", (EffectParam("drive_db", "Drive (dB)", 0, 60, 25.0, 0.5),)),
    "chorus": (
        "Chorus",
        (
            EffectParam("rate_hz", "Rate (Hz)", 0, 100, 1.0, 0.1),
            EffectParam("depth", "Depth", 0, 1, 0.25),
            EffectParam("centre_delay_ms", "Centre delay (ms)", 0, 50, 7.0, 0.5),
            EffectParam("feedback", "Feedback", 0, 1, 0.0),
            EffectParam("mix", "Mix", 0, 1, 0.5),
        ),
    ),
    "bitcrush": ("Bitcrush", (EffectParam("bit_depth", "Bit depth", 1, 32, 8.0, 1),)),
    "clipping": ("Clipping", (EffectParam("threshold_db", "Threshold (dB)", -60, 0, -6.0, 0.5),)),
    "compressor": (
        "Compressor",
        (
            EffectParam("threshold_db", "Threshold (dB)", -60, 0, -20.0, 0.5),
            EffectParam("ratio", "Ratio", 1, 20, 4.0, 0.1),
            EffectParam("attack_ms", "Attack (ms)", 0, 100, 1.0, 0.1),
            EffectParam("release_ms", "Release (ms)", 1, 1000, 100.0, 1),
        ),
    ),
    "delay": (
        "Delay",
        (
            EffectParam("delay_seconds", "Delay (s)", 0, 5, 0.5),
            EffectParam("feedback", "Feedback", 0, 1, 0.0),
            EffectParam("mix", "Mix", 0, 1, 0.5),
        ),
    ),
}
"""Effect name -> (label, parameters). The chain runs in the order the user lists the effects."""

_PEDALBOARD_CLASSES = {
    "reverb": "Reverb",
    "pitch_shift": "PitchShift",
    "limiter": "Limiter",
    "gain": "Gain",
    "distortion": "Distortion",
    "chorus": "Chorus",
    "bitcrush": "Bitcrush",
    "clipping": "Clipping",
    "compressor": "Compressor",
    "delay": "Delay",
}


def effect_defaults(name: str) -> dict[str, float]:
    """The default parameters of effect `name`."""
    return {param.name: param.default for param in EFFECTS[name][1]}


def validate_effects(effects: dict[str, dict[str, float]]) -> None:
    """RVCError naming the first unknown effect, unknown parameter or value out of range."""
    if not isinstance(effects, dict):
        raise RVCError("effects must map effect names to their parameters, e.g. {'reverb': {'room_size': 0.5}}.")
    for name, params in effects.items():
        if name not in EFFECTS:
            raise RVCError(f"Unknown effect {name!r}: use one of {', '.join(EFFECTS)}.")
        known = {param.name: param for param in EFFECTS[name][1]}
        for key, value in (params or {}).items():
            if key not in known:
                raise RVCError(f"Effect {name} has no parameter {key!r}: use {', '.join(known)}.")
            spec = known[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not spec.low <= value <= spec.high:
                raise RVCError(f"{name} {key} = {value!r} is out of range: use {spec.low} to {spec.high}.")


def parse_effect(text: str) -> tuple[str, dict[str, float]]:
    """`"reverb"` or `"reverb:room_size=0.8,wet_level=0.2"` -> (name, params); RVCError when malformed."""
    name, _, rest = text.partition(":")
    name = name.strip().lower().replace("-", "_")
    params: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, sep, value = item.partition("=")
        try:
            params[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise RVCError(f"Cannot read effect setting {item!r} in {text!r}: write name=value, e.g. room_size=0.8.")
    validate_effects({name: params})
    return name, params


def apply_effects(audio: np.ndarray, sample_rate: int, effects: dict[str, dict[str, float]]) -> np.ndarray:
    """Run `[N]` float32 audio through the pedalboard chain `effects` (in order); `[N]` of the same length."""
    if not effects:
        return audio
    import pedalboard

    validate_effects(effects)
    chain = pedalboard.Pedalboard(
        [
            getattr(pedalboard, _PEDALBOARD_CLASSES[name])(**{**effect_defaults(name), **(params or {})})
            for name, params in effects.items()
        ]
    )
    processed = chain(np.ascontiguousarray(audio, dtype=np.float32)[None, :], sample_rate, reset=True)[0]
    out = np.zeros_like(audio, dtype=np.float32)
    out[: min(len(out), len(processed))] = processed[: len(out)]
    return out


def reduce_noise(audio: np.ndarray, sample_rate: int, strength: float) -> np.ndarray:
    """Spectral-gating noise reduction of `[N]` (noisereduce), `strength` 0..1 = share of the noise removed."""
    if strength <= 0:
        return audio
    import noisereduce

    cleaned = noisereduce.reduce_noise(y=audio, sr=sample_rate, prop_decrease=float(strength))
    return np.asarray(cleaned, dtype=np.float32)


def shift_formants(wav16k: np.ndarray, factor: float, sample_rate: int = 16000) -> np.ndarray:
    """Scale the spectral envelope of `[N]` by `factor` (>1 brighter/"smaller", <1 darker) keeping pitch and length.

    WORLD analysis (DIO + StoneMask pitch, CheapTrick envelope, D4C aperiodicity), envelope frequency axis
    stretched by `factor`, then WORLD synthesis; 1.0 returns the input unchanged.
    """
    if factor == 1.0:
        return wav16k
    import pyworld

    x = np.ascontiguousarray(wav16k, dtype=np.float64)
    f0, times = pyworld.dio(x, sample_rate, frame_period=5.0)
    f0 = pyworld.stonemask(x, f0, times, sample_rate)
    envelope = pyworld.cheaptrick(x, f0, times, sample_rate)
    aperiodicity = pyworld.d4c(x, f0, times, sample_rate)
    bins = np.arange(envelope.shape[1], dtype=np.float64)
    source_bins = np.clip(bins / factor, 0, envelope.shape[1] - 1)
    warped = np.stack([np.interp(source_bins, bins, frame) for frame in envelope])
    warped = np.maximum(warped, 1e-16)
    out = pyworld.synthesize(f0, warped, aperiodicity, sample_rate, frame_period=5.0)
    fitted = np.zeros(len(x))
    fitted[: min(len(out), len(x))] = out[: len(x)]
    return fitted.astype(np.float32)
