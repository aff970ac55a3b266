"""SynthesizerConfig: named settings that read and write exactly the reference 18-entry voice-file list."""

from __future__ import annotations

import dataclasses

import pytest

from rvc.configs import SAMPLE_RATES, VERSIONS, load_config, segment_frames
from rvc.errors import RVCError
from rvc.models.synthesizer_config import SynthesizerConfig, config_entries

REFERENCE_ORDER = (
    "spec_channels", "segment_size", "inter_channels", "hidden_channels", "filter_channels", "n_heads", "n_layers",
    "kernel_size", "p_dropout", "resblock", "resblock_kernel_sizes", "resblock_dilation_sizes", "upsample_rates",
    "upsample_initial_channel", "upsample_kernel_sizes", "spk_embed_dim", "gin_channels", "sr",
)  # fmt: skip
"""The reference `Synthesizer` constructor order (training.md §4), the order of a voice file's `config`."""
RATES_AND_VERSIONS = [(rate, version) for rate in SAMPLE_RATES for version in VERSIONS]


def reference_list(cfg: dict) -> list:
    """The list RVC Studio wrote before the config had names (training.md §11), built from the JSON by hand."""
    model, data = cfg["model"], cfg["data"]
    return [
        data["filter_length"] // 2 + 1,
        32,
        *(model[key] for key in REFERENCE_ORDER[2:-1]),
        data["sample_rate"],
    ]


def test_fields_are_named_in_reference_order():
    assert tuple(field.name for field in dataclasses.fields(SynthesizerConfig)) == REFERENCE_ORDER


@pytest.mark.parametrize(("sample_rate", "version"), RATES_AND_VERSIONS)
def test_list_is_the_one_written_before_for_every_rate_and_version(sample_rate, version):
    cfg = load_config(sample_rate, version)
    config = SynthesizerConfig.from_json_config(cfg)
    assert config.to_list() == reference_list(cfg)
    assert repr(config.to_list()) == repr(reference_list(cfg))  # same types inside too: the model hash hashes it
    assert SynthesizerConfig.from_list(config.to_list()) == config
    training = SynthesizerConfig.from_json_config(cfg, training=True)
    assert training.to_list() == [reference_list(cfg)[0], segment_frames(cfg), *reference_list(cfg)[2:]]


def test_round_trip_keeps_every_value_and_type():
    config = SynthesizerConfig.from_json_config(load_config(44100, "v1")).replace(spk_embed_dim=4, p_dropout=0.1)
    items = config.to_list()
    again = SynthesizerConfig.from_list(items)
    assert again == config and again.to_list() == items
    assert again.as_kwargs() == dict(zip(REFERENCE_ORDER, items, strict=True))
    assert type(again.as_kwargs()["resblock_dilation_sizes"][0]) is list


def test_config_is_immutable_and_replace_names_the_field():
    config = SynthesizerConfig.from_json_config(load_config(40000))
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.spk_embed_dim = 3
    more = config.replace(spk_embed_dim=7, upsample_rates=[10, 10, 2, 2])
    assert (config.spk_embed_dim, more.spk_embed_dim) == (109, 7)
    assert hash(more) == hash(config.replace(spk_embed_dim=7))


@pytest.mark.parametrize(
    ("items", "fragment"),
    [
        (None, "must be the list of 18 model settings, found NoneType"),
        ("40k", "must be the list of 18 model settings, found str"),
        (list(range(17)), "found list of length 17"),
        ({"sr": 40000}, "found dict"),
    ],
)
def test_list_of_the_wrong_shape_is_refused(items, fragment):
    with pytest.raises(RVCError, match=fragment) as caught:
        SynthesizerConfig.from_list(items, source="voices/bad.pth")
    assert str(caught.value).startswith("voices/bad.pth is not a usable voice file")


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("spec_channels", 1025.0, r"entry 1 \(spec_channels\) must be a whole number of at least 1, found 1025\.0"),
        ("segment_size", 0, r"entry 2 \(segment_size\) must be a whole number"),
        ("n_heads", True, r"entry 6 \(n_heads\) must be a whole number"),
        ("p_dropout", "0", r"entry 9 \(p_dropout\) must be a number from 0 to below 1"),
        ("resblock", "2", r"entry 10 \(resblock\) must be the residual block type"),
        ("resblock_kernel_sizes", [], r"entry 11 \(resblock_kernel_sizes\) must be a list of whole numbers"),
        ("resblock_dilation_sizes", [[1, 3], 5], r"entry 12 \(resblock_dilation_sizes\) must be a list of lists"),
        ("upsample_rates", [10, 10, 2.205, 2], r"withdrawn 2025 experiment\), found \[10, 10, 2\.205, 2\]"),
        ("sr", "40k", r"entry 18 \(sr\) must be a sample rate in Hz"),
    ],
)
def test_ill_formed_entry_is_refused_with_its_name(name, value, fragment):
    entries = config_entries(SynthesizerConfig.from_json_config(load_config(40000)).to_list())
    entries[name] = value
    with pytest.raises(RVCError, match=fragment) as caught:
        SynthesizerConfig.from_list(list(entries.values()), source="voices/bad.pth")
    assert "voices/bad.pth" in str(caught.value) and "get a fresh copy" in str(caught.value)


def test_synthesizer_takes_its_settings_by_name_only():
    from rvc.models.synthesizer import Synthesizer

    with pytest.raises(TypeError, match="positional"):
        Synthesizer(*SynthesizerConfig.from_json_config(load_config(40000)).to_list())
