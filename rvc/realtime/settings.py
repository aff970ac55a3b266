"""The knobs of one realtime stream (block, context, crossfade, SOLA search, silence gate, gains), declared once.

The CLI flags of `python -m rvc realtime` and the Realtime tab's controls are generated from these fields
(`rvc.option_spec`); what is converted (voice, pitch, index, embedder) comes from `ConversionOptions`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from rvc.option_spec import check_spec_ranges, option

_GROUP = "Realtime"
OFFLINE_ONLY = (
    "formant_shift", "proposed_pitch", "proposed_pitch_hz", "split_audio", "clean_strength", "effects", "f0_file",
)  # fmt: skip
"""Conversion options that need the whole recording, or a post pass too slow to run on every block; a stream does
not apply them."""
NOT_STREAMED = (*OFFLINE_ONLY, "output_format", "output_sr")
"""Conversion options a stream has no use for: `OFFLINE_ONLY`, and the output file's format and rate (a stream
plays at the device's rate, and its recording is a wav at that rate). The Realtime tab does not show them."""


@dataclass(frozen=True)
class StreamSettings:
    """Sizes in seconds and levels in dB of one stream; the defaults suit a CPU with a 0.25 s block."""

    block: float = option(
        0.25, help="seconds of audio converted at a time: smaller = less delay, more CPU per second",
        label="Block (s)", flag="--block", group=_GROUP, low=0.05, high=1.0, step=0.01,
    )  # fmt: skip
    crossfade: float = option(
        0.05, help="seconds over which each block is blended into the previous one (hides the joins)",
        label="Crossfade (s)", flag="--crossfade", group=_GROUP, low=0.01, high=0.5, step=0.01,
    )  # fmt: skip
    extra: float = option(
        0.5, help="seconds of past audio the models also see for context: more = steadier timbre, more CPU",
        label="Extra context (s)", flag="--extra", group=_GROUP, low=0.0, high=5.0, step=0.05,
    )  # fmt: skip
    sola_search: float = option(
        0.01, help="seconds searched to line each block's waveform up with the previous one (SOLA)",
        label="SOLA search (s)", flag="--sola-search", group=_GROUP, low=0.0, high=0.05, step=0.001,
    )  # fmt: skip
    silence_db: float = option(
        -50.0, help="blocks quieter than this (dBFS, after input gain) are not converted and come out silent",
        label="Silence gate (dB)", flag="--silence-db", group=_GROUP, low=-120.0, high=0.0, step=1,
    )  # fmt: skip
    input_gain_db: float = option(
        0.0, help="gain applied to the microphone before conversion, in dB", label="Input gain (dB)",
        flag="--input-gain", group=_GROUP, low=-40.0, high=40.0, step=0.5,
    )  # fmt: skip
    output_gain_db: float = option(
        0.0, help="gain applied to the converted voice, in dB", label="Output gain (dB)", flag="--output-gain",
        group=_GROUP, low=-40.0, high=40.0, step=0.5,
    )  # fmt: skip

    def __post_init__(self) -> None:
        check_spec_ranges(self)

    def replace(self, **changes: Any) -> StreamSettings:
        """A copy with `changes` applied (validated again)."""
        return dataclasses.replace(self, **changes)
