"""Catalogue of the weight files users need, where each lives locally and where to fetch it.

Pure data and path arithmetic (no heavy imports): the doctor command, the UI banner and the
trainer ask it what is present and what to do about what is missing; `rvc.downloads` fetches.

Remote files come from the public Hugging Face repository Applio uses
(`IAHispano/Applio`, folder `Resources`); set `RVC_DOWNLOAD_BASE_URL` to use a mirror with the
same layout. Local paths come from `rvc.paths`, computed at call time.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from rvc import paths
from rvc.errors import RVCError

DEFAULT_BASE_URL = "https://huggingface.co/IAHispano/Applio/resolve/main/Resources"
BASE_URL_ENV = "RVC_DOWNLOAD_BASE_URL"

GROUPS = ("embedder", "predictor", "pretrained", "tts")

# Piper text-to-speech voices come from their own repository (`rhasspy/piper-voices`), fetched on first use.
PIPER_BASE_URL_ENV = "RVC_PIPER_BASE_URL"
PIPER_DEFAULT_BASE_URL = "https://huggingface.co/rhasspy/piper-voices/resolve/v1.0.0"
PIPER_VOICES: dict[str, str] = {
    "en_US-lessac-medium": "US English, female; the default Piper voice",
    "en_US-amy-medium": "US English, female",
    "en_GB-alan-medium": "British English, male",
    "de_DE-thorsten-medium": "German, male",
    "es_ES-davefx-medium": "Spanish, male",
    "fr_FR-siwis-medium": "French, female",
}
DEFAULT_PIPER_VOICE = "en_US-lessac-medium"
_PIPER_NAME = re.compile(r"([a-z]{2,3})_([A-Z]{2})-([A-Za-z0-9_]+)-(x_low|low|medium|high)")

# Built-in embedder name -> folder name in the remote repository.
EMBEDDERS: dict[str, str] = {
    "contentvec": "contentvec",
    "spin": "spin",
    "spin-v2": "spin-v2",
    "chinese-hubert-base": "chinese_hubert_base",
    "japanese-hubert-base": "japanese_hubert_base",
    "korean-hubert-base": "korean_hubert_base",
}
EMBEDDER_FILES = ("config.json", "pytorch_model.bin")
EMBEDDER_STAND_INS = {"pytorch_model.bin": ("model.safetensors",)}
"""Files that serve in place of a downloaded one: the embedder loader takes either Hugging Face weights file
(`rvc.features.hubert_files.HF_WEIGHTS`)."""
DEFAULT_EMBEDDER = "contentvec"

# Vocoder display name (as stored in voice files) -> local folder under `paths.pretrained_dir()`.
VOCODER_FOLDERS: dict[str, str] = {
    "HiFi-GAN": "hifi-gan",
    "MRF HiFi-GAN": "mrf-hifi-gan",
    "RefineGAN": "refinegan",
}

# (vocoder, version, use_f0) -> (remote folder, sample rates with a public pretrained).
_PUBLIC_PRETRAINED: dict[tuple[str, str, bool], tuple[str, tuple[int, ...]]] = {
    ("HiFi-GAN", "v2", True): ("pretrained_v2", (32000, 40000, 48000)),
    ("HiFi-GAN", "v2", False): ("pretrained_v2", (32000, 40000, 48000)),
    ("HiFi-GAN", "v1", True): ("pretrained_v1", (32000, 40000, 48000)),
    ("HiFi-GAN", "v1", False): ("pretrained_v1", (32000, 40000, 48000)),
    ("RefineGAN", "v2", True): ("refinegan", (32000,)),
}


@dataclass(frozen=True)
class Prerequisite:
    """One downloadable file: where it comes from, where it goes, and how to check it."""

    name: str
    group: str
    remote_path: str
    local_parts: tuple[str, ...]
    description: str
    download_args: str
    size: int | None = None
    sha256: str | None = None
    base_url_env: str = BASE_URL_ENV
    default_base_url: str = DEFAULT_BASE_URL
    stand_ins: tuple[str, ...] = ()
    """Names of files beside `path` that serve in its place, so the item counts as present with any of them."""

    @property
    def url(self) -> str:
        """Full remote URL (honours the mirror variable `base_url_env`, e.g. `RVC_DOWNLOAD_BASE_URL`)."""
        base = os.environ.get(self.base_url_env) or self.default_base_url
        return f"{base.rstrip('/')}/{self.remote_path}"

    @property
    def path(self) -> Path:
        """Local destination, computed from `rvc.paths` now."""
        if self.group == "embedder":
            return paths.embedder_dir(self.local_parts[0]).joinpath(*self.local_parts[1:])
        if self.group == "predictor":
            return (
                paths.rmvpe_path()
                if self.local_parts == ("rmvpe.pt",)
                else paths.predictors_dir() / self.local_parts[0]
            )
        if self.group == "tts":
            return paths.tts_dir().joinpath(*self.local_parts)
        return paths.pretrained_dir().joinpath(*self.local_parts)

    @property
    def present(self) -> bool:
        """True when the file exists locally (and has the expected size, where known), or one of its stand-ins."""
        path = self.path
        if any(path.with_name(name).is_file() for name in self.stand_ins):
            return True
        if not path.is_file():
            return False
        return self.size is None or path.stat().st_size == self.size


@dataclass(frozen=True)
class PrerequisiteStatus:
    """Whether one prerequisite is on disk, and the exact fix when it is not."""

    name: str
    path: Path
    present: bool
    fix: str
    group: str
    description: str


def fix_for(item: Prerequisite) -> str:
    """One-line instruction: the download command, or where to put the file by hand."""
    return (
        f"run `python -m rvc download {item.download_args}` or download {item.url} by hand and save it as {item.path}"
    )


def _rate_tag(sample_rate: int) -> str:
    """Applio's file-name rate tag: 40000 -> '40k'."""
    return f"{str(sample_rate)[:2]}k"


def normalize_vocoder(vocoder: str) -> str:
    """Map a vocoder display name or folder name (any case) to its display name."""
    for name, folder in VOCODER_FOLDERS.items():
        if vocoder.strip().lower() in (name.lower(), folder, folder.replace("-", "")):
            return name
    raise RVCError(
        f"unknown vocoder {vocoder!r}; choose one of {', '.join(VOCODER_FOLDERS)} "
        f"(or {', '.join(VOCODER_FOLDERS.values())})"
    )


def _pretrained_folder(vocoder: str, version: str) -> str:
    """Local folder under the pretrained dir: `hifi-gan`, `hifi-gan-v1`, `refinegan`, ..."""
    folder = VOCODER_FOLDERS[vocoder]
    return folder if version == "v2" else f"{folder}-{version}"


def embedder_items(name: str) -> list[Prerequisite]:
    """The files of built-in embedder `name` (config + weights)."""
    if name not in EMBEDDERS:
        raise RVCError(f"unknown built-in embedder {name!r}; choose one of {', '.join(EMBEDDERS)}")
    remote = EMBEDDERS[name]
    return [
        Prerequisite(
            name=f"{name}/{filename}",
            group="embedder",
            remote_path=f"embedders/{remote}/{filename}",
            local_parts=(name, filename),
            description=f"{name} content embedder ({'architecture' if filename.endswith('json') else 'weights'})",
            download_args=f"--embedder {name}",
            stand_ins=EMBEDDER_STAND_INS.get(filename, ()),
        )
        for filename in EMBEDDER_FILES
    ]


def rmvpe_items() -> list[Prerequisite]:
    """The RMVPE pitch predictor state dict."""
    return [
        Prerequisite(
            name="rmvpe.pt",
            group="predictor",
            remote_path="predictors/rmvpe.pt",
            local_parts=("rmvpe.pt",),
            description="RMVPE pitch predictor (default pitch method)",
            download_args="--rmvpe",
        )
    ]


def _pretrained_args(sample_rate: int, vocoder: str, version: str, use_f0: bool) -> str:
    """CLI arguments that download one pretrained G/D pair."""
    args = f"--pretrained --sample-rate {sample_rate} --vocoder {VOCODER_FOLDERS[vocoder]}"
    if version != "v2":
        args += f" --version {version}"
    if not use_f0:
        args += " --no-f0"
    return args


def pretrained_items(sample_rate: int, vocoder: str, version: str = "v2", use_f0: bool = True) -> list[Prerequisite]:
    """The G and D files of one public pretrained, or [] when the combination has none."""
    vocoder = normalize_vocoder(vocoder)
    entry = _PUBLIC_PRETRAINED.get((vocoder, version, use_f0))
    if entry is None or sample_rate not in entry[1]:
        return []
    remote_folder = entry[0]
    local_folder = _pretrained_folder(vocoder, version)
    prefix = "f0" if use_f0 else ""
    items = []
    for kind, role in (("G", "generator"), ("D", "discriminator")):
        filename = f"{prefix}{kind}{_rate_tag(sample_rate)}.pth"
        items.append(
            Prerequisite(
                name=f"{local_folder}/{filename}",
                group="pretrained",
                remote_path=f"{remote_folder}/{filename}",
                local_parts=(local_folder, filename),
                description=(
                    f"pretrained {vocoder} {version} {role}, {sample_rate} Hz, "
                    f"{'with' if use_f0 else 'without'} pitch guidance"
                ),
                download_args=_pretrained_args(sample_rate, vocoder, version, use_f0),
            )
        )
    return items


def pretrained_for(
    sample_rate: int, vocoder: str, version: str = "v2", use_f0: bool = True
) -> tuple[Path, Path] | None:
    """Local (G, D) paths of the public pretrained for this combination (present or not), or None if none exists."""
    items = pretrained_items(sample_rate, vocoder, version, use_f0)
    if not items:
        return None
    return items[0].path, items[1].path


def no_pretrained_message(sample_rate: int | None, vocoder: str, version: str = "v2", use_f0: bool = True) -> str:
    """Plain explanation for a combination without a public pretrained (at `sample_rate`, or at any rate if None)."""
    vocoder = normalize_vocoder(vocoder)
    offered = sorted(
        f"{name} {ver}{'' if f0 else ' (no pitch)'} at {', '.join(f'{sr // 1000}k' for sr in rates)}"
        for (name, ver, f0), (_folder, rates) in _PUBLIC_PRETRAINED.items()
    )
    return (
        f"no public pretrained exists for {vocoder} {version} "
        f"{f'at {sample_rate} Hz' if sample_rate else 'at any sample rate'} "
        f"{'with' if use_f0 else 'without'} pitch guidance: training will start from scratch "
        f"(needs far more data and epochs). Public pretrained models exist for: {'; '.join(offered)}."
    )


def check_piper_voice_name(name: str) -> str:
    """`name` if it has Piper's `<lang>_<REGION>-<speaker>-<quality>` form, else RVCError with an example."""
    if not _PIPER_NAME.fullmatch(name or ""):
        raise RVCError(
            f"{name!r} is not a Piper voice name: use <language>_<REGION>-<speaker>-<quality>, e.g. "
            f"{DEFAULT_PIPER_VOICE} (known: {', '.join(PIPER_VOICES)})"
        )
    return name


def piper_voice_items(name: str) -> list[Prerequisite]:
    """The model (`.onnx`) and config (`.onnx.json`) of the Piper voice `name` from rhasspy/piper-voices."""
    language, region, speaker, quality = _PIPER_NAME.fullmatch(check_piper_voice_name(name)).groups()
    folder = f"{language}/{language}_{region}/{speaker}/{quality}"
    about = PIPER_VOICES.get(name, f"{language}_{region}, {speaker}, {quality} quality")
    return [
        Prerequisite(
            name=f"piper/{name}/{filename}",
            group="tts",
            remote_path=f"{folder}/{filename}",
            local_parts=("piper", name, filename),
            description=f"Piper TTS voice {name}: {about} ({'model' if filename.endswith('onnx') else 'config'})",
            download_args=f"--piper-voice {name}",
            base_url_env=PIPER_BASE_URL_ENV,
            default_base_url=PIPER_DEFAULT_BASE_URL,
        )
        for filename in (f"{name}.onnx", f"{name}.onnx.json")
    ]


def essential_items() -> list[Prerequisite]:
    """What a fresh install needs: ContentVec, RMVPE and the HiFi-GAN v2 pitch pretrained at 32/40/48k."""
    items = embedder_items(DEFAULT_EMBEDDER) + rmvpe_items()
    for sample_rate in (32000, 40000, 48000):
        items += pretrained_items(sample_rate, "HiFi-GAN")
    return items


def catalogue() -> list[Prerequisite]:
    """Every file this module knows how to download (essentials first, then on-demand extras)."""
    items = essential_items()
    seen = {item.name for item in items}
    for name in EMBEDDERS:
        items += [item for item in embedder_items(name) if item.name not in seen]
    for (vocoder, version, use_f0), (_folder, rates) in _PUBLIC_PRETRAINED.items():
        for sample_rate in rates:
            items += [item for item in pretrained_items(sample_rate, vocoder, version, use_f0) if item.name not in seen]
    for name in PIPER_VOICES:
        items += piper_voice_items(name)
    return items


def status_of(item: Prerequisite) -> PrerequisiteStatus:
    """Present/missing status of one prerequisite with its fix."""
    return PrerequisiteStatus(
        name=item.name,
        path=item.path,
        present=item.present,
        fix="" if item.present else fix_for(item),
        group=item.group,
        description=item.description,
    )


def check_all(include_optional: bool = False) -> list[PrerequisiteStatus]:
    """Status of the essential prerequisites (or the whole catalogue with `include_optional`)."""
    items = catalogue() if include_optional else essential_items()
    return [status_of(item) for item in items]


def missing(include_optional: bool = False) -> list[Prerequisite]:
    """Prerequisites not yet on disk."""
    items = catalogue() if include_optional else essential_items()
    return [item for item in items if not item.present]


def pretrained_notice(sample_rate: int, vocoder: str, version: str = "v2", use_f0: bool = True) -> str | None:
    """Why the public pretrained for this combination cannot be used (none exists, or not downloaded), else None."""
    items = pretrained_items(sample_rate, vocoder, version, use_f0)
    if not items:
        return no_pretrained_message(sample_rate, vocoder, version, use_f0)
    missing = [item for item in items if not item.present]
    if missing:
        names = " and ".join(item.path.name for item in missing)
        return f"pretrained {names} {'is' if len(missing) == 1 else 'are'} not downloaded: {fix_for(missing[0])}"
    return None
