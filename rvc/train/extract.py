"""Extract step: pitch (coarse + Hz) and content features for every 16 kHz slice of a run.

Outputs already on disk are skipped, so an interrupted extraction resumes where it stopped.
Also writes the run's config (once, never overwritten), the mute items (features made by the
run's own embedder, so they always match it) and the filelist.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rvc.atomic_files import atomic_path, write_json_atomic
from rvc.configs import SAMPLE_RATES, VERSIONS, load_config
from rvc.errors import RVCError
from rvc.features.f0 import METHODS
from rvc.option_spec import option
from rvc.prerequisites import DEFAULT_EMBEDDER, EMBEDDERS
from rvc.train.filelist import MUTE_SECONDS, write_filelist, write_mute_audio_and_pitch
from rvc.train.layout import RunLayout
from rvc.train.options import DEVICES
from rvc.train.run_info import update_model_info

FRAME_HOP = 160


@dataclass(frozen=True)
class ExtractOptions:
    """What to extract; `hop` is the pitch analysis hop (the stored track is always per 10 ms).

    Each field's help, range and choices live in its metadata (`rvc.option_spec`): the flags of
    `python -m rvc extract` and the Train tab's Extract controls are generated from them. The sample
    rate, version and pitch guidance are the run's (shared with training), so they are offered there.
    """

    sample_rate: int = option(help="training sample rate", choices=SAMPLE_RATES, cli=False, ui=False)
    f0_method: str = option(
        "rmvpe", help=f"pitch method: {', '.join(METHODS)} or hybrid[a+b...]", label="Pitch method",
        choices=tuple(METHODS), custom=True,
    )  # fmt: skip
    hop: int = option(
        FRAME_HOP, help="pitch analysis hop in 16 kHz samples", label="Pitch hop (16 kHz samples)", low=1, high=512,
        step=1,
    )  # fmt: skip
    embedder: str = option(
        DEFAULT_EMBEDDER, help=f"content embedder: {', '.join(EMBEDDERS)}, or a custom folder",
        choices=tuple(EMBEDDERS), custom=True,
    )  # fmt: skip
    version: str = option("v2", help="voice version (v2: 768-d features)", choices=VERSIONS, ui=False)
    use_f0: bool = option(True, help="pitch guidance (--no-f0: a voice without pitch)", flag="--f0", ui=False)
    mute_files: int = option(
        2, help="silent items per speaker in the filelist", label="Silent (mute) files per speaker", low=0, high=10,
        step=1,
    )  # fmt: skip
    device: str = option(
        "auto", help="auto (CUDA when present, else cpu), cpu, cuda or cuda:N", label="Extraction device",
        choices=DEVICES, custom=True, widget="radio",
    )  # fmt: skip


@dataclass
class ExtractResult:
    """Counts of slices processed and skipped, slices that failed with the reason, and the device used."""

    pitch_done: int = 0
    features_done: int = 0
    skipped: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    filelist_items: int = 0
    device: str = ""


def pitch_track(wav16k: np.ndarray, method: str, hop: int, device: str = "cpu") -> np.ndarray:
    """F0 in Hz per 10 ms frame `[N // 160 + 1]` of 16 kHz audio, analysed with `hop`."""
    from rvc.features.f0 import extract_f0
    from rvc.features.f0.track import frame_times, retime

    f0 = extract_f0(wav16k, method, hop=hop, device=device)
    if hop == FRAME_HOP:
        return f0
    return retime(frame_times(len(wav16k), hop), f0, frame_times(len(wav16k), FRAME_HOP))


def _save_npy(path: Path, array: np.ndarray) -> None:
    """`np.save` through a temp file so an interrupted run never leaves a truncated array."""
    with atomic_path(path) as temp:
        np.save(temp, array)


def _copy_config(layout: RunLayout, sample_rate: int, version: str) -> None:
    """Write the run's config.json once; refuse a run that was started at another rate or version."""
    wanted = load_config(sample_rate, version)
    if layout.config.exists():
        existing = json.loads(layout.config.read_text(encoding="utf-8"))
        rate, dim = existing["data"]["sample_rate"], existing["model"]["text_enc_hidden_dim"]
        if rate != sample_rate or dim != wanted["model"]["text_enc_hidden_dim"]:
            raise RVCError(
                f"run {layout.name!r} was set up for {rate} Hz / {dim}-d features; use a new run name to train at "
                f"{sample_rate} Hz {version}, or delete {layout.config}"
            )
        return
    write_json_atomic(layout.config, wanted)


def extract_run(
    name: str, options: ExtractOptions, progress: Callable[[int, int], None] | None = None
) -> ExtractResult:
    """Extract pitch and features for run `name`, then write mute items, config and filelist."""
    import torch

    from rvc.audio import load_audio
    from rvc.devices import describe_choice, resolve_device
    from rvc.features import load_embedder
    from rvc.features.f0 import coarse_f0, validate_method

    layout = RunLayout.named(name)
    slices = sorted(layout.sliced_audios_16k.glob("*.wav"))
    if not slices:
        raise RVCError(f"no 16 kHz slices in {layout.sliced_audios_16k}; run preprocess for {name!r} first")
    if options.use_f0:
        validate_method(options.f0_method)
    _copy_config(layout, options.sample_rate, options.version)
    for folder in (layout.features, layout.f0_coarse, layout.f0_hz):
        folder.mkdir(parents=True, exist_ok=True)
    device = resolve_device(options.device)
    embedder = load_embedder(options.embedder, device=device)
    result = ExtractResult(device=describe_choice(options.device, device))
    for done, path in enumerate(slices, start=1):
        feature_file = layout.features / f"{path.stem}.npy"
        pitch_files = (layout.f0_coarse / f"{path.name}.npy", layout.f0_hz / f"{path.name}.npy")
        need_pitch = options.use_f0 and not all(p.exists() for p in pitch_files)
        if not need_pitch and feature_file.exists():
            result.skipped += 1
            continue
        try:
            wav, _ = load_audio(path, 16000)
            if need_pitch:
                f0 = pitch_track(wav, options.f0_method, options.hop, str(device))
                _save_npy(pitch_files[0], coarse_f0(f0))
                _save_npy(pitch_files[1], f0.astype(np.float32))
                result.pitch_done += 1
            if not feature_file.exists():
                features = embedder.extract(torch.from_numpy(wav)[None], options.version)[0].cpu().numpy()
                if not np.isfinite(features).all():
                    raise RVCError("the embedder returned NaN/inf features for this slice")
                _save_npy(feature_file, features.astype(np.float32))
                result.features_done += 1
        except RVCError as error:
            result.failures.append((path.name, str(error)))
        if progress:
            progress(done, len(slices))

    write_mute_audio_and_pitch(layout, options.sample_rate)
    silence = torch.zeros(1, int(MUTE_SECONDS * 16000))
    (layout.mute / "extracted").mkdir(parents=True, exist_ok=True)
    _save_npy(layout.mute / "extracted" / "mute.npy", embedder.extract(silence, options.version)[0].cpu().numpy())
    update_model_info(
        layout.model_info, embedder_model=options.embedder, f0_method=options.f0_method, version=options.version
    )
    entries = write_filelist(layout, options.sample_rate, options.use_f0, options.mute_files)
    result.filelist_items = len(entries)
    return result
