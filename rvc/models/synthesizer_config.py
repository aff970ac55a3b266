"""The synthesizer's settings by name, and their 18-entry list form stored as `config` in voice files.

Every reference loader builds the model with `Synthesizer(*cpt["config"])`, so the list keeps the reference
constructor order (`EXPECTED`) and the exact values we wrote before; inside RVC Studio the settings are
only ever read by name. Lists read from a file are untrusted: `from_list` checks every entry.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rvc.configs import LEGACY_SEGMENT_SIZE, segment_frames, spec_channels
from rvc.errors import RVCError

WHOLE = "a whole number of at least 1"
WHOLE_LIST = "a list of whole numbers of at least 1"
EXPECTED = {
    "spec_channels": WHOLE,
    "segment_size": WHOLE,
    "inter_channels": WHOLE,
    "hidden_channels": WHOLE,
    "filter_channels": WHOLE,
    "n_heads": WHOLE,
    "n_layers": WHOLE,
    "kernel_size": WHOLE,
    "p_dropout": "a number from 0 to below 1",
    "resblock": 'the residual block type "1"',
    "resblock_kernel_sizes": WHOLE_LIST,
    "resblock_dilation_sizes": "a list of lists of whole numbers of at least 1",
    "upsample_rates": WHOLE_LIST,
    "upsample_initial_channel": WHOLE,
    "upsample_kernel_sizes": WHOLE_LIST,
    "spk_embed_dim": WHOLE,
    "gin_channels": WHOLE,
    "sr": "a sample rate in Hz (a whole number)",
}
"""What each entry must be, in the reference order of the list (the order of `SynthesizerConfig`'s fields)."""
HINTS = {"upsample_rates": " (fractional 44.1 kHz rates come from a withdrawn 2025 experiment)"}


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _whole_list(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and len(value) > 0 and all(_whole(item) for item in value)


def _valid(name: str, value: Any) -> bool:
    """True when `value` is acceptable for entry `name` (see `EXPECTED`)."""
    expected = EXPECTED[name]
    if expected == WHOLE or name == "sr":
        return _whole(value)
    if expected == WHOLE_LIST:
        return _whole_list(value)
    if name == "resblock_dilation_sizes":
        return isinstance(value, (list, tuple)) and len(value) > 0 and all(_whole_list(item) for item in value)
    if name == "p_dropout":
        return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1
    return name == "resblock" and str(value) == "1" and not isinstance(value, bool)


def _frozen(value: Any) -> Any:
    """Lists (nested too) as tuples, so a config is immutable and hashable."""
    return tuple(_frozen(item) for item in value) if isinstance(value, (list, tuple)) else value


def _listed(value: Any) -> Any:
    """Tuples (nested too) back as the plain lists the reference files hold."""
    return [_listed(item) for item in value] if isinstance(value, (list, tuple)) else value


@dataclass(frozen=True)
class SynthesizerConfig:
    """Settings of a `Synthesizer`, named as its keyword arguments (and as in the per-rate JSON configs).

    spec_channels: linear-spectrogram bins read by the posterior encoder (`filter_length // 2 + 1`).
    segment_size: training slice length in frames (voice files store the legacy constant 32).
    inter_channels, hidden_channels, filter_channels: latent, encoder/flow and transformer FFN widths.
    n_heads, n_layers, kernel_size, p_dropout: transformer heads, layers, FFN kernel and dropout.
    resblock: residual block type ("1", the only one RVC voices use).
    resblock_kernel_sizes, resblock_dilation_sizes, upsample_rates, upsample_initial_channel,
        upsample_kernel_sizes: vocoder geometry (`prod(upsample_rates)` is the hop length).
    spk_embed_dim: rows of the speaker table (number of speakers).
    gin_channels: speaker-embedding width.
    sr: output sample rate in Hz.
    """

    spec_channels: int
    segment_size: int
    inter_channels: int
    hidden_channels: int
    filter_channels: int
    n_heads: int
    n_layers: int
    kernel_size: int
    p_dropout: float
    resblock: str
    resblock_kernel_sizes: tuple[int, ...]
    resblock_dilation_sizes: tuple[tuple[int, ...], ...]
    upsample_rates: tuple[int, ...]
    upsample_initial_channel: int
    upsample_kernel_sizes: tuple[int, ...]
    spk_embed_dim: int
    gin_channels: int
    sr: int

    @classmethod
    def from_entries(cls, entries: Mapping[str, Any], source: str = "this voice file") -> SynthesizerConfig:
        """Checked settings from `{name: value}` (all 18 names); a wrong entry raises `RVCError` naming `source`."""
        for position, (name, expected) in enumerate(EXPECTED.items(), start=1):
            value = entries[name]
            if not _valid(name, value):
                raise RVCError(
                    f"{source} is not a usable voice file: 'config' entry {position} ({name}) must be {expected}"
                    f"{HINTS.get(name, '')}, found {value!r}. The file was edited, damaged or made by an unsupported "
                    "tool; get a fresh copy of the voice."
                )
        return cls(**{name: _frozen(entries[name]) for name in EXPECTED})

    @classmethod
    def from_list(cls, items: Any, source: str = "this voice file") -> SynthesizerConfig:
        """Checked settings from a voice file's 18-entry `config` list (reference order); `RVCError` if ill-formed."""
        return cls.from_entries(config_entries(items, source), source)

    @classmethod
    def from_json_config(cls, cfg: Mapping[str, Any], training: bool = False) -> SynthesizerConfig:
        """Settings from a per-rate JSON config (`rvc.configs.load_config`).

        `training=True` uses the real training slice (`segment_frames`) instead of the legacy constant that
        voice files store.
        """
        model = cfg["model"]
        entries = {name: model[name] for name in EXPECTED if name in model}
        entries["spec_channels"] = spec_channels(cfg)
        entries["segment_size"] = segment_frames(cfg) if training else LEGACY_SEGMENT_SIZE
        entries["sr"] = cfg["data"]["sample_rate"]
        return cls.from_entries(entries, source=f"the {entries['sr']} Hz model config")

    def to_list(self) -> list:
        """The 18-entry `config` list of a voice file, in reference order, with plain lists inside."""
        return [_listed(getattr(self, name)) for name in EXPECTED]

    def as_kwargs(self) -> dict[str, Any]:
        """The settings as `Synthesizer` keyword arguments (`Synthesizer(**config.as_kwargs(), use_f0=...)`)."""
        return dict(zip(EXPECTED, self.to_list(), strict=True))

    def replace(self, **changes: Any) -> SynthesizerConfig:
        """A copy with `changes` applied, e.g. `replace(spk_embed_dim=speakers)`."""
        return dataclasses.replace(self, **{name: _frozen(value) for name, value in changes.items()})


def config_entries(items: Any, source: str = "this voice file") -> dict[str, Any]:
    """A stored `config` list as `{name: value}` without checking the values; `RVCError` unless it has 18 entries."""
    if not isinstance(items, Sequence) or isinstance(items, (str, bytes)) or len(items) != len(EXPECTED):
        length = f" of length {len(items)}" if isinstance(items, (list, tuple)) else ""
        raise RVCError(
            f"{source} is not a usable voice file: 'config' must be the list of {len(EXPECTED)} model settings, "
            f"found {type(items).__name__}{length}. The file was edited or damaged; get a fresh copy of the voice."
        )
    return dict(zip(EXPECTED, items, strict=True))
