"""Resume pieces (issue 10): which checkpoint pair is picked, optimizer state across optimizer or setting changes,
Applio resuming our files, the device choice, the version check, pinned batches, GPU caching, dropped slices."""

from __future__ import annotations

import json
import os
import time

import numpy as np
import pytest
import torch
from torch import nn

from rvc.configs import load_config
from rvc.errors import RVCError
from rvc.models.checkpoints import read_checkpoint
from rvc.testing.tiny_training import shrink_config, use_tiny_discriminator
from rvc.train.checkpoint_files import LATEST_TAG, prune_after_save, resume_pair
from rvc.train.dataset import Batch, BucketSampler, TrainingDataset
from rvc.train.optimizer_state import SETTINGS_KEY, mark_initial_lr, recorded_settings, restore_optimizer
from rvc.train.optimizers import OptimizerSettings, build_optimizer
from rvc.train.options import TrainOptions

SR = 32000


class Tiny(nn.Module):
    """A conv and a linear layer (conv weights have a fan-in above one, so GC acts on them)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(2, 4, 3, padding=1)
        self.proj = nn.Linear(4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(self.conv(x).mean(-1))


def _stepped(name: str, steps: int = 2, **settings) -> tuple[Tiny, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model = Tiny()
    optimizer = build_optimizer(model.parameters(), OptimizerSettings(name, 1e-3, **settings))
    for _ in range(steps):
        optimizer.zero_grad()
        model(torch.randn(3, 2, 8)).pow(2).mean().backward()
        optimizer.step()
    return model, optimizer


def _stored(name: str, optimizer: torch.optim.Optimizer, record: bool = True) -> dict:
    """A checkpoint's entries as our trainer writes them (`record=False`: another tool's, without our record)."""
    stored = {"optimizer": optimizer.state_dict()}
    if record:
        stored[SETTINGS_KEY] = recorded_settings(name, optimizer)
    return stored


def _save_pair(folder, number: int, step: int | None, mtime: float) -> None:
    for prefix in "GD":
        path = folder / f"{prefix}_{number}.pth"
        torch.save(
            {"model": {"w": torch.zeros(1)}, "iteration": 1, **({"step": step} if step is not None else {})}, path
        )
        os.utime(path, (mtime, mtime))


# --- which pair a resume picks -------------------------------------------------------------------------------------


def test_resume_picks_the_highest_stored_step_not_the_largest_file_number(tmp_path):
    now = time.time()
    _save_pair(tmp_path, LATEST_TAG, step=40, mtime=now - 100)  # keep-latest saves, then turned off
    _save_pair(tmp_path, 60, step=60, mtime=now - 50)
    _save_pair(tmp_path, 80, step=80, mtime=now)
    (tmp_path / "G_90.pth").write_bytes(b"")  # half a pair never counts
    assert resume_pair(tmp_path).number == 80


def test_resume_picks_the_latest_tag_pair_when_it_holds_the_newest_step(tmp_path):
    now = time.time()
    _save_pair(tmp_path, 60, step=60, mtime=now - 50)
    _save_pair(tmp_path, LATEST_TAG, step=90, mtime=now)  # keep-latest turned back on
    assert resume_pair(tmp_path).number == LATEST_TAG


def test_equal_steps_are_decided_by_modification_time_and_foreign_files_by_their_number(tmp_path):
    now = time.time()
    _save_pair(tmp_path, LATEST_TAG, step=None, mtime=now)  # another tool's latest pair: no stored step
    _save_pair(tmp_path, 30, step=None, mtime=now - 10)  # another tool's numbered pair: the number is its step
    assert resume_pair(tmp_path).number == 30
    _save_pair(tmp_path, 31, step=30, mtime=now - 5)
    _save_pair(tmp_path, 29, step=30, mtime=now - 1)
    assert resume_pair(tmp_path).number == 29
    assert resume_pair(tmp_path / "missing") is None


def test_a_numbered_save_removes_the_latest_tag_pair_it_supersedes(tmp_path):
    now = time.time()
    _save_pair(tmp_path, LATEST_TAG, step=40, mtime=now - 10)
    _save_pair(tmp_path, 50, step=50, mtime=now)
    removed = prune_after_save(tmp_path, 50, keep_latest_only=False)
    assert [p.name for p in removed] == [f"D_{LATEST_TAG}.pth", f"G_{LATEST_TAG}.pth"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["D_50.pth", "G_50.pth"]


def test_a_numbered_save_keeps_a_latest_tag_pair_that_is_ahead_and_keep_latest_removes_the_rest(tmp_path):
    now = time.time()
    _save_pair(tmp_path, LATEST_TAG, step=70, mtime=now - 10)
    _save_pair(tmp_path, 50, step=50, mtime=now)
    assert prune_after_save(tmp_path, 50, keep_latest_only=False) == []
    assert len(prune_after_save(tmp_path, LATEST_TAG, keep_latest_only=True)) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"D_{LATEST_TAG}.pth", f"G_{LATEST_TAG}.pth"]


# --- optimizer state --------------------------------------------------------------------------------------------


def test_same_optimizer_state_is_restored_exactly():
    _, saved = _stepped("Ranger2020")
    _, fresh = _stepped("Ranger2020", steps=0)
    assert restore_optimizer(fresh, "Ranger2020", _stored("Ranger2020", saved)) is None
    for before, after in zip(saved.state.values(), fresh.state.values(), strict=True):
        assert before["step"] == after["step"] == 2
        assert torch.equal(before["exp_avg"], after["exp_avg"])


@pytest.mark.parametrize(("before", "after"), [("AdamW", "Ranger2020"), ("Ranger2020", "AdamW"), ("RAdam", "AdamW")])
def test_switching_optimizer_starts_fresh_state_with_a_notice_and_the_next_step_works(before, after):
    _, saved = _stepped(before)
    model, fresh = _stepped(after, steps=0)
    notice = restore_optimizer(fresh, after, _stored(before, saved))
    assert notice == f"optimizer changed from {before} to {after}; starting fresh optimizer state"
    assert not fresh.state
    model(torch.randn(3, 2, 8)).pow(2).mean().backward()
    fresh.step()  # before the fix: KeyError 'use_gc' (AdamW state in Ranger2020) or wrong state kinds


def test_another_tools_state_that_does_not_fit_starts_fresh_with_a_notice():
    _, saved = _stepped("AdamW")
    model, fresh = _stepped("Ranger2020", steps=0)
    notice = restore_optimizer(fresh, "Ranger2020", _stored("AdamW", saved, record=False))
    assert notice.startswith("the checkpoint's optimizer state (another optimizer or tool) does not fit Ranger2020")
    assert notice.endswith("starting fresh state") and "\n" not in notice
    assert not fresh.state
    model(torch.randn(3, 2, 8)).pow(2).mean().backward()
    fresh.step()


def test_another_tools_state_that_fits_is_loaded():
    _, saved = _stepped("AdamW")
    _, fresh = _stepped("AdamW", steps=0)
    assert restore_optimizer(fresh, "AdamW", _stored("AdamW", saved, record=False)) is None
    assert [float(s["step"]) for s in fresh.state.values()] == [2.0] * 4


def test_changed_settings_are_applied_after_loading_with_a_notice():
    _, saved = _stepped("Ranger2020", eps=1e-8, weight_decay=0.0, use_gc=True)
    _, fresh = _stepped("Ranger2020", steps=0, eps=1e-9, weight_decay=0.01, use_gc=False, betas=(0.9, 0.999))
    mark_initial_lr(fresh, 1e-3)
    notice = restore_optimizer(fresh, "Ranger2020", _stored("Ranger2020", saved))
    assert notice.startswith("Ranger2020 settings changed since the checkpoint (")
    for change in ("betas (0.8, 0.99) → (0.9, 0.999)", "eps 1e-08 → 1e-09", "use_gc True → False"):
        assert change in notice
    group = fresh.param_groups[0]
    assert (group["eps"], group["weight_decay"], group["use_gc"], group["betas"]) == (1e-9, 0.01, False, (0.9, 0.999))
    assert group["initial_lr"] == 1e-3
    assert next(iter(fresh.state.values()))["step"] == 2  # the state itself was loaded


def test_a_checkpoint_without_optimizer_state_starts_fresh():
    _, fresh = _stepped("AdamW", steps=0)
    assert restore_optimizer(fresh, "AdamW", {}) == "the checkpoint has no optimizer state; starting fresh AdamW state"


# --- our G_ file in Applio's resume path ------------------------------------------------------------------------


def _trainer(name: str = "steps", config: dict | None = None, **options):
    from rvc.paths import run_dir
    from rvc.train.trainer import Trainer

    run_dir(name).mkdir(parents=True)
    (run_dir(name) / "config.json").write_text(json.dumps(config or load_config(SR)))
    return Trainer(TrainOptions(name=name, sample_rate=SR, pretrained=False, **options))


def test_applio_resumes_our_generator_checkpoint(monkeypatch):
    """Applio's resume (training.md §10.4, §8.1): load G's `model` non-strictly after renaming weight norm, load the
    optimizer state into its AdamW(betas 0.8/0.99, eps 1e-9), then ExponentialLR(last_epoch = epoch - 1)."""
    from rvc.models.synthesizer import Synthesizer
    from rvc.models.synthesizer_config import SynthesizerConfig
    from rvc.models.weight_norm import state_dict_from_disk

    use_tiny_discriminator(monkeypatch)
    trainer = _trainer(config=shrink_config(load_config(SR), frames=10), optimizer="AdamW", export_every_save=False)
    trainer.build_models(speakers=1)
    trainer.step = 3
    trainer.save(epoch=2, final=False)
    checkpoint = read_checkpoint(trainer.layout.root / f"G_{LATEST_TAG}.pth")
    assert all("initial_lr" in group for group in checkpoint["optimizer"]["param_groups"])

    config = shrink_config(load_config(SR), frames=10)
    net_g = Synthesizer(**SynthesizerConfig.from_json_config(config, training=True).as_kwargs(), use_f0=True)
    net_g.load_state_dict(state_dict_from_disk(checkpoint["model"]), strict=False)
    optim_g = torch.optim.AdamW(net_g.parameters(), 1e-4, betas=(0.8, 0.99), eps=1e-9)
    optim_g.load_state_dict(checkpoint["optimizer"])
    epoch_str = checkpoint["iteration"] + 1
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optim_g, gamma=0.999875, last_epoch=epoch_str - 2)
    assert scheduler.last_epoch == epoch_str - 1  # before the fix: KeyError "param 'initial_lr' is not specified"
    assert optim_g.param_groups[0]["initial_lr"] == 1e-4


# --- devices, version, batches, caching, dropped slices -----------------------------------------------------------


def test_training_and_extraction_default_to_auto():
    from rvc.train.extract import ExtractOptions

    assert TrainOptions(name="voice").device == "auto"
    assert ExtractOptions(sample_rate=SR).device == "auto"


def test_auto_trains_on_cuda_when_present_and_says_which(monkeypatch):
    from rvc.train.device_choice import training_device

    options = TrainOptions(name="voice")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert training_device(options, 0, 1) == (torch.device("cuda"), "device: cuda (auto: a CUDA GPU is present)")
    assert training_device(TrainOptions(name="voice", cpu_processes=2), 1, 2)[0] == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert training_device(options, 0, 1) == (torch.device("cpu"), "device: cpu (auto: no CUDA GPU found)")
    with pytest.raises(RVCError, match="no CUDA GPU is usable here"):
        training_device(TrainOptions(name="voice", device="cuda"), 0, 1)


def test_cuda_with_several_cpu_processes_is_refused():
    with pytest.raises(RVCError, match="2 CPU processes train on the CPU, not on cuda; for several GPUs give --gpus"):
        TrainOptions(name="voice", device="cuda", cpu_processes=2)
    assert TrainOptions(name="voice", device="cuda", gpus=[0, 1], cpu_processes=2).world_size == 2


def test_training_refuses_a_version_other_than_the_runs():
    with pytest.raises(
        RVCError, match=r"extracted as v1 \(256-d features.*training asks for v2; train with --version v1"
    ):
        _trainer(config=load_config(SR, "v1"), version="v2")
    with pytest.raises(RVCError, match=r"extracted as v2 \(768-d.*asks for v1"):
        _trainer(name="other", config=load_config(SR, "v2"), version="v1")


def _batch() -> Batch:
    lengths = torch.tensor([4])
    return Batch(
        phone=torch.zeros(1, 4, 8), phone_lengths=lengths, pitch=None, pitchf=torch.zeros(1, 4),
        spec=torch.zeros(1, 3, 4), spec_lengths=lengths, wave=torch.zeros(1, 1, 40), wave_lengths=lengths * 10,
        sid=torch.zeros(1, dtype=torch.long),
    )  # fmt: skip


def test_pinning_a_batch_pins_every_tensor(monkeypatch):
    """DataLoader(pin_memory=True) pins through `pin_memory()`; before the fix the Batch came back unpinned."""
    from torch.utils.data._utils.pin_memory import pin_memory

    pinned = []

    def fake_pin(tensor, *args, **kwargs):
        pinned.append(tensor)
        return tensor.clone()

    monkeypatch.setattr(torch.Tensor, "pin_memory", fake_pin)
    batch = _batch()
    result = pin_memory(batch)
    assert isinstance(result, Batch) and result.pitch is None
    assert len(pinned) == 8
    assert all(getattr(result, key) is not getattr(batch, key) for key in vars(batch) if key != "pitch")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="page-locked memory needs CUDA")
def test_pinning_a_batch_on_a_cuda_machine():
    assert _batch().pin_memory().phone.is_pinned()


def test_cache_in_memory_keeps_items_on_the_training_device(tmp_path):
    """The cache holds items on `cache_device` (the GPU when training on one); `meta` stands in for it here."""
    from rvc.audio import save_audio
    from rvc.train.filelist import FilelistEntry

    config = load_config(SR)
    save_audio(tmp_path / "a.wav", np.zeros(SR // 2, np.float32), SR, subtype="FLOAT")
    np.save(tmp_path / "a.npy", np.zeros((25, 768), np.float32))
    np.save(tmp_path / "c.npy", np.ones(50, np.int64))
    np.save(tmp_path / "f.npy", np.zeros(50, np.float32))
    entry = FilelistEntry(tmp_path / "a.wav", tmp_path / "a.npy", tmp_path / "c.npy", tmp_path / "f.npy", 0)
    cached = TrainingDataset([entry], config, cache_in_memory=True, cache_device="meta")
    assert all(part.device.type == "meta" for part in cached[0][:5])
    assert all(part.device.type == "meta" for part in cached[0][:5])  # the cached copy
    plain = TrainingDataset([entry], config, cache_in_memory=False, cache_device="meta")
    assert plain[0][0].device.type == "cpu"


def test_dropped_slices_are_reported_with_the_reason():
    sampler = BucketSampler([30, 50, 120, 400, 901, 2000], batch_size=1)
    assert sampler.dropped_report(100.0) == (
        "4 of 6 training slices left out: 2 not longer than 0.5 s and 2 longer than 9 s (the length buckets' "
        "limits); preprocess with chunks in between to use them"
    )
    assert BucketSampler([120, 400], batch_size=1).dropped_report(100.0) is None
