"""Where weights, voices, indexes, runs and settings live: the one place that decides.

Every function reads the environment when called (not at import), so tests and
benchmarks can point `RVC_WEIGHTS_DIR` / `RVC_LOGS_DIR` at temporary folders.

Layout under the weights folder:
    embedders/<name>/            config.json + pytorch_model.bin|model.safetensors (or hubert_base.pt)
    predictors/rmvpe.pt          RMVPE pitch network
    pretrained/<vocoder>/<file>  pretrained G/D for training
    downloads/<file>             voices being imported from a link (resumable; removed once imported)
    tts/piper/<voice>/           Piper text-to-speech voices (<voice>.onnx + <voice>.onnx.json)
    tts/edge/voices.json         cached list of the online edge-tts voices
"""

from __future__ import annotations

import os
from pathlib import Path

from rvc.errors import RVCError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def datasets_dir() -> Path:
    """Datasets made from recordings uploaded in the app (`RVC_DATASETS_DIR`, default `assets/datasets`)."""
    return Path(os.environ.get("RVC_DATASETS_DIR") or PROJECT_ROOT / "assets" / "datasets")


def presets_dir() -> Path:
    """Preset files (`RVC_PRESETS_DIR`, default `assets/presets`): training presets, and conversion presets in
    `conversion/`."""
    return Path(os.environ.get("RVC_PRESETS_DIR") or PROJECT_ROOT / "assets" / "presets")


def weights_dir() -> Path:
    """Root of all downloaded weights (`RVC_WEIGHTS_DIR`, default `assets/weights`)."""
    return Path(os.environ.get("RVC_WEIGHTS_DIR") or PROJECT_ROOT / "assets" / "weights")


def embedders_dir() -> Path:
    """Folder holding one sub-folder per content embedder."""
    return weights_dir() / "embedders"


def embedder_dir(name: str) -> Path:
    """Folder of the built-in or custom embedder called `name`."""
    return embedders_dir() / name


def predictors_dir() -> Path:
    """Folder of pitch-predictor weights (RMVPE)."""
    return weights_dir() / "predictors"


def rmvpe_path() -> Path:
    """Path of the RMVPE state dict."""
    return predictors_dir() / "rmvpe.pt"


def pretrained_dir() -> Path:
    """Folder of pretrained generator/discriminator checkpoints."""
    return weights_dir() / "pretrained"


def tts_dir() -> Path:
    """Folder of text-to-speech data (Piper voices, the edge-tts voice list)."""
    return weights_dir() / "tts"


def piper_voice_dir(name: str) -> Path:
    """Folder of the Piper voice called `name` (holds `<name>.onnx` and `<name>.onnx.json`)."""
    return tts_dir() / "piper" / name


def edge_voices_cache() -> Path:
    """Where the edge-tts voice list is kept after it was fetched once."""
    return tts_dir() / "edge" / "voices.json"


def logs_dir() -> Path:
    """Root of training runs and downloaded voices (`RVC_LOGS_DIR`, default `logs`)."""
    return Path(os.environ.get("RVC_LOGS_DIR") or PROJECT_ROOT / "logs")


def voice_downloads_dir() -> Path:
    """Where voices imported from a link are downloaded (and resumed) before they are checked and placed."""
    return weights_dir() / "downloads"


def check_plain_name(name: str, what: str, example: str) -> str:
    """`name` unchanged if it can name a file or folder inside one of the app's folders (a run, a preset, a
    dataset): not empty, no slashes or colons, no leading dot (which would hide it, or be "." or ".."); else
    RVCError naming `what` and showing `example`."""
    if not name:
        raise RVCError(f"enter a {what}, e.g. {example}")
    if name.startswith(".") or any(char in name for char in "/\\:"):
        raise RVCError(
            f"invalid {what} {name!r}: use a plain name without slashes, colons or a leading dot, e.g. {example}"
        )
    return name


def check_run_name(name: str) -> str:
    """`name` unchanged if it is a plain folder name inside the logs folder (`check_plain_name`)."""
    return check_plain_name(name, "run name", "my-voice")


def run_dir(name: str) -> Path:
    """Folder of the training run (or downloaded voice) called `name`; a name that would leave the logs folder is refused."""
    return logs_dir() / check_run_name(name)


def outputs_dir() -> Path:
    """Default folder for converted audio (`RVC_OUTPUTS_DIR`, default `outputs`); the settings may name another."""
    return Path(os.environ.get("RVC_OUTPUTS_DIR") or PROJECT_ROOT / "outputs")


def settings_path() -> Path:
    """The user's settings file (`RVC_SETTINGS`, default `assets/settings.json`)."""
    return Path(os.environ.get("RVC_SETTINGS") or PROJECT_ROOT / "assets" / "settings.json")


def find_voices(root: Path | None = None) -> list[Path]:
    """All voice files (`*.pth`) below `root` (default the logs folder), sorted.

    Training checkpoints (`G_*.pth`, `D_*.pth`) are not voices and are left out.
    """
    root = logs_dir() if root is None else root
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*.pth") if path.is_file() and not path.name.startswith(("G_", "D_")))


def find_indexes(root: Path | None = None) -> list[Path]:
    """All faiss index files (`*.index`) below `root` (default the logs folder), sorted."""
    root = logs_dir() if root is None else root
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*.index") if path.is_file())
