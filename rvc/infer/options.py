"""Every knob of a conversion in one validated, immutable record shared by the API, the CLI and the UI."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from rvc.audio import AUDIO_FORMATS
from rvc.configs import CONVERSION_PRECISIONS, DEFAULT_NOISE_SCALE
from rvc.errors import RVCError
from rvc.features.f0 import METHODS
from rvc.option_spec import check_spec_ranges, option
from rvc.prerequisites import EMBEDDERS

OUTPUT_RATES = (16000, 22050, 24000, 32000, 40000, 44100, 48000)
DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = CONVERSION_PRECISIONS
"""Float type of the synthesizer and embedder (`rvc.infer.precision.conversion_dtype` resolves `auto`)."""
PITCH_METHODS = (*METHODS, "hybrid[rmvpe+fcpe]")
"""The pitch methods offered in lists; any `hybrid[a+b+...]` of `METHODS` is accepted too."""

_PITCH, _INDEX, _OUTPUT, _EFFECTS, _RUN = "pitch", "voice and index", "output", "effects", "device and randomness"


def _effects_from_texts(texts: list[str]) -> dict[str, dict[str, float]]:
    """`--effect` values ("reverb:room_size=0.8", ...) -> the effects mapping, in the order given."""
    from rvc.infer.effects import parse_effect

    return dict(parse_effect(text) for text in texts)


@dataclass(frozen=True)
class ConversionOptions:
    """Settings of one conversion; the defaults are what the UI starts with.

    Each field's help, range and choices live in its metadata (`rvc.option_spec`): the CLI flags of
    `infer`/`batch-infer` and the Inference tab's controls are generated from them.
    """

    pitch: float = option(
        0.0, help="transpose by N semitones: +12 = one octave up (e.g. male to female), -12 = one down",
        label="Pitch (semitones)", group=_PITCH, low=-48, high=48, ui_low=-24, ui_high=24, step=1,
    )  # fmt: skip
    f0_method: str = option(
        "rmvpe", help="rmvpe: best all-round; fcpe: fast; crepe: smooth; pm/harvest/dio: classic, CPU; "
        "or hybrid[a+b] of them", label="Pitch method", group=_PITCH, choices=PITCH_METHODS, custom=True,
    )  # fmt: skip
    index_rate: float = option(
        0.75, help="share of the voice's training features mixed in: more = closer timbre and accent",
        label="Index rate", group=_INDEX, low=0, high=1, step=0.01,
    )  # fmt: skip
    protect: float = option(
        0.5, help="0.5 = off; lower values hold back the index on unvoiced sounds (consonants, breaths), which "
        "keep more of the input's own features and so avoid smeared consonants; only matters with an index",
        label="Protect consonants", group=_INDEX, low=0, high=0.5, step=0.01,
    )  # fmt: skip
    rms_mix_rate: float = option(
        1.0, help="volume envelope: 1 keeps the converted loudness curve, 0 copies the input's",
        label="Volume envelope", group=_OUTPUT, low=0, high=1, step=0.01,
    )  # fmt: skip
    filter_radius: int = option(
        0, help="median-filter the pitch over 2N+1 frames to remove glitches, 0 = off",
        label="Pitch median filter", group=_PITCH, low=0, high=50, ui_high=7, step=1,
    )  # fmt: skip
    speaker_id: int = option(
        0, help="row of the voice's speaker table (multi-speaker voices)", label="Speaker ID", flag="--sid",
        aliases=("--speaker-id",), group=_INDEX, low=0, high=10_000, widget="number",
    )  # fmt: skip
    autotune: float = option(
        0.0, help="pull the pitch toward the nearest semitone: 0 = off, 1 = hard snap (for singing)",
        label="Autotune strength", group=_PITCH, low=0, high=1, step=0.05,
    )  # fmt: skip
    proposed_pitch: bool = option(
        False, help="shift the whole input by whole semitones (up to an octave) so that its median pitch lands "
        "near the proposed pitch target, before Pitch", label="Proposed pitch", group=_PITCH,
    )  # fmt: skip
    proposed_pitch_hz: float = option(
        155.0, help="the median pitch the proposed pitch aims at: about 155 Hz for a male voice, 255 for a female one",
        label="Proposed pitch target (Hz)", aliases=("--proposed-pitch-threshold",), group=_PITCH, low=50, high=1200,
        step=1,
    )  # fmt: skip
    split_audio: bool = option(
        False, help="convert only the non-silent stretches; silences stay silent", label="Split at silences",
        group=_OUTPUT,
    )  # fmt: skip
    formant_shift: float = option(
        1.0, help="scale the input's formants before conversion by 0.5..2: 1 = off, above 1 brighter",
        label="Formant shift", group=_PITCH, low=0.5, high=2, step=0.05,
    )  # fmt: skip
    clean_strength: float = option(
        0.0, help="noise reduction of the output (steady background noise): 0 = off, 1 = strongest",
        label="Noise reduction", flag="--clean", metavar="STRENGTH", group=_OUTPUT, low=0, high=1, step=0.05,
    )  # fmt: skip
    effects: dict[str, dict[str, float]] = option(
        factory=dict, help="post effect, repeatable, applied in order: reverb, pitch_shift, limiter, gain, "
        "distortion, chorus, bitcrush, clipping, compressor, delay (e.g. reverb:room_size=0.7)",
        label="Post effects", flag="--effect", metavar="NAME[:k=v,...]", group=_EFFECTS, repeat=True,
        combine=_effects_from_texts, ui=False,
    )  # fmt: skip
    index_path: str = option(
        "", help="faiss index trained with the voice", label="Index", flag="--index", group=_INDEX,
        widget="dropdown", ui=False,
    )  # fmt: skip
    embedder: str = option(
        "contentvec", help="content embedder the voice was trained with: a built-in name, a folder or a hubert .pt",
        label="Embedder", group=_INDEX, choices=tuple(EMBEDDERS), custom=True,
    )  # fmt: skip
    f0_file: str = option(
        "", help="text file of 'seconds,Hz' lines that replaces the pitch where it has values",
        label="F0 file (optional)", group=_PITCH, widget="file",
    )  # fmt: skip
    output_format: str | None = option(
        None, help="output audio format", label="Output format", flag="--format", group=_OUTPUT,
        choices=AUDIO_FORMATS, none_text="from the output file's extension, else wav", widget="radio",
    )  # fmt: skip
    output_sr: int | None = option(
        None, help="output sample rate in Hz", label="Output sample rate", group=_OUTPUT, choices=OUTPUT_RATES,
        none_text="voice's rate",
    )  # fmt: skip
    device: str = option(
        "auto", help="auto (CUDA when present), cpu, cuda, cuda:N or mps", label="Device", group=_RUN,
        choices=DEVICES, custom=True,
    )  # fmt: skip
    half: bool = option(
        False, help="run the models in float16 on CUDA: faster, less memory (ignored on CPU)",
        label="Half precision (CUDA)", group=_RUN,
    )  # fmt: skip
    precision: str = option(
        "auto", help="float type of the voice and embedder: auto = bf16 only on CPUs with native bf16 (AVX-512 "
        "BF16/AMX) where it is faster, else fp32 (on CUDA the half switch decides); bf16 is slow on other CPUs",
        label="Precision", group=_RUN, choices=PRECISIONS, widget="radio",
    )  # fmt: skip
    seed: int | None = option(
        None, help="fix the random draws so reruns give identical audio", label="Seed", group=_RUN,
        none_text="random",
    )  # fmt: skip
    noise_scale: float = option(
        DEFAULT_NOISE_SCALE, help="scale of the prior sample: 0.66666 as trained, 0 = the prior mean (flatter)",
        label="Noise scale", group=_RUN, low=0, high=2, step=0.01,
    )  # fmt: skip

    def __post_init__(self) -> None:
        check_spec_ranges(self)
        if int(self.filter_radius) != self.filter_radius or int(self.speaker_id) != self.speaker_id:
            raise RVCError("filter_radius and speaker_id must be whole numbers.")
        if self.output_format is not None and self.output_format.lower().lstrip(".") not in AUDIO_FORMATS:
            raise RVCError(f"Unknown output format {self.output_format!r}: use one of {', '.join(AUDIO_FORMATS)}.")
        if self.output_sr is not None and self.output_sr not in OUTPUT_RATES:
            raise RVCError(
                f"Unsupported output rate {self.output_sr} Hz: use one of {', '.join(map(str, OUTPUT_RATES))}, "
                "or leave it empty for the voice's own rate."
            )
        base_device = str(self.device).split(":")[0]
        if base_device not in DEVICES:
            raise RVCError(f"Unknown device {self.device!r}: use auto, cpu, cuda, cuda:N or mps.")
        if self.precision not in PRECISIONS:
            raise RVCError(f"Unknown precision {self.precision!r}: use one of {', '.join(PRECISIONS)}.")
        if self.seed is not None and not 0 <= int(self.seed) < 2**63:
            raise RVCError(f"seed {self.seed} is out of range: use a whole number from 0 to 2^63-1.")
        from rvc.infer.effects import validate_effects

        validate_effects(self.effects)

    def replace(self, **changes: Any) -> ConversionOptions:
        """A copy with `changes` applied (validated again)."""
        return dataclasses.replace(self, **changes)


def make_options(**options: Any) -> ConversionOptions:
    """`ConversionOptions(**options)`, turning an unknown option name into an RVCError that lists the known ones."""
    known = {item.name for item in dataclasses.fields(ConversionOptions)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise RVCError(f"Unknown conversion option {', '.join(unknown)}; known options: {', '.join(sorted(known))}.")
    return ConversionOptions(**options)
