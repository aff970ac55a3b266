"""Read HuBERT-family checkpoints into our `Hubert`: the Hugging Face layout and fairseq's `.pt`.

Hugging Face (Applio's embedders): `config.json` + `model.safetensors` or `pytorch_model.bin`,
a transformers `HubertModel` state dict plus `final_proj.*`. fairseq (the original RVC's
`hubert_base.pt`): a dict with the state dict under `model` and the architecture under `cfg`
(`cfg["model"]`) or, in older files, `args`. Both are renamed onto our parameter names; shapes come
from the weights, the rest (heads, conv strides, activation) from the config.

Nothing in a file is ever executed. Pickles go through `torch.load(weights_only=True)`; for
fairseq files the config classes they name (`fairseq.*`, `omegaconf.*`, `argparse.Namespace`,
`typing.Any`) are read as inert records that only keep their fields. Any other class refuses the file.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import torch

from rvc.errors import RVCError
from rvc.features.hubert import BASE_CONV_LAYERS, Hubert, HubertConfig
from rvc.models.torch_files import load_torch_file

HF_WEIGHTS = ("model.safetensors", "pytorch_model.bin")
FAIRSEQ_NAME = "hubert_base.pt"

# Keys that belong to pre-training only (masking vector, label embeddings).
TRAINING_ONLY_KEYS = frozenset({"masked_spec_embed", "mask_emb", "label_embs_concat"})

HF_RENAMES: tuple[tuple[str, str], ...] = (
    (r"feature_extractor\.conv_layers\.(\d+)\.conv\.", r"extractor.\1.conv."),
    (r"feature_extractor\.conv_layers\.(\d+)\.layer_norm\.", r"extractor.\1.norm."),
    (r"feature_projection\.layer_norm\.", "feature_norm."),
    (r"feature_projection\.projection\.", "feature_proj."),
    (r"encoder\.pos_conv_embed\.conv\.", "pos_conv.conv."),
    (r"encoder\.layer_norm\.", "encoder_norm."),
    (r"encoder\.layers\.(\d+)\.attention\.", r"layers.\1.attention."),
    (r"encoder\.layers\.(\d+)\.layer_norm\.", r"layers.\1.attention_norm."),
    (r"encoder\.layers\.(\d+)\.feed_forward\.intermediate_dense\.", r"layers.\1.ffn_in."),
    (r"encoder\.layers\.(\d+)\.feed_forward\.output_dense\.", r"layers.\1.ffn_out."),
    (r"encoder\.layers\.(\d+)\.final_layer_norm\.", r"layers.\1.ffn_norm."),
    (r"final_proj\.", "final_proj."),
)

FAIRSEQ_RENAMES: tuple[tuple[str, str], ...] = (
    (r"feature_extractor\.conv_layers\.(\d+)\.0\.", r"extractor.\1.conv."),
    (r"feature_extractor\.conv_layers\.(\d+)\.2\.", r"extractor.\1.norm."),
    (r"layer_norm\.", "feature_norm."),
    (r"post_extract_proj\.", "feature_proj."),
    (r"encoder\.pos_conv\.0\.", "pos_conv.conv."),
    (r"encoder\.layer_norm\.", "encoder_norm."),
    (r"encoder\.layers\.(\d+)\.self_attn\.", r"layers.\1.attention."),
    (r"encoder\.layers\.(\d+)\.self_attn_layer_norm\.", r"layers.\1.attention_norm."),
    (r"encoder\.layers\.(\d+)\.fc1\.", r"layers.\1.ffn_in."),
    (r"encoder\.layers\.(\d+)\.fc2\.", r"layers.\1.ffn_out."),
    (r"encoder\.layers\.(\d+)\.final_layer_norm\.", r"layers.\1.ffn_norm."),
    (r"final_proj\.", "final_proj."),
)

# The two halves of a weight-normed conv, as torch's old hook and new parametrization name them.
WEIGHT_NORM_SUFFIXES = {
    "weight_g": "g",
    "weight_v": "v",
    "parametrizations.weight.original0": "g",
    "parametrizations.weight.original1": "v",
}

CONFIG_CLASS_PREFIXES = ("fairseq.", "omegaconf.")
CONFIG_CLASS_NAMES = frozenset({"argparse.Namespace", "typing.Any"})

USE_SUPPORTED = (
    "use a HuBERT-base embedder made for RVC, such as contentvec (`python -m rvc download --embedder contentvec`)"
)

UNSUPPORTED_VARIANT = (
    "{path} is a pre-LN (HuBERT-large style) model, which RVC Studio does not run; " + USE_SUPPORTED + "."
)


def _as_dict(*_args: Any) -> dict:
    """Stand-in for `collections.defaultdict` in a config: an ordinary dict (its factory is dropped)."""
    return {}


# Plain types a pickled omegaconf config refers to (as metadata or to rebuild a value).
PLAIN_TYPES: dict[str, Any] = {
    "builtins.dict": dict,
    "builtins.list": list,
    "builtins.str": str,
    "builtins.int": int,
    "builtins.float": float,
    "builtins.bool": bool,
    "collections.defaultdict": _as_dict,
}


class ConfigRecord:
    """Inert stand-in for a config class named in a fairseq checkpoint: keeps its arguments and state, runs nothing."""

    def __new__(cls, *args: Any, **_kwargs: Any) -> Self:
        record = super().__new__(cls)
        record.args = args
        record.state = None
        return record

    def __init__(self, *_args: Any, **_kwargs: Any) -> None:
        """Nothing to do: `__new__` kept the arguments."""

    def __setstate__(self, state: Any) -> None:
        """Keep the pickled state as given."""
        self.state = state


@dataclass(frozen=True)
class Checkpoint:
    """Where an embedder's files are: `layout` is "hf" (config + weights) or "fairseq" (one `.pt`)."""

    layout: str
    weights: Path
    config: Path | None = None


def locate_checkpoint(path: Path) -> Checkpoint | None:
    """The checkpoint in folder or file `path`, or None when a folder holds no usable weights."""
    if path.is_file():
        if path.suffix in (".pt", ".pth"):
            return Checkpoint("fairseq", path)
        return Checkpoint("hf", path, path.with_name("config.json"))
    for name in HF_WEIGHTS:
        if (path / name).is_file():
            return Checkpoint("hf", path / name, path / "config.json")
    candidates = [path / FAIRSEQ_NAME] if (path / FAIRSEQ_NAME).is_file() else sorted(path.glob("*.pt"))
    return Checkpoint("fairseq", candidates[0]) if len(candidates) == 1 else None


def read_hubert(checkpoint: Checkpoint) -> Hubert:
    """Build our `Hubert` (float32, CPU, eval mode) from a located checkpoint, its tensors used as they are."""
    if checkpoint.layout == "hf":
        state, options = _read_hf(checkpoint)
    else:
        state, options = _read_fairseq(checkpoint.weights)
    config = _config_from_weights(state, options, checkpoint.weights)
    with torch.device("meta"):
        model = Hubert(config)
    try:
        model.load_state_dict(state, strict=True, assign=True)
    except RuntimeError as error:
        raise RVCError(
            f"{checkpoint.weights} does not match a HuBERT-base layout "
            f"({str(error).splitlines()[-1].strip()[:160]}); {USE_SUPPORTED}."
        ) from None
    return model.eval()


def _read_hf(checkpoint: Checkpoint) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """State dict (our names) and architecture options of a Hugging Face folder."""
    config_path = checkpoint.config
    if config_path is None or not config_path.is_file():
        raise RVCError(
            f"{checkpoint.weights.parent} has weights but no config.json; "
            "put the config.json that came with these weights next to them."
        )
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise RVCError(f"{config_path} is not valid JSON ({error}); download it again.") from None
    if not isinstance(config, dict):
        raise RVCError(f"{config_path} is not a model config (expected a JSON object); download it again.")
    if config.get("do_stable_layer_norm") or config.get("feat_extract_norm", "group") != "group":
        raise RVCError(UNSUPPORTED_VARIANT.format(path=config_path))
    if config.get("conv_pos_batch_norm"):
        raise RVCError(
            f"{config_path} asks for a batch-normed positional conv, which HuBERT-base models do not use; {USE_SUPPORTED}."
        )
    if config.get("feat_extract_activation", "gelu") != "gelu":
        raise RVCError(
            f"{config_path}: feature-extractor activation must be gelu for a HuBERT-base model; {USE_SUPPORTED}."
        )
    options = {
        "num_heads": config.get("num_attention_heads", 12),
        "strides": config.get("conv_stride", [stride for _c, _k, stride in BASE_CONV_LAYERS]),
        "layer_norm_eps": config.get("layer_norm_eps", 1e-5),
        "activation": config.get("hidden_act", "gelu"),
    }
    raw = _read_hf_weights(checkpoint.weights)
    return _rename(raw, HF_RENAMES, checkpoint.weights), options


def _read_hf_weights(path: Path) -> dict[str, torch.Tensor]:
    """Tensors of a `model.safetensors` or `pytorch_model.bin`."""
    if path.suffix == ".safetensors":
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            return load_file(str(path))
        except (SafetensorError, OSError, ValueError) as error:
            raise RVCError(
                f"{path} is damaged or incomplete (possibly a partial download) and could not be read: "
                f"{str(error)[:160]}. Download it again."
            ) from None
    state = load_torch_file(path)
    if not isinstance(state, dict):
        raise RVCError(
            f"{path} holds no state dict of tensors, so it is not a Hugging Face model file; {USE_SUPPORTED}."
        )
    return state


def _read_fairseq(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """State dict (our names) and architecture options of a fairseq HuBERT `.pt`."""
    checkpoint = _load_fairseq_pickle(path)
    if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get("model"), dict):
        raise RVCError(f"{path} is not a fairseq HuBERT checkpoint (no 'model' weights in it); {USE_SUPPORTED}.")
    cfg = _plain(checkpoint.get("cfg"))
    model_cfg = cfg.get("model") if isinstance(cfg, dict) else None
    if not isinstance(model_cfg, dict):
        model_cfg = _plain(checkpoint.get("args"))
    if not isinstance(model_cfg, dict):
        model_cfg = {}
    if model_cfg.get("layer_norm_first") or model_cfg.get("extractor_mode", "default") != "default":
        raise RVCError(UNSUPPORTED_VARIANT.format(path=path))
    layers = model_cfg.get("conv_feature_layers")
    options = {
        "num_heads": model_cfg.get("encoder_attention_heads", 12),
        "strides": [stride for _c, _k, stride in (_conv_layer_spec(layers, path) if layers else BASE_CONV_LAYERS)],
        "layer_norm_eps": 1e-5,
        "activation": model_cfg.get("activation_fn", "gelu"),
    }
    return _rename(checkpoint["model"], FAIRSEQ_RENAMES, path), options


def _load_fairseq_pickle(path: Path) -> Any:
    """Weights-only load in which fairseq/omegaconf config classes become inert `ConfigRecord`s."""
    try:
        names = torch.serialization.get_unsafe_globals_in_checkpoint(str(path))
    except Exception:  # noqa: BLE001 - an unreadable file is diagnosed by the real load below
        names = []
    allowed: list[tuple[Any, str]] = [(PLAIN_TYPES[name], name) for name in names if name in PLAIN_TYPES]
    allowed += [(ConfigRecord, name) for name in names if name.startswith(CONFIG_CLASS_PREFIXES)]
    allowed += [(ConfigRecord, name) for name in names if name in CONFIG_CLASS_NAMES]
    with torch.serialization.safe_globals(allowed):
        return load_torch_file(path)


def _plain(value: Any, depth: int = 0) -> Any:
    """Plain dicts/lists/scalars from a config read with `ConfigRecord`s (Namespace, DictConfig, nodes, enums)."""
    if depth > 32:
        return None
    if isinstance(value, ConfigRecord):
        state = value.state
        if isinstance(state, tuple) and len(state) == 2:
            state = {**(state[0] or {}), **(state[1] or {})}
        if isinstance(state, dict):
            if "_content" in state:
                return _plain(state["_content"], depth + 1)
            if "_val" in state:
                return _plain(state["_val"], depth + 1)
            return {key: _plain(item, depth + 1) for key, item in state.items() if not str(key).startswith("_")}
        return _plain(value.args[0], depth + 1) if value.args else None
    if isinstance(value, dict):
        return {key: _plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item, depth + 1) for item in value]
    if isinstance(value, type):
        return None
    return value


def _conv_layer_spec(text: Any, path: Path) -> list[tuple[int, int, int]]:
    """fairseq's `conv_feature_layers` string, e.g. "[(512,10,5)] + [(512,3,2)] * 4", as a list of triples."""

    def evaluate(node: ast.AST) -> Any:
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.List | ast.Tuple):
            items = [evaluate(item) for item in node.elts]
            return items if isinstance(node, ast.List) else tuple(items)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mult):
            left, right = evaluate(node.left), evaluate(node.right)
            return left + right if isinstance(node.op, ast.Add) else left * right
        raise ValueError(ast.dump(node)[:60])

    try:
        layers = evaluate(ast.parse(str(text), mode="eval").body)
        if not all(isinstance(layer, tuple) and len(layer) == 3 for layer in layers):
            raise ValueError("each layer must be (channels, kernel, stride)")
        return layers
    except (SyntaxError, ValueError, TypeError) as error:
        raise RVCError(
            f"{path}: cannot read its conv_feature_layers {str(text)[:80]!r} ({error}); {USE_SUPPORTED}."
        ) from None


def _rename(raw: dict[str, Any], rules: tuple[tuple[str, str], ...], path: Path) -> dict[str, torch.Tensor]:
    """Our parameter names for a checkpoint's state dict; the weight-normed positional conv is folded."""
    state: dict[str, torch.Tensor] = {}
    unknown = []
    for key, tensor in raw.items():
        if key in TRAINING_ONLY_KEYS:
            continue
        renamed = _apply_rules(key, rules)
        if renamed is None or not isinstance(tensor, torch.Tensor):
            unknown.append(key)
            continue
        state[renamed] = tensor.float()
    if unknown:
        raise RVCError(
            f"{path} has weights a HuBERT-base embedder does not have ({', '.join(sorted(unknown)[:3])}"
            f"{', ...' if len(unknown) > 3 else ''}), so it is not a supported embedder checkpoint; {USE_SUPPORTED}."
        )
    return _fold_weight_norm(state, "pos_conv.conv.", path)


def _apply_rules(key: str, rules: tuple[tuple[str, str], ...]) -> str | None:
    """`key` renamed by the first rule whose pattern matches its start, or None."""
    for pattern, replacement in rules:
        match = re.match(pattern, key)
        if match:
            return match.expand(replacement) + key[match.end() :]
    return None


def _fold_weight_norm(state: dict[str, torch.Tensor], prefix: str, path: Path) -> dict[str, torch.Tensor]:
    """Replace `prefix` + (weight_g, weight_v) by the `weight` they define: g * v / |v|, |v| over the dims where g is 1."""
    parts = {}
    for suffix, part in WEIGHT_NORM_SUFFIXES.items():
        if prefix + suffix in state:
            parts[part] = state.pop(prefix + suffix)
    if not parts:
        return state
    if set(parts) != {"g", "v"}:
        raise RVCError(
            f"{path}: the positional conv has only half of its weight-norm pair; the file is incomplete, download it again."
        )
    g, v = parts["g"], parts["v"]
    norm_dims = tuple(dim for dim in range(v.dim()) if g.dim() == v.dim() and g.shape[dim] == 1)
    if not norm_dims or len(norm_dims) == v.dim():
        raise RVCError(
            f"{path}: the positional conv's weight-norm pair has mismatched shapes; the file is damaged, download it again."
        )
    state[prefix + "weight"] = v * (g / v.norm(dim=norm_dims, keepdim=True))
    return state


def _count(state: dict[str, torch.Tensor], template: str) -> int:
    """How many consecutive indices i from 0 have `template.format(i)` in `state`."""
    count = 0
    while template.format(count) in state:
        count += 1
    return count


def _config_from_weights(state: dict[str, torch.Tensor], options: dict[str, Any], path: Path) -> HubertConfig:
    """Architecture from the weight shapes plus the options only the config knows."""
    required = ("extractor.0.conv.weight", "feature_proj.weight", "pos_conv.conv.weight", "layers.0.ffn_in.weight")
    missing = [key for key in required if key not in state]
    if missing:
        raise RVCError(
            f"{path} lacks HuBERT weights ({', '.join(missing)}), so it is not a supported embedder checkpoint; "
            f"{USE_SUPPORTED}."
        )
    num_convs = _count(state, "extractor.{}.conv.weight")
    try:
        strides = [int(stride) for stride in options["strides"]]
        if len(strides) != num_convs:
            raise ValueError(f"the config lists {len(strides)} conv strides for {num_convs} conv layers")
        conv_shapes = [state[f"extractor.{i}.conv.weight"].shape for i in range(num_convs)]
        hidden = int(state["feature_proj.weight"].shape[0])
        pos_shape = state["pos_conv.conv.weight"].shape
        final_proj = state.get("final_proj.weight")
        config = HubertConfig(
            hidden_size=hidden,
            num_layers=_count(state, "layers.{}.ffn_in.weight"),
            num_heads=int(options["num_heads"]),
            ffn_size=int(state["layers.0.ffn_in.weight"].shape[0]),
            conv_layers=tuple((int(shape[0]), int(shape[2]), s) for shape, s in zip(conv_shapes, strides)),
            conv_bias="extractor.0.conv.bias" in state,
            feature_norm="feature_norm.weight" in state,
            pos_conv_kernel=int(pos_shape[2]),
            pos_conv_groups=hidden // int(pos_shape[1]),
            layer_norm_eps=float(options["layer_norm_eps"]),
            activation=str(options["activation"]),
            final_proj_size=int(final_proj.shape[0]) if final_proj is not None else None,
        )
        Hubert.check_config(config)
    except (TypeError, ValueError, IndexError, ZeroDivisionError) as error:
        raise RVCError(f"{path}: unsupported embedder architecture ({error}); {USE_SUPPORTED}.") from None
    return config
