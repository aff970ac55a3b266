"""Every knob of a conversion in one validated, immutable record shared by the API, the CLI and the UI."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from rvc.configs import DEFAULT_NOISE_SCALE
from rvc.errors import RVCError

OUTPUT_FORMATS = ("wav", "flac", "mp3", "ogg", "m4a")
OUTPUT_RATES = (16000, 22050, 24000, 32000, 40000, 44100, 48000)
DEVICES = ("auto", "cpu", "cuda", "mps")


@dataclass(frozen=True)
class ConversionOptions:
    """Settings of one conversion; the defaults are what the UI starts with.

    pitch: transposition in semitones (-24..24).
    f0_method: pitch method name from `rvc.features.f0.METHODS`, or `hybrid[a+b]`.
    index_rate: share of the retrieved training features mixed into the input's features (0..1).
    protect: 0.5 = off; lower values keep more of the un-indexed features in unvoiced frames (consonants,
        breaths), so the index cannot smear them. Only matters when an index is used.
    rms_mix_rate: 1 keeps the converted audio's own loudness curve, 0 imposes the input's (0..1).
    filter_radius: median filter of the pitch track over 2·r+1 frames (0 = off).
    speaker_id: row of the voice's speaker table.
    autotune: pull of each voiced frame toward the nearest semitone (0 = off, 1 = hard snap).
    split_audio: convert only the non-silent stretches, leaving silences silent.
    formant_shift: spectral-envelope scale applied to the input before conversion (1 = off, 0.5..2).
    clean_strength: spectral-gating noise reduction of the output (0 = off, 1 = strongest).
    effects: post effects in order, `{name: {param: value}}` (names in `rvc.infer.effects.EFFECTS`).
    index_path: faiss index paired with the voice ("" = none).
    embedder: built-in embedder name, folder or fairseq `.pt`.
    f0_file: text file of `seconds,Hz` lines replacing the pitch where it has values ("" = none).
    output_format: wav/flac/mp3/ogg/m4a (None = from the output file's extension).
    output_sr: output sample rate (None = the voice's rate).
    device: "auto" (CUDA when present), "cpu", "cuda", "cuda:N" or "mps".
    half: run the models in float16 on CUDA (ignored on CPU).
    seed: fixes the random draws (prior noise, vocoder excitation) so reruns give identical audio.
    noise_scale: scale of the prior sample (0.66666 as trained; 0 = the prior mean).
    """

    pitch: float = 0.0
    f0_method: str = "rmvpe"
    index_rate: float = 0.75
    protect: float = 0.5
    rms_mix_rate: float = 1.0
    filter_radius: int = 0
    speaker_id: int = 0
    autotune: float = 0.0
    split_audio: bool = False
    formant_shift: float = 1.0
    clean_strength: float = 0.0
    effects: dict[str, dict[str, float]] = field(default_factory=dict)
    index_path: str = ""
    embedder: str = "contentvec"
    f0_file: str = ""
    output_format: str | None = None
    output_sr: int | None = None
    device: str = "auto"
    half: bool = False
    seed: int | None = None
    noise_scale: float = DEFAULT_NOISE_SCALE

    def __post_init__(self) -> None:
        _check_range("pitch", self.pitch, -48, 48)
        _check_range("index_rate", self.index_rate, 0, 1)
        _check_range("protect", self.protect, 0, 0.5)
        _check_range("rms_mix_rate", self.rms_mix_rate, 0, 1)
        _check_range("filter_radius", self.filter_radius, 0, 50)
        _check_range("speaker_id", self.speaker_id, 0, 10_000)
        _check_range("autotune", self.autotune, 0, 1)
        _check_range("formant_shift", self.formant_shift, 0.5, 2)
        _check_range("clean_strength", self.clean_strength, 0, 1)
        _check_range("noise_scale", self.noise_scale, 0, 2)
        if int(self.filter_radius) != self.filter_radius or int(self.speaker_id) != self.speaker_id:
            raise RVCError("filter_radius and speaker_id must be whole numbers.")
        if self.output_format is not None and self.output_format.lower().lstrip(".") not in OUTPUT_FORMATS:
            raise RVCError(f"Unknown output format {self.output_format!r}: use one of {', '.join(OUTPUT_FORMATS)}.")
        if self.output_sr is not None and self.output_sr not in OUTPUT_RATES:
            raise RVCError(
                f"Unsupported output rate {self.output_sr} Hz: use one of {', '.join(map(str, OUTPUT_RATES))}, "
                "or leave it empty for the voice's own rate."
            )
        base_device = str(self.device).split(":")[0]
        if base_device not in DEVICES:
            raise RVCError(f"Unknown device {self.device!r}: use auto, cpu, cuda, cuda:N or mps.")
        if self.seed is not None and not 0 <= int(self.seed) < 2**63:
            raise RVCError(f"seed {self.seed} is out of range: use a whole number from 0 to 2^63-1.")
        from rvc.infer.effects import validate_effects

        validate_effects(self.effects)

    def replace(self, **changes: Any) -> ConversionOptions:
        """A copy with `changes` applied (validated again)."""
        return dataclasses.replace(self, **changes)


def _check_range(name: str, value: float, low: float, high: float) -> None:
    """RVCError unless `low <= value <= high` (NaN included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise RVCError(f"{name} = {value!r} is out of range: use a number from {low} to {high}.")


def make_options(**options: Any) -> ConversionOptions:
    """`ConversionOptions(**options)`, turning an unknown option name into an RVCError that lists the known ones."""
    known = {item.name for item in dataclasses.fields(ConversionOptions)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise RVCError(f"Unknown conversion option {', '.join(unknown)}; known options: {', '.join(sorted(known))}.")
    return ConversionOptions(**options)
