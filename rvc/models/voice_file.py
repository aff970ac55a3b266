"""Voice files (`.pth` "small models"): safe reading of Applio, Codename-fork, mainline RVC and our own
voices, the `Voice` object that synthesizes with one, and the writer of Applio-compatible files.

A voice file is a dict: `weight` (parameter name -> fp16 tensor, no `enc_q.*`, weight norm stored as
`weight_g`/`weight_v`), `config` (the 18 `Synthesizer` settings as a list, see `SynthesizerConfig`) and metadata
(`sr`, `f0`, `version`, `vocoder`, `epoch`, `step`, `model_name`, `author`, ...). Older files lack
metadata or store it in other types (`sr` "40k", `f0` 1/0), so what the weights say wins:
version from `enc_p.emb_phone`, f0 from `enc_p.emb_pitch`, vocoder from the `dec.*` keys.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rvc.configs import DEFAULT_NOISE_SCALE
from rvc.errors import RVCError
from rvc.models.synthesizer_config import SynthesizerConfig, config_entries
from rvc.models.torch_files import load_torch_file, save_torch_file

if TYPE_CHECKING:
    import torch

TEXT_DIM_TO_VERSION = {256: "v1", 768: "v2"}
VERSION_TO_TEXT_DIM = {version: dim for dim, version in TEXT_DIM_TO_VERSION.items()}
SUPPORTED_REFINEGAN_LAYOUT = "A"
REFINEGAN_ORIGINS = {"D": "Codename fork, Dec 2024", "H": "Codename fork, 2025"}
SR_STRINGS = {"24k": 24000, "32k": 32000, "40k": 40000, "44k": 44100, "44.1k": 44100, "48k": 48000}
METADATA_ALIASES = {"dataset_lenght": "dataset_length", "name": "model_name", "hash": "model_hash"}
REFINEGAN_PREFIXES = ("dec.upsample_conv_blocks.", "dec.m_source.merge.", "dec.pre_conv.", "dec.source_conv.")
MRF_PREFIXES = ("dec.mrfs.", "dec.upsamples.")
HIFIGAN_PREFIXES = ("dec.ups.", "dec.resblocks.")


def _has_prefix(keys: list[str], prefixes: tuple[str, ...]) -> bool:
    return any(key.startswith(prefixes) for key in keys)


def detect_vocoder(weights: Mapping[str, torch.Tensor], source: str = "these weights") -> str:
    """The vocoder ("HiFi-GAN", "MRF HiFi-GAN", "RefineGAN") that the `dec.*` keys of `weights` belong to.

    Older RefineGAN layouts (Codename fork Dec-2024 and Jul-2025) are refused with an `RVCError`.
    """
    keys = list(weights)
    if _has_prefix(keys, REFINEGAN_PREFIXES):
        from rvc.models.vocoders.refinegan import detect_refinegan_layout

        try:
            layout = detect_refinegan_layout(weights)
        except ValueError:
            raise RVCError(
                f"{source} have an incomplete RefineGAN decoder (no `dec.downsample_blocks` weights); "
                "the file is damaged or not a RefineGAN voice RVC Studio knows. Get a fresh copy of the voice."
            ) from None
        if layout != SUPPORTED_REFINEGAN_LAYOUT:
            raise RVCError(
                f"{source} use an older RefineGAN layout ({REFINEGAN_ORIGINS.get(layout, layout)}) that RVC Studio "
                "cannot run: its weights do not fit Applio's current RefineGAN. Use a HiFi-GAN or current-Applio "
                "RefineGAN voice, or retrain this one."
            )
        return "RefineGAN"
    if _has_prefix(keys, MRF_PREFIXES):
        return "MRF HiFi-GAN"
    if _has_prefix(keys, HIFIGAN_PREFIXES):
        return "HiFi-GAN"
    raise RVCError(
        f"{source} have no decoder weights RVC Studio knows (no HiFi-GAN, MRF HiFi-GAN or RefineGAN `dec.*` keys); "
        "the file is not an RVC voice or was made by an unsupported tool. Pick a voice made by RVC, Applio or "
        "RVC Studio."
    )


def _parse_rate(value: Any) -> int | None:
    """A sample rate in Hz from 40000, "40000" or mainline's "40k"; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, float) and value.is_integer() and value > 0:
        return int(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in SR_STRINGS:
            return SR_STRINGS[text]
        if text.isdigit() and int(text) > 0:
            return int(text)
    return None


def _sample_rate(config_sr: Any, stored_sr: Any, path: Path) -> int:
    """Output rate from the config's `sr` (the value every loader trusts), else from the file's `sr`."""
    rate = _parse_rate(config_sr) or _parse_rate(stored_sr)
    if rate is None:
        raise RVCError(
            f"{path} has no usable sample rate (config ends with {config_sr!r}, sr is {stored_sr!r}); "
            "the file was edited or damaged. Get a fresh copy of the voice."
        )
    return rate


def _check_upsampling(config: SynthesizerConfig, source: str) -> None:
    """The vocoder must up-sample 100 frames/s to the config's sample rate."""
    rates = list(config.upsample_rates)
    if math.prod(rates) * 100 != config.sr:
        raise RVCError(
            f"{source} is inconsistent: up-sampling rates {rates} give {math.prod(rates) * 100} Hz but the "
            f"sample rate is {config.sr} Hz. The file was edited or damaged; get a fresh copy."
        )


def _is_plain(value: Any) -> bool:
    """True for JSON-like metadata values (None, bool, numbers, strings and lists/dicts of them)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _is_plain(item) for key, item in value.items())
    return False


def _metadata(data: Mapping[str, Any]) -> dict[str, Any]:
    """Every plain top-level entry except `weight`/`config`, with the spellings of other tools unified."""
    meta = {key: value for key, value in data.items() if key not in ("weight", "config") and _is_plain(value)}
    for alias, canonical in METADATA_ALIASES.items():
        if alias in meta:
            meta.setdefault(canonical, meta.pop(alias))
    info = meta.get("info")
    if meta.get("epoch") is None and isinstance(info, str):
        match = re.match(r"\s*(\d+)\s*epoch", info)
        if match:
            meta["epoch"] = int(match.group(1))
    return meta


def _refuse_non_voice(data: Any, path: Path) -> None:
    """Clear errors for training checkpoints and other dicts passed as a voice."""
    if not isinstance(data, dict):
        raise RVCError(
            f"{path} is not a voice file: it holds a {type(data).__name__}, not a dict of weights and settings. "
            "Pick the .pth voice file exported by RVC, Applio or RVC Studio."
        )
    if "weight" not in data and isinstance(data.get("model"), dict):
        if any(str(key).startswith("discriminators.") for key in data["model"]):
            raise RVCError(
                f"{path} is a discriminator training checkpoint (D_*.pth), not a voice; it cannot convert audio. "
                "Use the voice file exported from that training run."
            )
        raise RVCError(
            f"{path} is a training checkpoint (G_*.pth), not a voice file. Export a voice from that training "
            "run (Train tab, or `save_voice` with its weights) and load the exported file."
        )
    if not isinstance(data.get("weight"), dict) or not data["weight"]:
        raise RVCError(
            f"{path} is not a voice file: it has no 'weight' dict of tensors (top-level keys: "
            f"{', '.join(map(str, list(data)[:8])) or 'none'}). Pick the .pth voice file exported by RVC, Applio or "
            "RVC Studio."
        )


@dataclass(frozen=True)
class VoiceFile:
    """The checked contents of a voice file, without building the model."""

    path: Path
    weights: dict[str, torch.Tensor]
    config: SynthesizerConfig
    sample_rate: int
    version: str
    use_f0: bool
    vocoder: str
    metadata: dict[str, Any]
    notes: tuple[str, ...] = field(default=())

    @property
    def n_speakers(self) -> int:
        """Rows of the speaker embedding (valid speaker ids are 0..n-1)."""
        return int(self.weights["emb_g.weight"].shape[0])

    @property
    def parameter_count(self) -> int:
        """Number of values stored in `weight` (the posterior encoder is not part of a voice file)."""
        return sum(int(tensor.numel()) for tensor in self.weights.values())

    def summary(self) -> dict[str, Any]:
        """What a user wants to know about the voice, as JSON-ready values."""
        meta = self.metadata
        return {
            "file": str(self.path),
            "name": meta.get("model_name") or self.path.stem,
            "sample_rate": self.sample_rate,
            "version": self.version,
            "vocoder": self.vocoder,
            "f0": self.use_f0,
            "epochs": meta.get("epoch"),
            "steps": meta.get("step"),
            "author": meta.get("author"),
            "creation_date": meta.get("creation_date"),
            "embedder": meta.get("embedder_model"),
            "speakers": self.n_speakers,
            "dataset_length": meta.get("dataset_length"),
            "model_hash": meta.get("model_hash"),
            "parameters": self.parameter_count,
            "size_bytes": self.path.stat().st_size,
            "notes": list(self.notes),
        }


def _disagreements(data: Mapping[str, Any], sample_rate: int, version: str, use_f0: bool, vocoder: str) -> list[str]:
    """Where the stored metadata contradicts the weights (the weights are used)."""
    notes = []
    if "version" in data and data["version"] != version:
        notes.append(f"file says version {data['version']!r}, weights are {version}")
    if "f0" in data and isinstance(data["f0"], (bool, int)) and bool(data["f0"]) != use_f0:
        notes.append(f"file says f0={data['f0']!r}, weights are {'with' if use_f0 else 'without'} pitch")
    if "vocoder" in data and data["vocoder"] != vocoder:
        notes.append(f"file says vocoder {data['vocoder']!r}, weights are {vocoder}")
    if "sr" in data and _parse_rate(data["sr"]) != sample_rate:
        notes.append(f"file says sr {data['sr']!r}, its config says {sample_rate}")
    return notes


def read_voice_file(path: str | os.PathLike[str]) -> VoiceFile:
    """Load and check a voice file (weights-only; no model is built). Raises `RVCError` naming what is wrong."""
    import torch

    from rvc.models.weight_norm import state_dict_to_disk

    path = Path(path)
    data = load_torch_file(path)
    _refuse_non_voice(data, path)
    bad = [
        key for key, value in data["weight"].items() if not isinstance(key, str) or not isinstance(value, torch.Tensor)
    ]
    if bad:
        raise RVCError(f"{path} is damaged: 'weight' entry {bad[0]!r} is not a tensor. Get a fresh copy of the voice.")
    weights = {key: value for key, value in state_dict_to_disk(data["weight"]).items() if not key.startswith("enc_q.")}
    entries = config_entries(data.get("config"), str(path))
    for required in ("emb_g.weight", "enc_p.emb_phone.weight"):
        if required not in weights:
            raise RVCError(f"{path} is incomplete: the weights lack {required!r}. Get a complete copy of the voice.")
    text_dim = int(weights["enc_p.emb_phone.weight"].shape[-1])
    if text_dim not in TEXT_DIM_TO_VERSION:
        raise RVCError(
            f"{path} has content features of width {text_dim}; RVC voices use 256 (v1) or 768 (v2). "
            "The file was edited or made by another tool; pick a v1 or v2 RVC voice."
        )
    version = TEXT_DIM_TO_VERSION[text_dim]
    use_f0 = "enc_p.emb_pitch.weight" in weights
    vocoder = detect_vocoder(weights, source=f"the weights in {path}")
    if not use_f0 and vocoder != "HiFi-GAN":
        raise RVCError(
            f"{path} is a {vocoder} voice without pitch; only HiFi-GAN voices can be pitchless. "
            "The file was edited or damaged; get a fresh copy of the voice."
        )
    sample_rate = _sample_rate(entries["sr"], data.get("sr"), path)
    # Like every reference loader, the speaker count comes from the weights, not from the stored setting.
    entries.update(sr=sample_rate, spk_embed_dim=int(weights["emb_g.weight"].shape[0]))
    config = SynthesizerConfig.from_entries(entries, str(path))
    _check_upsampling(config, str(path))
    return VoiceFile(
        path=path,
        weights=weights,
        config=config,
        sample_rate=sample_rate,
        version=version,
        use_f0=use_f0,
        vocoder=vocoder,
        metadata=_metadata(data),
        notes=tuple(_disagreements(data, sample_rate, version, use_f0, vocoder)),
    )


def _disk_name(key: str) -> str:
    """The name a parameter has in the file (`weight_g`/`weight_v` for weight-normed layers)."""
    from rvc.models.weight_norm import state_dict_to_disk

    return next(iter(state_dict_to_disk({key: None})))


def _load_exact(model: torch.nn.Module, state: Mapping[str, torch.Tensor], file: VoiceFile) -> None:
    """Load `state` into `model`, refusing missing, unexpected or mis-shaped weights with the key named."""
    expected = model.state_dict()
    described = (
        f"{file.path} ({file.vocoder}, {file.version}, {'f0' if file.use_f0 else 'no f0'}, {file.sample_rate} Hz)"
    )
    missing = [key for key in expected if key not in state]
    if missing:
        raise RVCError(
            f"{described} lacks {len(missing)} weights the model needs, e.g. {_disk_name(missing[0])!r}; "
            "the file is incomplete. Get a complete copy of the voice."
        )
    unexpected = [key for key in state if key not in expected]
    if unexpected:
        raise RVCError(
            f"{described} has {len(unexpected)} weights this model does not use, e.g. {_disk_name(unexpected[0])!r}; "
            "it was made by a different or newer tool. Pick a voice made by RVC, Applio or RVC Studio."
        )
    for key, tensor in state.items():
        if tuple(tensor.shape) != tuple(expected[key].shape):
            raise RVCError(
                f"{described} does not match its own settings: {_disk_name(key)!r} is {list(tensor.shape)}, "
                f"the model expects {list(expected[key].shape)}. The file was edited or damaged; get a fresh copy."
            )
    model.load_state_dict(state, strict=True)


class Voice:
    """A loaded voice: the synthesizer (eval mode, weight norm folded) and what the file says about it."""

    def __init__(self, file: VoiceFile, model: torch.nn.Module, device: torch.device) -> None:
        self.path = file.path
        self.sample_rate = file.sample_rate
        self.version = file.version
        self.use_f0 = file.use_f0
        self.vocoder = file.vocoder
        self.metadata = dict(file.metadata)
        self.notes = file.notes
        self.n_speakers = file.n_speakers
        self.model = model
        self.device = device

    def __repr__(self) -> str:
        pitch = "f0" if self.use_f0 else "no f0"
        return f"Voice({self.path.name!r}, {self.sample_rate} Hz, {self.version}, {self.vocoder}, {pitch})"

    def synthesize(
        self,
        phone: torch.Tensor,
        phone_lengths: torch.Tensor,
        pitch: torch.Tensor | None,
        pitchf: torch.Tensor | None,
        sid: torch.Tensor,
        noise_scale: float = DEFAULT_NOISE_SCALE,
        window: tuple[int, int] | None = None,
    ) -> torch.Tensor:
        """Audio `[B, 1, T*hop]` from features `phone [B, T, 256|768]`, `phone_lengths [B]`,
        coarse `pitch [B, T]` (long), `pitchf [B, T]` Hz and speaker ids `sid [B]`; pitch args are None without f0.
        `window` = (start, stop) frames gives only their audio, `[B, 1, (stop - start)*hop]`, vocoding no more."""
        import torch

        if self.use_f0 and (pitch is None or pitchf is None):
            raise ValueError("this voice uses pitch: pass both `pitch` and `pitchf`")
        if int(sid.max()) >= self.n_speakers or int(sid.min()) < 0:
            raise RVCError(
                f"Speaker ID {int(sid.max())} is out of range: this voice has speakers 0..{self.n_speakers - 1}. "
                "Pick a speaker ID in that range."
            )
        device = self.device
        if self.use_f0:
            pitch, pitchf = pitch.to(device), pitchf.to(device)
        else:
            pitch = pitchf = None
        with torch.no_grad():
            audio, _, _ = self.model.infer(
                phone.to(device),
                phone_lengths.to(device),
                pitch,
                pitchf,
                sid.to(device),
                noise_scale=noise_scale,
                window=window,
            )
        return audio.float()


def build_synthesizer(file: VoiceFile) -> torch.nn.Module:
    """A fresh `Synthesizer` (without the posterior encoder) for the settings of `file`."""
    from rvc.models.synthesizer import Synthesizer

    try:
        model = Synthesizer(
            **file.config.as_kwargs(),
            use_f0=file.use_f0,
            text_enc_hidden_dim=VERSION_TO_TEXT_DIM[file.version],
            vocoder=file.vocoder,
        )
    except (ValueError, TypeError) as error:
        raise RVCError(
            f"{file.path} asks for model settings RVC Studio cannot build ({error}). "
            "Pick a voice made by RVC, Applio or RVC Studio."
        ) from None
    del model.enc_q
    return model


def load_voice(path: str | os.PathLike[str], device: str | torch.device = "cpu") -> Voice:
    """Read a voice file safely and build its synthesizer on `device`, ready for `Voice.synthesize`."""
    import torch

    from rvc.models.weight_norm import fold_weight_norm, state_dict_from_disk

    file = read_voice_file(path)
    model = build_synthesizer(file)
    _load_exact(model, state_dict_from_disk(file.weights), file)
    fold_weight_norm(model)
    device = torch.device(device)
    model.eval().to(device)
    return Voice(file, model, device)


def save_voice(
    path: str | os.PathLike[str],
    weights: Mapping[str, torch.Tensor],
    config: SynthesizerConfig,
    *,
    epoch: int = 0,
    step: int = 0,
    model_name: str | None = None,
    author: str | None = None,
    embedder_model: str | None = "contentvec",
    speakers_id: int = 1,
    dataset_length: str | float | None = None,
    creation_date: str | None = None,
    extra_metadata: Mapping[str, Any] | None = None,
) -> Path:
    """Write a voice file in Applio's layout (fp16 weights without `enc_q`, weight_g/weight_v), atomically.

    `weights` is a generator state dict (either weight-norm naming); `config` its settings, stored as the
    reference 18-entry list. Version, f0 and vocoder are read from the weights.
    `extra_metadata` adds plain top-level entries (e.g. a blend's sources); it cannot replace the standard ones.
    """
    import torch

    from rvc.models.weight_norm import state_dict_to_disk

    path = Path(path)
    source = f"the weights for {path.name}"
    disk = {
        key: value.detach().to("cpu", torch.float16) if value.is_floating_point() else value.detach().cpu()
        for key, value in state_dict_to_disk(dict(weights)).items()
        if not key.startswith("enc_q.")
    }
    if not isinstance(config, SynthesizerConfig):
        raise TypeError(f"config must be a SynthesizerConfig, not {type(config).__name__}")
    _check_upsampling(config, source)
    sample_rate = config.sr
    config_list = config.to_list()
    version = TEXT_DIM_TO_VERSION.get(int(disk["enc_p.emb_phone.weight"].shape[-1]))
    if version is None:
        raise ValueError(f"{source} have content width {disk['enc_p.emb_phone.weight'].shape[-1]}, not 256 or 768")
    use_f0 = "enc_p.emb_pitch.weight" in disk
    vocoder = detect_vocoder(disk, source=source)
    name = model_name or path.stem
    data = {
        "weight": disk,
        "config": config_list,
        "epoch": int(epoch),
        "step": int(step),
        "sr": sample_rate,
        "f0": use_f0,
        "version": version,
        "creation_date": creation_date or datetime.datetime.now().isoformat(),
        "model_hash": hashlib.sha256(
            f"{name}-{epoch}-{step}-{sample_rate}-{version}-{config_list}".encode()
        ).hexdigest(),
        "dataset_length": dataset_length,
        "model_name": name,
        "author": author,
        "embedder_model": embedder_model,
        "speakers_id": int(speakers_id),
        "vocoder": vocoder,
    }
    clashes = sorted(set(extra_metadata or {}) & (set(data) | set(METADATA_ALIASES)))
    if clashes:
        raise ValueError(f"extra_metadata cannot replace the standard entries {clashes}")
    if not all(_is_plain(value) for value in (extra_metadata or {}).values()):
        raise ValueError("extra_metadata values must be plain (None, bool, numbers, strings, lists and dicts of them)")
    data.update(extra_metadata or {})
    return save_torch_file(data, path)
