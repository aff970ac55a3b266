"""Per-rate configs: the reference geometry (training.md §3) and the voice-file config list."""

from __future__ import annotations

import math

import pytest

from rvc.configs import SAMPLE_RATES, load_config, segment_frames, spec_channels
from rvc.errors import RVCError
from rvc.models.synthesizer_config import SynthesizerConfig

# sr: (segment samples, hop, n_mels, filter_length, upsample_rates, upsample_kernel_sizes) for v2
V2_GEOMETRY = {
    32000: (12800, 320, 80, 1024, [10, 8, 2, 2], [20, 16, 4, 4]),
    40000: (12800, 400, 125, 2048, [10, 10, 2, 2], [16, 16, 4, 4]),
    44100: (15876, 441, 160, 2048, [7, 7, 3, 3], [14, 14, 6, 6]),
    48000: (17280, 480, 128, 2048, [12, 10, 2, 2], [24, 20, 4, 4]),
}
V1_DELTAS = {
    32000: {"upsample_rates": [10, 4, 2, 2, 2], "upsample_kernel_sizes": [16, 16, 4, 4, 4]},
    48000: {"segment_size": 11520, "upsample_rates": [10, 6, 2, 2, 2], "upsample_kernel_sizes": [16, 16, 4, 4, 4]},
}
COMMON_MODEL = {
    "inter_channels": 192,
    "hidden_channels": 192,
    "filter_channels": 768,
    "n_heads": 2,
    "n_layers": 6,
    "kernel_size": 3,
    "p_dropout": 0,
    "resblock": "1",
    "resblock_kernel_sizes": [3, 7, 11],
    "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
    "upsample_initial_channel": 512,
    "use_spectral_norm": False,
    "gin_channels": 256,
    "spk_embed_dim": 109,
}
COMMON_TRAIN = {
    "log_interval": 200,
    "seed": 1234,
    "learning_rate": 1e-4,
    "betas": [0.8, 0.99],
    "eps": 1e-9,
    "lr_decay": 0.999875,
    "c_mel": 45,
    "c_kl": 1.0,
}


@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.parametrize("sample_rate", SAMPLE_RATES)
def test_geometry_matches_reference(sample_rate, version):
    cfg = load_config(sample_rate, version)
    segment, hop, mels, filter_length, rates, kernels = V2_GEOMETRY[sample_rate]
    delta = V1_DELTAS.get(sample_rate, {}) if version == "v1" else {}
    assert cfg["data"]["sample_rate"] == sample_rate
    assert cfg["data"]["hop_length"] == hop
    assert cfg["data"]["n_mel_channels"] == mels
    assert cfg["data"]["filter_length"] == cfg["data"]["win_length"] == filter_length
    assert cfg["train"]["segment_size"] == delta.get("segment_size", segment)
    assert cfg["model"]["upsample_rates"] == delta.get("upsample_rates", rates)
    assert cfg["model"]["upsample_kernel_sizes"] == delta.get("upsample_kernel_sizes", kernels)
    assert cfg["model"]["text_enc_hidden_dim"] == (256 if version == "v1" else 768)
    assert {key: cfg["model"][key] for key in COMMON_MODEL} == COMMON_MODEL
    assert {key: cfg["train"][key] for key in COMMON_TRAIN} == COMMON_TRAIN
    assert math.prod(cfg["model"]["upsample_rates"]) == hop
    assert cfg["train"]["segment_size"] % hop == 0


def test_44k_segment_is_36_frames_and_hop_is_100_fps():
    cfg = load_config(44100)
    assert segment_frames(cfg) == 36
    assert cfg["data"]["sample_rate"] / cfg["data"]["hop_length"] == 100


def test_load_config_returns_independent_copies():
    first = load_config(40000)
    first["model"]["upsample_rates"].append(99)
    assert load_config(40000)["model"]["upsample_rates"] == [10, 10, 2, 2]


def test_voice_file_list_is_reference_order_for_40k():
    expected = [
        1025,
        32,
        192,
        192,
        768,
        2,
        6,
        3,
        0,
        "1",
        [3, 7, 11],
        [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
        [10, 10, 2, 2],
        512,
        [16, 16, 4, 4],
        109,
        256,
        40000,
    ]
    assert SynthesizerConfig.from_json_config(load_config(40000)).to_list() == expected


@pytest.mark.parametrize("sample_rate", SAMPLE_RATES)
def test_training_config_differs_only_by_the_real_segment(sample_rate):
    cfg = load_config(sample_rate)
    inference = SynthesizerConfig.from_json_config(cfg)
    training = SynthesizerConfig.from_json_config(cfg, training=True)
    assert inference.spec_channels == spec_channels(cfg) == (513 if sample_rate == 32000 else 1025)
    assert inference.segment_size == 32
    assert training == inference.replace(segment_size=segment_frames(cfg))
    assert inference.sr == sample_rate


@pytest.mark.parametrize(("sample_rate", "version", "needle"), [(22050, "v2", "22050"), (40000, "v3", "v3")])
def test_unsupported_rate_or_version_is_a_user_error(sample_rate, version, needle):
    with pytest.raises(RVCError, match=needle):
        load_config(sample_rate, version)
