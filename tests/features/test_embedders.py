"""Content embedders against transformers' HubertModel, on tiny random-weight models saved in the real layouts."""

from __future__ import annotations

import argparse
import enum
import json
import re
import subprocess
import sys
import types
import typing
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from rvc import paths
from rvc.errors import RVCError
from rvc.features.embedders import Embedder, load_embedder
from rvc.features.hubert import Hubert, HubertConfig

transformers = pytest.importorskip("transformers")

TINY = {
    "hidden_size": 32,
    "num_hidden_layers": 10,
    "num_attention_heads": 4,
    "intermediate_size": 64,
    "conv_dim": (16,) * 7,
    "num_conv_pos_embeddings": 16,
    "num_conv_pos_embedding_groups": 4,
    "classifier_proj_size": 8,
}
FAIRSEQ_CONV_LAYERS = "[(16, 10, 5)] + [(16, 3, 2)] * 4 + [(16, 2, 2)] * 2"


class HubertWithFinalProj(transformers.HubertModel):
    """Applio's embedder class: transformers' HubertModel plus the 768→256 `final_proj`."""

    def __init__(self, config):
        super().__init__(config)
        self.final_proj = torch.nn.Linear(config.hidden_size, config.classifier_proj_size)


@pytest.fixture(scope="module")
def reference() -> HubertWithFinalProj:
    """A tiny HF model whose every parameter (norms included) is randomised, so a mis-mapped key shows."""
    torch.manual_seed(0)
    model = HubertWithFinalProj(transformers.HubertConfig(**TINY)).eval()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.2)
    return model


@pytest.fixture(scope="module")
def wav() -> torch.Tensor:
    """Two different 1 s clips at 16 kHz: `[2, 16000]`."""
    generator = torch.Generator().manual_seed(1)
    return torch.randn(2, 16000, generator=generator) * 0.3


@pytest.fixture(scope="module")
def expected(reference, wav) -> dict[str, torch.Tensor]:
    """transformers' outputs: v2 = last hidden state, v1 = final_proj(hidden_states[9])."""
    with torch.no_grad():
        out = reference(wav, output_hidden_states=True)
        return {"v2": out.last_hidden_state, "v1": reference.final_proj(out.hidden_states[9])}


@pytest.fixture(scope="module")
def hf_folder(reference, tmp_path_factory) -> Path:
    """`config.json` + `model.safetensors`, as `save_pretrained` writes them."""
    folder = tmp_path_factory.mktemp("hf_safetensors")
    reference.save_pretrained(folder)
    assert (folder / "model.safetensors").is_file()
    return folder


def legacy_hf_state(reference) -> dict[str, torch.Tensor]:
    """The state dict with the older `weight_g`/`weight_v` names (as Applio's pytorch_model.bin files have)."""
    state = {}
    for key, tensor in reference.state_dict().items():
        key = key.replace("parametrizations.weight.original0", "weight_g").replace(
            "parametrizations.weight.original1", "weight_v"
        )
        state[key] = tensor.clone()
    return state


@pytest.fixture(scope="module")
def bin_folder(reference, hf_folder, tmp_path_factory) -> Path:
    """`config.json` + `pytorch_model.bin` (a torch.save'd state dict)."""
    folder = tmp_path_factory.mktemp("hf_bin")
    (folder / "config.json").write_text((hf_folder / "config.json").read_text())
    torch.save(legacy_hf_state(reference), folder / "pytorch_model.bin")
    return folder


def fairseq_key(key: str) -> str:
    """transformers' HuBERT key → fairseq's (written out independently of the loader's tables)."""
    replacements = [
        (r"^feature_extractor\.conv_layers\.(\d+)\.conv\.", r"feature_extractor.conv_layers.\1.0."),
        (r"^feature_extractor\.conv_layers\.0\.layer_norm\.", "feature_extractor.conv_layers.0.2."),
        (r"^feature_projection\.layer_norm\.", "layer_norm."),
        (r"^feature_projection\.projection\.", "post_extract_proj."),
        (r"^encoder\.pos_conv_embed\.conv\.weight_g$", "encoder.pos_conv.0.weight_g"),
        (r"^encoder\.pos_conv_embed\.conv\.weight_v$", "encoder.pos_conv.0.weight_v"),
        (r"^encoder\.pos_conv_embed\.conv\.bias$", "encoder.pos_conv.0.bias"),
        (r"\.attention\.", ".self_attn."),
        (r"^(encoder\.layers\.\d+)\.layer_norm\.", r"\1.self_attn_layer_norm."),
        (r"\.feed_forward\.intermediate_dense\.", ".fc1."),
        (r"\.feed_forward\.output_dense\.", ".fc2."),
        (r"^masked_spec_embed$", "mask_emb"),
    ]
    for pattern, replacement in replacements:
        key = re.sub(pattern, replacement, key)
    return key


def fairseq_model_state(reference) -> dict[str, torch.Tensor]:
    """The reference weights under fairseq key names, plus fairseq's pre-training-only label embeddings."""
    state = {fairseq_key(key): tensor for key, tensor in legacy_hf_state(reference).items()}
    state["label_embs_concat"] = torch.randn(504, 8)
    return state


def plain_cfg() -> dict:
    """A fairseq `cfg` of plain types (what `OmegaConf.to_container` leaves)."""
    return {
        "_name": None,
        "common": {"fp16": True, "seed": 1337},
        "model": {
            "_name": "hubert",
            "extractor_mode": "default",
            "encoder_layers": 10,
            "encoder_embed_dim": 32,
            "encoder_ffn_embed_dim": 64,
            "encoder_attention_heads": 4,
            "activation_fn": "gelu",
            "layer_norm_first": False,
            "conv_feature_layers": FAIRSEQ_CONV_LAYERS,
            "conv_pos": 16,
            "conv_pos_groups": 4,
            "final_dim": 8,
        },
        "task": {"_name": "hubert_pretraining", "sample_rate": 16000, "normalize": False},
    }


def assert_matches(embedder, wav, expected) -> None:
    """Our v2 and v1 features equal transformers' within 1e-4."""
    v2 = embedder.extract(wav, version="v2")
    v1 = embedder.extract(wav, version="v1")
    assert v2.shape == (2, 49, 32) and v2.dtype == torch.float32
    assert v1.shape == (2, 49, 8)
    torch.testing.assert_close(v2, expected["v2"], atol=1e-4, rtol=0)
    torch.testing.assert_close(v1, expected["v1"], atol=1e-4, rtol=0)


def test_safetensors_folder_matches_transformers(hf_folder, wav, expected):
    embedder = load_embedder(hf_folder)
    assert_matches(embedder, wav, expected)
    assert embedder.dim("v2") == 32 and embedder.dim("v1") == 8


def test_pytorch_model_bin_with_legacy_weight_norm_names_matches(bin_folder, wav, expected):
    assert_matches(load_embedder(bin_folder), wav, expected)


def test_v1_reads_layer_9_not_the_last_layer(hf_folder, reference, wav, expected):
    with torch.no_grad():
        last_projected = reference.final_proj(expected["v2"])
    v1 = load_embedder(hf_folder).extract(wav, version="v1")
    assert (v1 - last_projected).abs().max() > 1e-2


def test_frame_count_matches_transformers_for_one_second(hf_folder, expected):
    embedder = load_embedder(hf_folder)
    assert expected["v2"].shape[1] == 49
    assert embedder.num_frames(16000) == 49
    assert embedder.num_frames(48000) == 149
    assert embedder.extract(torch.zeros(1, 48000)).shape == (1, 149, 32)


def test_builtin_name_resolves_to_the_embedders_folder(hf_folder, wav, expected):
    target = paths.embedder_dir("contentvec")
    target.mkdir(parents=True)
    for name in ("config.json", "model.safetensors"):
        (target / name).write_bytes((hf_folder / name).read_bytes())
    embedder = load_embedder("contentvec")
    assert embedder.name == "contentvec"
    torch.testing.assert_close(embedder.extract(wav), expected["v2"], atol=1e-4, rtol=0)


def test_custom_name_under_embedders_folder(hf_folder, wav, expected):
    target = paths.embedder_dir("my-vec")
    target.mkdir(parents=True)
    for name in ("config.json", "model.safetensors"):
        (target / name).write_bytes((hf_folder / name).read_bytes())
    torch.testing.assert_close(load_embedder("my-vec").extract(wav), expected["v2"], atol=1e-4, rtol=0)


def test_fairseq_checkpoint_with_plain_cfg_matches(reference, tmp_path, wav, expected):
    path = tmp_path / "hubert_base.pt"
    torch.save({"args": None, "cfg": plain_cfg(), "model": fairseq_model_state(reference)}, path)
    assert_matches(load_embedder(path), wav, expected)
    assert_matches(load_embedder(tmp_path), wav, expected)


@pytest.fixture
def fake_config_modules(monkeypatch, tmp_path):
    """Stand-ins for fairseq/omegaconf classes, so a checkpoint can be pickled with their names.

    Their constructors and `__setstate__` write a marker file: loading must never run them.
    """
    marker = tmp_path / "config-code-ran"

    class Trap:
        def __setstate__(self, state):
            marker.write_text("ran")
            self.__dict__.update(state)

    class DictConfig(Trap):
        def __init__(self, content):
            self._content = content
            self._metadata = Metadata(object_type=dict, ref_type=typing.Any)
            self._parent = None

    class AnyNode(Trap):
        def __init__(self, value, parent=None):
            self._val = value
            self._parent = parent
            self._metadata = Metadata(object_type=None, ref_type=typing.Any)

    class Metadata(Trap):
        def __init__(self, **fields):
            self.__dict__.update(fields)

    class Choices(enum.Enum):
        DEFAULT = "default"

    modules = {
        "omegaconf.dictconfig": {"DictConfig": DictConfig},
        "omegaconf.nodes": {"AnyNode": AnyNode},
        "omegaconf.base": {"Metadata": Metadata},
        "fairseq.dataclass.constants": {"Choices": Choices},
    }
    for package in ("omegaconf", "fairseq", "fairseq.dataclass"):
        monkeypatch.setitem(sys.modules, package, types.ModuleType(package))
    for module_name, members in modules.items():
        module = types.ModuleType(module_name)
        for name, cls in members.items():
            cls.__module__, cls.__qualname__ = module_name, name
            setattr(module, name, cls)
        monkeypatch.setitem(sys.modules, module_name, module)
    return types.SimpleNamespace(DictConfig=DictConfig, AnyNode=AnyNode, Choices=Choices, marker=marker)


def test_fairseq_checkpoint_with_config_objects_loads_without_running_them(
    reference, tmp_path, wav, expected, fake_config_modules
):
    fake = fake_config_modules
    model_cfg = {key: fake.AnyNode(value) for key, value in plain_cfg()["model"].items()}
    model_cfg["extractor_mode"] = fake.AnyNode(fake.Choices.DEFAULT)
    model_node = fake.DictConfig(model_cfg)
    for node in model_cfg.values():
        node._parent = model_node  # omegaconf nodes point back at their container
    cfg = fake.DictConfig({"model": model_node, "task": fake.DictConfig({})})
    args = argparse.Namespace(encoder_attention_heads=4, conv_feature_layers=FAIRSEQ_CONV_LAYERS)
    path = tmp_path / "hubert_base.pt"
    torch.save({"args": args, "cfg": cfg, "model": fairseq_model_state(reference)}, path)
    fake.marker.unlink(missing_ok=True)

    assert_matches(load_embedder(path), wav, expected)
    assert not fake.marker.exists()


def test_fairseq_args_namespace_supplies_the_architecture(reference, tmp_path, wav, expected):
    # 4 heads come only from `args`: with the default 12 the 32-wide model could not be built.
    args = argparse.Namespace(
        encoder_attention_heads=4, conv_feature_layers=FAIRSEQ_CONV_LAYERS, layer_norm_first=False
    )
    path = tmp_path / "hubert_base.pt"
    torch.save({"args": args, "model": fairseq_model_state(reference)}, path)
    assert_matches(load_embedder(path), wav, expected)


def test_fairseq_without_any_config_uses_base_defaults_and_says_why_it_cannot_build(reference, tmp_path):
    # HuBERT base has 12 heads; the 32-wide test model cannot be split into 12, so the defaults were applied.
    torch.save({"model": fairseq_model_state(reference)}, tmp_path / "hubert_base.pt")
    with pytest.raises(RVCError, match="unsupported embedder architecture.*12 heads.*--embedder contentvec"):
        load_embedder(tmp_path)


def test_fairseq_conv_layers_string_is_parsed_never_evaluated(reference, tmp_path):
    marker = tmp_path / "evaluated"
    cfg = plain_cfg()
    cfg["model"]["conv_feature_layers"] = f"[(16, 10, 5)] + [open({str(marker)!r}, 'w')]"
    torch.save({"cfg": cfg, "model": fairseq_model_state(reference)}, tmp_path / "hubert_base.pt")
    with pytest.raises(RVCError, match="cannot read its conv_feature_layers"):
        load_embedder(tmp_path)
    assert not marker.exists()


def test_missing_builtin_names_the_folder_and_the_fix():
    with pytest.raises(RVCError) as caught:
        load_embedder("spin-v2")
    message = str(caught.value)
    assert str(paths.embedder_dir("spin-v2")) in message
    assert "python -m rvc download --embedder spin-v2" in message
    assert "config.json" in message and "\n" not in message


def test_unknown_name_lists_builtins(tmp_path):
    with pytest.raises(RVCError, match="not a built-in.*contentvec.*korean-hubert-base"):
        load_embedder("no-such-embedder")


def test_folder_without_weights_says_what_to_put_there(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(RVCError, match="holds no model.*config.json"):
        load_embedder(tmp_path / "empty")


def test_weights_without_config_json(reference, tmp_path):
    torch.save(legacy_hf_state(reference), tmp_path / "pytorch_model.bin")
    with pytest.raises(RVCError, match="no config.json"):
        load_embedder(tmp_path)


@pytest.mark.parametrize("name", ["pytorch_model.bin", "model.safetensors"])
def test_corrupt_weights_are_reported_not_raised_raw(hf_folder, bin_folder, tmp_path, name):
    source = (bin_folder if name.endswith(".bin") else hf_folder) / name
    (tmp_path / "config.json").write_text((hf_folder / "config.json").read_text())
    (tmp_path / name).write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    with pytest.raises(RVCError, match="damaged or incomplete"):
        load_embedder(tmp_path)


def test_corrupt_config_json(hf_folder, tmp_path):
    (tmp_path / "model.safetensors").write_bytes((hf_folder / "model.safetensors").read_bytes())
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(RVCError, match="not valid JSON"):
        load_embedder(tmp_path)


def test_pre_ln_variant_is_refused_with_a_reason(hf_folder, tmp_path):
    config = json.loads((hf_folder / "config.json").read_text())
    config["do_stable_layer_norm"] = True
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "model.safetensors").write_bytes((hf_folder / "model.safetensors").read_bytes())
    with pytest.raises(RVCError, match="pre-LN"):
        load_embedder(tmp_path)


def test_unrelated_weights_are_refused(tmp_path, hf_folder):
    (tmp_path / "config.json").write_text((hf_folder / "config.json").read_text())
    save_file({"decoder.weight": torch.zeros(2, 2)}, str(tmp_path / "model.safetensors"))
    with pytest.raises(RVCError, match="does not have.*decoder.weight.*--embedder contentvec"):
        load_embedder(tmp_path)


class Payload:
    """Unpickling this runs `exec`, which writes a marker file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return exec, (f"open({str(self.marker)!r}, 'w').write('pwned')",)


@pytest.mark.parametrize("layout", ["hf", "fairseq"])
def test_malicious_pickle_is_refused_and_never_runs(reference, hf_folder, tmp_path, layout):
    marker = tmp_path / "pwned"
    folder = tmp_path / "evil"
    folder.mkdir()
    if layout == "hf":
        (folder / "config.json").write_text((hf_folder / "config.json").read_text())
        state = legacy_hf_state(reference)
        state["encoder.layer_norm.weight"] = Payload(marker)
        torch.save(state, folder / "pytorch_model.bin")
    else:
        torch.save(
            {"cfg": plain_cfg(), "model": fairseq_model_state(reference), "extra": Payload(marker)},
            folder / "hubert_base.pt",
        )
    with pytest.raises(RVCError, match="may contain code"):
        load_embedder(folder)
    assert not marker.exists()


def test_v1_needs_final_proj(reference, hf_folder, tmp_path, wav):
    (tmp_path / "config.json").write_text((hf_folder / "config.json").read_text())
    state = {key: value for key, value in legacy_hf_state(reference).items() if not key.startswith("final_proj")}
    torch.save(state, tmp_path / "pytorch_model.bin")
    embedder = load_embedder(tmp_path)
    assert embedder.extract(wav).shape == (2, 49, 32)
    with pytest.raises(RVCError, match="no final_proj"):
        embedder.extract(wav, version="v1")


def test_v1_needs_layer_9():
    config = HubertConfig(hidden_size=16, num_layers=2, num_heads=2, ffn_size=32, pos_conv_kernel=4, pos_conv_groups=2)
    embedder = Embedder(Hubert(config).eval(), "shallow", Path("shallow.pt"), torch.device("cpu"), torch.float32)
    assert embedder.extract(torch.zeros(1, 400)).shape == (1, 1, 16)
    with pytest.raises(
        RVCError, match=r"'shallow' \(shallow.pt\) has 2 layers but v1 voices read layer 9; use contentvec"
    ):
        embedder.extract(torch.zeros(1, 400), version="v1")


def test_bad_version_and_too_short_audio(hf_folder):
    embedder = load_embedder(hf_folder)
    with pytest.raises(RVCError, match="unknown voice version"):
        embedder.extract(torch.zeros(1, 16000), version="v3")
    with pytest.raises(RVCError, match="too short.*399 samples.*at least 400 samples"):
        embedder.extract(torch.zeros(1, 399))
    assert embedder.extract(torch.zeros(1, 400)).shape == (1, 1, 32)


def test_import_rvc_features_does_not_import_torch():
    code = "import sys, rvc.features; assert 'torch' not in sys.modules; print(rvc.features.load_embedder.__name__)"
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], check=False, cwd=root, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "load_embedder"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_half_precision_on_cuda_stays_close(hf_folder, wav, expected):
    embedder = load_embedder(hf_folder, device="cuda", half=True)
    assert embedder.dtype == torch.float16
    v2 = embedder.extract(wav)
    assert v2.dtype == torch.float32 and v2.device.type == "cuda"
    torch.testing.assert_close(v2.cpu(), expected["v2"], atol=5e-2, rtol=5e-2)
