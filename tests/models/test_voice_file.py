"""Voice files: safe loading, refusal of code-carrying pickles, legacy formats, vocoder detection, writing."""

from __future__ import annotations

import hashlib
import pickle
import zipfile
from pathlib import Path

import pytest
import torch

from rvc.configs import load_config
from rvc.errors import RVCError
from rvc.models import detect_vocoder, read_voice_file, save_voice
from rvc.models.synthesizer_config import SynthesizerConfig, config_entries

DECODER_KEYS = {
    "HiFi-GAN": [
        "dec.ups.0.weight_g",
        "dec.ups.0.weight_v",
        "dec.resblocks.0.convs1.0.weight_v",
        "dec.conv_post.weight",
    ],
    "MRF HiFi-GAN": ["dec.upsamples.0.weight_g", "dec.mrfs.0.0.layers.0.conv1.weight_v", "dec.conv_post.weight_v"],
    "RefineGAN": ["dec.m_source.merge.0.weight", "dec.pre_conv.weight_v", "dec.downsample_blocks.0.weight_v"],
}
REFINEGAN_FIRST_DOWNSAMPLE = {"A": [32, 16, 7], "H": [128, 1, 80]}


REFERENCE_ORDER = (
    "spec_channels", "segment_size", "inter_channels", "hidden_channels", "filter_channels", "n_heads", "n_layers",
    "kernel_size", "p_dropout", "resblock", "resblock_kernel_sizes", "resblock_dilation_sizes", "upsample_rates",
    "upsample_initial_channel", "upsample_kernel_sizes", "spk_embed_dim", "gin_channels", "sr",
)  # fmt: skip
"""The reference `Synthesizer` constructor order (training.md §4), which reference apps apply to `config`."""


def stored_config(sample_rate: int = 40000, version: str = "v2", **changes) -> list:
    """The `config` list a voice file stores for the rate, with named entries changed (unchecked, as in a bad file)."""
    entries = config_entries(SynthesizerConfig.from_json_config(load_config(sample_rate, version)).to_list())
    entries.update(changes)
    return list(entries.values())


def with_entries(items: list, **changes) -> list:
    """A copy of a stored `config` list with named entries changed."""
    entries = config_entries(items)
    entries.update(changes)
    return list(entries.values())


def fake_weights(version: str = "v2", f0: bool = True, vocoder: str = "HiFi-GAN", speakers: int = 3) -> dict:
    """A hand-made voice state dict: the keys detection looks at, with tiny tensors elsewhere."""
    weights = {
        "emb_g.weight": torch.randn(speakers, 256),
        "enc_p.emb_phone.weight": torch.randn(192, 768 if version == "v2" else 256),
        "enc_p.emb_phone.bias": torch.randn(192),
        "flow.flows.0.enc.in_layers.0.weight_g": torch.randn(4, 1, 1),
        "enc_q.pre.weight": torch.randn(2, 2, 1),
    }
    if f0:
        weights["enc_p.emb_pitch.weight"] = torch.randn(256, 192)
        weights["dec.m_source.l_linear.weight"] = torch.randn(1, 9 if vocoder == "MRF HiFi-GAN" else 1)
    for key in DECODER_KEYS[vocoder]:
        weights[key] = torch.randn(2, 2, 1)
    if vocoder == "RefineGAN":
        weights["dec.downsample_blocks.0.weight_v"] = torch.randn(REFINEGAN_FIRST_DOWNSAMPLE["A"])
    return weights


def voice_dict(sample_rate: int = 40000, version: str = "v2", **weight_kwargs) -> dict:
    """An Applio-style voice dict around `fake_weights`."""
    weights = {k: v.half() for k, v in fake_weights(version, **weight_kwargs).items() if not k.startswith("enc_q.")}
    return {
        "weight": weights,
        "config": stored_config(sample_rate, version),
        "epoch": 12,
        "step": 340,
        "sr": sample_rate,
        "f0": weight_kwargs.get("f0", True),
        "version": version,
        "creation_date": "2025-01-02T03:04:05",
        "model_hash": "ab" * 32,
        "dataset_length": "00:10:00",
        "model_name": "alice",
        "author": "someone",
        "embedder_model": "contentvec",
        "speakers_id": 1,
        "vocoder": weight_kwargs.get("vocoder", "HiFi-GAN"),
    }


def write(path: Path, obj) -> Path:
    torch.save(obj, path)
    return path


class CodePayload:
    """Unpickling this runs `open(marker, 'w')`: the shape of a real malicious `.pth`."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('pwned')",))


def test_applio_voice_fields(tmp_path):
    voice = read_voice_file(write(tmp_path / "alice.pth", voice_dict(48000)))
    assert (voice.sample_rate, voice.version, voice.use_f0, voice.vocoder) == (48000, "v2", True, "HiFi-GAN")
    assert voice.notes == ()
    assert voice.n_speakers == 3
    assert voice.config.spk_embed_dim == 3 and voice.config.sr == 48000
    assert voice.metadata["model_name"] == "alice" and voice.metadata["epoch"] == 12
    assert "weight" not in voice.metadata and "config" not in voice.metadata
    assert voice.parameter_count == sum(t.numel() for t in voice.weights.values())


def test_mainline_legacy_voice(tmp_path):
    data = voice_dict(40000, "v1")
    for key in ("version", "vocoder", "f0", "epoch", "step", "model_name", "dataset_length"):
        del data[key]
    data.update(sr="40k", f0=1, info="300epoch", name="bob", dataset_lenght="00:05:00")
    voice = read_voice_file(write(tmp_path / "bob.pth", data))
    assert (voice.sample_rate, voice.version, voice.use_f0, voice.vocoder) == (40000, "v1", True, "HiFi-GAN")
    assert voice.metadata["epoch"] == 300
    assert voice.metadata["model_name"] == "bob" and voice.metadata["dataset_length"] == "00:05:00"
    assert voice.notes == ()


def test_mainline_sr_string_used_when_config_lacks_it(tmp_path):
    data = voice_dict(32000, "v1")
    data["config"] = stored_config(32000, "v1", sr="32k")
    data["sr"] = "32k"
    assert read_voice_file(write(tmp_path / "v.pth", data)).sample_rate == 32000


def test_in_memory_weight_norm_names_are_accepted(tmp_path):
    data = voice_dict()
    data["weight"] = {k.replace("weight_g", "parametrizations.weight.original0"): v for k, v in data["weight"].items()}
    voice = read_voice_file(write(tmp_path / "v.pth", data))
    assert "flow.flows.0.enc.in_layers.0.weight_g" in voice.weights


def test_pitchless_voice(tmp_path):
    voice = read_voice_file(write(tmp_path / "v.pth", voice_dict(f0=False)))
    assert voice.use_f0 is False and voice.vocoder == "HiFi-GAN"


def test_wrong_metadata_loses_to_the_weights(tmp_path):
    data = voice_dict(vocoder="MRF HiFi-GAN")
    data.update(vocoder="HiFi-GAN", version="v1", f0=False, sr=32000)
    voice = read_voice_file(write(tmp_path / "v.pth", data))
    assert (voice.vocoder, voice.version, voice.use_f0, voice.sample_rate) == ("MRF HiFi-GAN", "v2", True, 40000)
    notes = " | ".join(voice.notes)
    assert "vocoder 'HiFi-GAN'" in notes and "version 'v1'" in notes and "f0=False" in notes and "sr 32000" in notes


@pytest.mark.parametrize("vocoder", ["HiFi-GAN", "MRF HiFi-GAN", "RefineGAN"])
def test_detect_vocoder_from_keys(vocoder):
    assert detect_vocoder(fake_weights(vocoder=vocoder)) == vocoder


def test_older_refinegan_layouts_are_refused(tmp_path):
    fork_2025 = voice_dict(vocoder="RefineGAN")
    fork_2025["weight"]["dec.downsample_blocks.0.weight_v"] = torch.zeros(REFINEGAN_FIRST_DOWNSAMPLE["H"])
    with pytest.raises(RVCError, match=r"older RefineGAN layout \(Codename fork, 2025\)"):
        read_voice_file(write(tmp_path / "h.pth", fork_2025))
    fork_2024 = voice_dict(vocoder="RefineGAN")
    fork_2024["weight"]["dec.source_conv.weight_v"] = torch.zeros(16, 1, 7)
    with pytest.raises(RVCError, match=r"older RefineGAN layout \(Codename fork, Dec 2024\)"):
        read_voice_file(write(tmp_path / "d.pth", fork_2024))


def test_incomplete_refinegan_decoder():
    weights = fake_weights(vocoder="RefineGAN")
    del weights["dec.downsample_blocks.0.weight_v"]
    with pytest.raises(RVCError, match="incomplete RefineGAN"):
        detect_vocoder(weights)


def test_detect_vocoder_unknown_decoder():
    weights = {k: v for k, v in fake_weights().items() if not k.startswith("dec.")}
    weights["dec.something.weight"] = torch.zeros(1)
    with pytest.raises(RVCError, match="no decoder weights"):
        detect_vocoder(weights, source="the weights in x.pth")


@pytest.mark.parametrize("container", ["torch-zip", "raw-pickle"])
def test_code_carrying_pickle_is_refused_and_never_runs(tmp_path, container):
    marker = tmp_path / "marker"
    path = tmp_path / "evil.pth"
    payload = {"weight": CodePayload(marker), "config": [0] * 18}
    if container == "torch-zip":
        torch.save(payload, path)
    else:
        path.write_bytes(pickle.dumps(payload, protocol=2))
    with pytest.raises(RVCError) as caught:
        read_voice_file(path)
    message = str(caught.value)
    assert "may contain code" in message and "NOT loaded" in message and str(path) in message
    assert not marker.exists()

    # Control: the payload is real -- plain unpickling of the same bytes does run it.
    if container == "torch-zip":
        with zipfile.ZipFile(path) as archive:
            pickled = archive.read(next(name for name in archive.namelist() if name.endswith("data.pkl")))
    else:
        pickled = path.read_bytes()
    pickle.loads(pickled)
    assert marker.read_text() == "pwned"


def test_refusal_names_the_requested_global(tmp_path):
    path = tmp_path / "evil.pth"
    torch.save({"weight": CodePayload(tmp_path / "m")}, path)
    with pytest.raises(RVCError, match="exec"):
        read_voice_file(path)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"just some text, certainly not a model", "not a PyTorch model file"),
        (b"<!DOCTYPE html><html>404</html>", "web page"),
        (b"\x80\x02garbage that is no pickle", "NOT loaded"),
    ],
)
def test_files_that_are_not_models(tmp_path, content, expected):
    path = tmp_path / "bad.pth"
    path.write_bytes(content)
    with pytest.raises(RVCError, match=expected):
        read_voice_file(path)


@pytest.mark.parametrize("legacy", [False, True])
def test_truncated_file(tmp_path, legacy):
    whole = tmp_path / "whole.pth"
    torch.save(voice_dict(), whole, _use_new_zipfile_serialization=not legacy)
    cut = tmp_path / "cut.pth"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(RVCError, match="damaged or incomplete"):
        read_voice_file(cut)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(RVCError, match="does not exist"):
        read_voice_file(tmp_path / "nope.pth")
    with pytest.raises(RVCError, match="not a file"):
        read_voice_file(tmp_path)


def test_training_checkpoints_are_not_voices(tmp_path):
    generator = write(
        tmp_path / "G_100.pth", {"model": fake_weights(), "iteration": 3, "optimizer": {}, "learning_rate": 1e-4}
    )
    with pytest.raises(RVCError, match=r"training checkpoint \(G_\*\.pth\).*Export a voice"):
        read_voice_file(generator)
    discriminator = write(
        tmp_path / "D_100.pth", {"model": {"discriminators.0.convs.0.bias": torch.zeros(2)}, "iteration": 3}
    )
    with pytest.raises(RVCError, match="discriminator"):
        read_voice_file(discriminator)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("weight"), "no 'weight' dict"),
        (lambda d: d.pop("config"), "'config' must be the list of 18"),
        (lambda d: d.update(config=d["config"][:17]), "of length 17"),
        (lambda d: d["weight"].pop("enc_p.emb_phone.weight"), "lack 'enc_p.emb_phone.weight'"),
        (lambda d: d["weight"].pop("emb_g.weight"), "lack 'emb_g.weight'"),
        (lambda d: d["weight"].update({"enc_p.emb_phone.weight": torch.zeros(192, 512)}), "width 512"),
        (lambda d: d["weight"].update({"dec.ups.0.weight_g": "not a tensor"}), "not a tensor"),
        (lambda d: d.update(config=stored_config(upsample_rates=[10, 10, 2.205, 2])), "withdrawn 2025 experiment"),
        (lambda d: d.update(config=stored_config(sr=48000)), "inconsistent"),
        (lambda d: d.update(config=stored_config(sr=None), sr=None), "no usable sample rate"),
        (lambda d: d.update(config=stored_config(n_layers="6")), r"entry 7 \(n_layers\) must be a whole number"),
        (lambda d: d.update(config=stored_config(p_dropout=1.5)), r"entry 9 \(p_dropout\) must be a number"),
        (lambda d: d.update(config=stored_config(resblock_dilation_sizes=[1, 3, 5])), "resblock_dilation_sizes"),
        (lambda d: d.update(config=stored_config(gin_channels=True)), r"gin_channels\) must be a whole number"),
    ],
)
def test_broken_voice_dicts(tmp_path, change, expected):
    data = voice_dict()
    change(data)
    path = write(tmp_path / "broken.pth", data)
    with pytest.raises(RVCError, match=expected) as caught:
        read_voice_file(path)
    assert str(path) in str(caught.value)


def test_non_dict_file(tmp_path):
    with pytest.raises(RVCError, match="holds a list"):
        read_voice_file(write(tmp_path / "list.pth", [1, 2, 3]))


def test_pitchless_mrf_is_refused(tmp_path):
    with pytest.raises(RVCError, match="only HiFi-GAN voices can be pitchless"):
        read_voice_file(write(tmp_path / "v.pth", voice_dict(vocoder="MRF HiFi-GAN", f0=False)))


def test_save_voice_writes_applio_keys_and_types(tmp_path):
    weights = {k.replace("weight_g", "parametrizations.weight.original0"): v for k, v in fake_weights().items()}
    config = SynthesizerConfig.from_json_config(load_config(40000, "v2"))
    path = save_voice(
        tmp_path / "out" / "carol.pth", weights, config, epoch=7, step=70, author="me", dataset_length="00:01:00"
    )
    data = torch.load(path, map_location="cpu", weights_only=True)
    assert list(data) == [
        "weight", "config", "epoch", "step", "sr", "f0", "version", "creation_date", "model_hash",
        "dataset_length", "model_name", "author", "embedder_model", "speakers_id", "vocoder",
    ]  # fmt: skip
    assert data["sr"] == 40000 and type(data["sr"]) is int
    assert data["f0"] is True and data["version"] == "v2" and data["vocoder"] == "HiFi-GAN"
    assert (data["epoch"], data["step"], data["model_name"], data["author"]) == (7, 70, "carol", "me")
    assert type(data["config"]) is list and data["config"] == stored_config(40000, "v2")
    assert all(not key.startswith("enc_q.") for key in data["weight"])
    assert all(tensor.dtype == torch.float16 for tensor in data["weight"].values())
    assert "flow.flows.0.enc.in_layers.0.weight_g" in data["weight"]
    assert not any("parametrizations" in key for key in data["weight"])
    hashed = f"carol-7-70-40000-v2-{stored_config(40000, 'v2')}"
    assert data["model_hash"] == hashlib.sha256(hashed.encode()).hexdigest()
    assert sorted(p.name for p in path.parent.iterdir()) == ["carol.pth"]
    reread = read_voice_file(path)
    assert (reread.sample_rate, reread.version, reread.vocoder, reread.notes) == (40000, "v2", "HiFi-GAN", ())


@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.parametrize("sample_rate", [32000, 40000, 44100, 48000])
def test_saved_config_list_is_the_reference_list_and_reads_back(tmp_path, sample_rate, version):
    from tests.models.test_synthesizer_config import reference_list

    config = SynthesizerConfig.from_json_config(load_config(sample_rate, version)).replace(spk_embed_dim=3)
    path = save_voice(tmp_path / "v.pth", fake_weights(version), config)
    data = torch.load(path, map_location="cpu", weights_only=True)
    expected = with_entries(reference_list(load_config(sample_rate, version)), spk_embed_dim=3)
    assert repr(data["config"]) == repr(expected)
    assert read_voice_file(path).config.to_list() == expected


def test_save_voice_rejects_a_config_that_does_not_fit(tmp_path):
    config = SynthesizerConfig.from_json_config(load_config(40000, "v2")).replace(sr=32000)
    with pytest.raises(RVCError, match="inconsistent"):
        save_voice(tmp_path / "v.pth", fake_weights(), config)
    assert not any(tmp_path.iterdir())


def test_save_voice_keeps_existing_file_when_writing_fails(tmp_path, monkeypatch):
    path = save_voice(
        tmp_path / "v.pth", fake_weights(), SynthesizerConfig.from_json_config(load_config(40000, "v2")), epoch=1
    )
    before = path.read_bytes()

    def failing_save(obj, handle):
        handle.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", failing_save)
    with pytest.raises(OSError, match="disk full"):
        save_voice(path, fake_weights(), SynthesizerConfig.from_json_config(load_config(40000, "v2")), epoch=2)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["v.pth"]


# --- Round trips through the real synthesizer -------------------------------------------------------------

SAMPLE_RATES = (32000, 40000, 44100, 48000)
VARIANTS = (("HiFi-GAN", True), ("HiFi-GAN", False), ("MRF HiFi-GAN", True), ("RefineGAN", True))
FIVE_STAGE = {(32000, "v1"), (48000, "v1")}  # v1 32k/48k up-sample in 5 stages; RefineGAN is built for 4
COMBINATIONS = [
    (rate, version, vocoder, f0)
    for rate in SAMPLE_RATES
    for version in ("v1", "v2")
    for vocoder, f0 in VARIANTS
    if not (vocoder == "RefineGAN" and (rate, version) in FIVE_STAGE)
]
TEXT_DIM = {"v1": 256, "v2": 768}
FRAMES = 6


def tiny_config(sample_rate: int, version: str, vocoder: str = "HiFi-GAN") -> SynthesizerConfig:
    """The real config for the rate (up-sampling geometry, sr) with narrow channels, so models build fast.

    RefineGAN's widths are fixed by its design (like the reference, it ignores `upsample_initial_channel`).
    """
    config = SynthesizerConfig.from_json_config(load_config(sample_rate, version)).replace(
        spec_channels=9,
        inter_channels=8,
        hidden_channels=8,
        filter_channels=16,
        n_layers=2,
        spk_embed_dim=3,
        gin_channels=8,
    )
    return config if vocoder == "RefineGAN" else config.replace(upsample_initial_channel=64)


def build(settings: dict, version: str, vocoder: str, f0: bool, seed: int = 0):
    """A synthesizer from keyword `settings`, with all weights perturbed."""
    from rvc.models.synthesizer import Synthesizer

    torch.manual_seed(seed)
    model = Synthesizer(**settings, use_f0=f0, text_enc_hidden_dim=TEXT_DIM[version], vocoder=vocoder)
    with torch.no_grad():  # zero-initialised layers (flow `post`) would hide mistakes in the comparison
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.01)
    return model.eval()


def inputs(version: str, f0: bool, frames: int = FRAMES) -> tuple:
    generator = torch.Generator().manual_seed(1)
    phone = torch.randn(1, frames, TEXT_DIM[version], generator=generator)
    pitch = torch.randint(1, 255, (1, frames), generator=generator) if f0 else None
    pitchf = torch.rand(1, frames, generator=generator) * 300 + 80 if f0 else None
    return phone, torch.tensor([frames]), pitch, pitchf, torch.tensor([1])


def reference_load(data: dict):
    """Load a voice dict the way the reference apps do: config list, f0/version/vocoder keys, torch's own renaming."""
    settings = dict(zip(REFERENCE_ORDER, data["config"], strict=True))
    model = build(settings, data.get("version", "v1"), data.get("vocoder", "HiFi-GAN"), bool(data.get("f0", 1)))
    result = model.load_state_dict(data["weight"], strict=False)
    return model, result


def reference_audio(model, version: str, f0: bool) -> torch.Tensor:
    torch.manual_seed(7)
    with torch.no_grad():
        return model.infer(*inputs(version, f0), noise_scale=0.0)[0]


def voice_audio(voice, version: str, f0: bool) -> torch.Tensor:
    torch.manual_seed(7)
    return voice.synthesize(*inputs(version, f0), noise_scale=0.0)


@pytest.mark.parametrize(("sample_rate", "version", "vocoder", "f0"), COMBINATIONS)
def test_round_trip_every_combination(tmp_path, sample_rate, version, vocoder, f0):
    from rvc.models import load_voice
    from rvc.models.weight_norm import state_dict_to_disk

    config = tiny_config(sample_rate, version, vocoder)
    model = build(config.as_kwargs(), version, vocoder, f0)
    path = save_voice(tmp_path / "rt.pth", model.state_dict(), config, epoch=3, step=30)
    data = torch.load(path, map_location="cpu", weights_only=True)
    expected_keys = {key for key in state_dict_to_disk(model.state_dict()) if not key.startswith("enc_q.")}
    assert set(data["weight"]) == expected_keys
    assert (data["sr"], data["version"], data["f0"], data["vocoder"]) == (sample_rate, version, f0, vocoder)

    reference, result = reference_load(data)
    assert result.unexpected_keys == []
    assert result.missing_keys and all(key.startswith("enc_q.") for key in result.missing_keys)

    voice = load_voice(path)
    assert (voice.sample_rate, voice.version, voice.use_f0, voice.vocoder) == (sample_rate, version, f0, vocoder)
    assert voice.metadata["epoch"] == 3 and voice.notes == ()
    assert not any("parametrizations" in key for key in voice.model.state_dict())
    audio = voice_audio(voice, version, f0)
    hop = sample_rate // 100
    assert audio.shape == (1, 1, FRAMES * hop) and audio.dtype == torch.float32
    torch.testing.assert_close(audio, reference_audio(reference, version, f0), rtol=1e-4, atol=1e-5)


@pytest.fixture(scope="module", params=["HiFi-GAN", "MRF HiFi-GAN", "RefineGAN"])
def full_size_voice(request, tmp_path_factory):
    """A 40 kHz v2 voice at the real size (the shapes of the reference tables), saved once per vocoder."""
    config = SynthesizerConfig.from_json_config(load_config(40000, "v2"))
    model = build(config.as_kwargs(), "v2", request.param, True)
    path = save_voice(tmp_path_factory.mktemp("full") / "full.pth", model.state_dict(), config, model_name="full")
    return request.param, path


REFERENCE_SHAPES = {  # training.md §4.5, v2 40 kHz
    "emb_g.weight": [109, 256],
    "enc_p.emb_phone.weight": [192, 768],
    "enc_p.emb_pitch.weight": [256, 192],
    "enc_p.encoder.attn_layers.0.emb_rel_k": [1, 21, 96],
    "flow.flows.0.enc.cond_layer.weight_v": [1152, 256, 1],
    "flow.flows.6.post.weight": [96, 192, 1],
}
REFERENCE_DECODER_SHAPES = {
    "HiFi-GAN": {
        "dec.ups.0.weight_g": [512, 1, 1],
        "dec.ups.0.weight_v": [512, 256, 16],
        "dec.noise_convs.0.weight": [256, 1, 80],
        "dec.conv_post.weight": [1, 32, 7],
    },
    "MRF HiFi-GAN": {
        "dec.m_source.l_linear.weight": [1, 9],
        "dec.conv_pre.weight_v": [512, 192, 7],
        "dec.mrfs.1.2.layers.0.conv1.weight_v": [128, 128, 11],
        "dec.conv_post.bias": [1],
    },
    "RefineGAN": {
        "dec.m_source.merge.0.weight": [1, 1],
        "dec.pre_conv.weight_v": [16, 1, 7],
        "dec.downsample_blocks.3.weight_v": [256, 128, 7],
        "dec.upsample_conv_blocks.0.input_conv.weight": [256, 640, 7],
    },
}


def test_full_size_voice_matches_the_reference_layout(full_size_voice):
    from rvc.models import load_voice

    vocoder, path = full_size_voice
    data = torch.load(path, map_location="cpu", weights_only=True)
    shapes = {**REFERENCE_SHAPES, **REFERENCE_DECODER_SHAPES[vocoder]}
    assert {key: list(data["weight"][key].shape) for key in shapes} == shapes
    assert all(tensor.dtype == torch.float16 for tensor in data["weight"].values())
    reference, result = reference_load(data)
    assert result.unexpected_keys == [] and all(key.startswith("enc_q.") for key in result.missing_keys)
    voice = load_voice(path)
    assert voice.vocoder == vocoder
    torch.testing.assert_close(
        voice_audio(voice, "v2", True), reference_audio(reference, "v2", True), rtol=1e-4, atol=1e-5
    )


@pytest.fixture(scope="module")
def tiny_v1_weights():
    """fp16 weights (no enc_q) and config of a small 40 kHz v1 HiFi-GAN f0 model."""
    config = tiny_config(40000, "v1")
    model = build(config.as_kwargs(), "v1", "HiFi-GAN", True)
    weights = {key: value.half() for key, value in model.state_dict().items() if not key.startswith("enc_q.")}
    from rvc.models.weight_norm import state_dict_to_disk

    return state_dict_to_disk(weights), config.to_list()


def test_mainline_voice_loads_and_matches_reference(tmp_path, tiny_v1_weights):
    from rvc.models import load_voice

    weights, config = tiny_v1_weights
    mainline = {"weight": weights, "config": config, "info": "20epoch", "sr": "40k", "f0": 1}
    path = write(tmp_path / "mainline.pth", mainline)
    voice = load_voice(path)
    assert (voice.sample_rate, voice.version, voice.use_f0, voice.vocoder) == (40000, "v1", True, "HiFi-GAN")
    assert voice.metadata["epoch"] == 20 and voice.notes == ()
    reference, _ = reference_load(mainline)
    torch.testing.assert_close(
        voice_audio(voice, "v1", True), reference_audio(reference, "v1", True), rtol=1e-4, atol=1e-5
    )


def test_wrong_vocoder_metadata_still_loads_the_right_decoder(tmp_path):
    from rvc.models import load_voice

    config = tiny_config(48000, "v2")
    model = build(config.as_kwargs(), "v2", "MRF HiFi-GAN", True)
    path = save_voice(tmp_path / "v.pth", model.state_dict(), config)
    data = torch.load(path, map_location="cpu", weights_only=True)
    data.update(vocoder="RefineGAN", version="v1")
    voice = load_voice(write(path, data))
    assert (voice.vocoder, voice.version) == ("MRF HiFi-GAN", "v2")
    assert any("vocoder 'RefineGAN'" in note for note in voice.notes)
    data.update(vocoder="MRF HiFi-GAN", version="v2")  # what a reference app needs told to load it right
    torch.testing.assert_close(
        voice_audio(voice, "v2", True), reference_audio(reference_load(data)[0], "v2", True), rtol=1e-4, atol=1e-5
    )


def test_voice_with_weights_that_do_not_fit_its_config(tmp_path, tiny_v1_weights):
    from rvc.models import load_voice

    weights, config = tiny_v1_weights
    extra = dict(weights, **{"dec.source_gain.weight": torch.zeros(1)})
    with pytest.raises(RVCError, match="weights this model does not use, e.g. 'dec.source_gain.weight'"):
        load_voice(write(tmp_path / "extra.pth", {"weight": extra, "config": config}))
    missing = {key: value for key, value in weights.items() if key != "flow.flows.0.pre.bias"}
    with pytest.raises(RVCError, match="lacks 1 weights the model needs, e.g. 'flow.flows.0.pre.bias'"):
        load_voice(write(tmp_path / "missing.pth", {"weight": missing, "config": config}))
    no_g = {key: value for key, value in weights.items() if key != "dec.ups.1.weight_g"}
    with pytest.raises(RVCError, match="e.g. 'dec.ups.1.weight_g'"):
        load_voice(write(tmp_path / "no_g.pth", {"weight": no_g, "config": config}))
    wider = with_entries(config, filter_channels=32)
    with pytest.raises(RVCError, match="does not match its own settings: 'enc_p.encoder.ffn_layers.0.conv_1.weight'"):
        load_voice(write(tmp_path / "wider.pth", {"weight": weights, "config": wider}))
    other_block = with_entries(config, resblock="2")
    with pytest.raises(RVCError, match=r"entry 10 \(resblock\) must be the residual block type \"1\""):
        load_voice(write(tmp_path / "block.pth", {"weight": weights, "config": other_block}))


def test_synthesize_argument_errors(tmp_path, tiny_v1_weights):
    from rvc.models import load_voice

    weights, config = tiny_v1_weights
    voice = load_voice(write(tmp_path / "v.pth", {"weight": weights, "config": config, "sr": "40k"}))
    phone, lengths, pitch, pitchf, _ = inputs("v1", True)
    with pytest.raises(RVCError, match=r"Speaker ID 3 is out of range: this voice has speakers 0\.\.2"):
        voice.synthesize(phone, lengths, pitch, pitchf, torch.tensor([3]))
    with pytest.raises(ValueError, match="uses pitch"):
        voice.synthesize(phone, lengths, None, None, torch.tensor([0]))
    assert "40000 Hz" in repr(voice)


def test_importing_rvc_models_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, rvc.models; rvc.models.__all__; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])
