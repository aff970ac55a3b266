"""G_/D_ training checkpoints: reference layout, exact resume (model + optimizer + schedule), safety, atomicity."""

from __future__ import annotations

import pickle

import pytest
import torch
from torch import nn

from rvc.errors import RVCError
from rvc.models import latest_checkpoint, load_checkpoint, read_checkpoint, save_checkpoint
from rvc.models.weight_norm import weight_norm


class Tiny(nn.Module):
    """A weight-normed conv and a plain linear layer: both naming schemes appear in its state dict."""

    def __init__(self, channels: int = 4) -> None:
        super().__init__()
        self.conv = weight_norm(nn.Conv1d(2, channels, 3, padding=1))
        self.proj = nn.Linear(channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(self.conv(x).mean(-1))


def trained(seed: int = 0, steps: int = 2):
    """A model, AdamW and an exponential schedule after `steps` optimisation steps."""
    torch.manual_seed(seed)
    model = Tiny()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
    for _ in range(steps):
        train_step(model, optimizer, scheduler)
    return model, optimizer, scheduler


def train_step(model, optimizer, scheduler) -> None:
    generator = torch.Generator().manual_seed(len(optimizer.state) + scheduler.last_epoch)
    loss = model(torch.randn(3, 2, 8, generator=generator)).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    scheduler.step()


def fresh():
    model = Tiny()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    return model, optimizer, torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)


def test_reference_layout(tmp_path):
    model, optimizer, scheduler = trained()
    path = save_checkpoint(
        tmp_path / "G_200.pth", model, optimizer, epoch=3, learning_rate=1e-4, step=200, scheduler=scheduler
    )
    data = torch.load(path, map_location="cpu", weights_only=True)
    assert list(data)[:4] == ["model", "iteration", "optimizer", "learning_rate"]
    assert (data["iteration"], data["learning_rate"], data["step"]) == (3, 1e-4, 200)
    assert set(data["model"]) == {"conv.weight_g", "conv.weight_v", "conv.bias", "proj.weight", "proj.bias"}
    assert data["model"]["conv.weight_g"].shape == (4, 1, 1) and data["model"]["conv.weight_v"].shape == (4, 2, 3)
    assert data["optimizer"]["state"] and data["scheduler"]["last_epoch"] == 2
    assert [p.name for p in tmp_path.iterdir()] == ["G_200.pth"]


def test_round_trip_resumes_exactly(tmp_path):
    model, optimizer, scheduler = trained()
    path = save_checkpoint(
        tmp_path / "G_2.pth", model, optimizer, epoch=5, learning_rate=1e-2, step=2, scheduler=scheduler
    )
    torch.manual_seed(123)
    other, other_optimizer, other_scheduler = fresh()
    state = load_checkpoint(path, other, other_optimizer, scheduler=other_scheduler)
    assert (state.epoch, state.step, state.learning_rate, state.optimizer_loaded) == (5, 2, 1e-2, True)
    assert (state.missing, state.unexpected) == ((), ())
    for key, value in model.state_dict().items():
        assert torch.equal(value, other.state_dict()[key]), key
    assert other_scheduler.last_epoch == scheduler.last_epoch
    assert other_optimizer.param_groups[0]["lr"] == pytest.approx(optimizer.param_groups[0]["lr"])
    train_step(model, optimizer, scheduler)
    train_step(other, other_optimizer, other_scheduler)
    for key, value in model.state_dict().items():
        assert torch.equal(value, other.state_dict()[key]), key


def test_reference_loader_can_read_ours(tmp_path):
    """A reference-style loader (plain torch.load + load_state_dict) accepts the weight_g/weight_v names."""
    model, optimizer, _ = trained()
    path = save_checkpoint(tmp_path / "G_1.pth", model, optimizer, epoch=1, learning_rate=1e-4)
    other = Tiny()
    other.load_state_dict(torch.load(path, map_location="cpu", weights_only=True)["model"], strict=True)
    assert torch.equal(other.conv.weight, model.conv.weight)


def test_pretrained_without_optimizer_loads_weights_only(tmp_path):
    model, _, _ = trained()
    path = tmp_path / "f0G40k.pth"
    torch.save({"model": {k: v.half() for k, v in model.state_dict().items()}}, path)
    other, optimizer, _ = fresh()
    state = load_checkpoint(path, other, optimizer)
    assert state.optimizer_loaded is False and state.epoch == 0
    assert torch.allclose(other.proj.weight, model.proj.weight, atol=1e-3)


def test_shape_mismatch_names_the_key(tmp_path):
    model, optimizer, _ = trained()
    path = save_checkpoint(tmp_path / "G_1.pth", model, optimizer, epoch=1, learning_rate=1e-4)
    with pytest.raises(RVCError, match=r"'conv\.bias' is \[4\] in the file but \[8\] here"):
        load_checkpoint(path, Tiny(channels=8))


def test_missing_keys_strict_and_lenient(tmp_path):
    model, _, _ = trained()
    state = {k: v for k, v in model.state_dict().items() if not k.startswith("proj.")}
    state["extra.weight"] = torch.zeros(1)
    path = tmp_path / "partial.pth"
    torch.save({"model": state, "iteration": 4}, path)
    with pytest.raises(RVCError, match="lacks 'proj.weight'"):
        load_checkpoint(path, Tiny())
    other = Tiny()
    initial = other.proj.weight.detach().clone()
    result = load_checkpoint(path, other, strict=False)
    assert result.missing == ("proj.weight", "proj.bias") and result.unexpected == ("extra.weight",)
    assert torch.equal(other.proj.weight, initial)
    assert torch.equal(other.conv.weight, model.conv.weight)


def test_optimizer_for_other_parameters_is_a_clear_error(tmp_path):
    model, optimizer, _ = trained()
    path = save_checkpoint(tmp_path / "G_1.pth", model, optimizer, epoch=1, learning_rate=1e-4)
    other = Tiny()
    wrong = torch.optim.AdamW([other.proj.weight], lr=1e-2)
    with pytest.raises(RVCError, match="optimizer or schedule state for different settings"):
        load_checkpoint(path, other, wrong)


def test_voice_file_and_junk_are_not_checkpoints(tmp_path):
    voice = tmp_path / "voice.pth"
    torch.save({"weight": {"a": torch.zeros(1)}, "config": []}, voice)
    with pytest.raises(RVCError, match="is a voice file, not a training checkpoint"):
        read_checkpoint(voice)
    other = tmp_path / "other.pth"
    torch.save({"state_dict": {}}, other)
    with pytest.raises(RVCError, match="no 'model' state dict"):
        read_checkpoint(other)


def test_code_carrying_checkpoint_is_refused(tmp_path):
    marker = tmp_path / "marker"

    class Payload:
        def __reduce__(self):
            return (exec, (f"open({str(marker)!r}, 'w')",))

    path = tmp_path / "G_1.pth"
    torch.save({"model": {"w": torch.zeros(1)}, "optimizer": Payload()}, path)
    with pytest.raises(RVCError, match="may contain code and was NOT loaded"):
        load_checkpoint(path, Tiny())
    assert not marker.exists()


def test_failed_save_keeps_the_previous_checkpoint(tmp_path):
    model, optimizer, _ = trained()
    path = save_checkpoint(tmp_path / "G_2333333.pth", model, optimizer, epoch=1, learning_rate=1e-4)
    before = path.read_bytes()
    with pytest.raises((pickle.PicklingError, AttributeError)):  # a lambda cannot be pickled (AttributeError < 3.14)
        save_checkpoint(
            path,
            model,
            optimizer,
            epoch=2,
            learning_rate=1e-4,
            scheduler=type("S", (), {"state_dict": lambda self: {"f": lambda: 0}})(),
        )
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["G_2333333.pth"]
    assert load_checkpoint(path, Tiny()).epoch == 1


def test_latest_checkpoint(tmp_path):
    assert latest_checkpoint(tmp_path / "missing") is None
    assert latest_checkpoint(tmp_path) is None
    for name in ("G_200.pth", "G_1000.pth", "G_90.pth", "D_5000.pth", "G_best.pth", "G_300.pth.tmp"):
        (tmp_path / name).write_bytes(b"")
    assert latest_checkpoint(tmp_path).name == "G_1000.pth"
    assert latest_checkpoint(tmp_path, "D_").name == "D_5000.pth"


def test_pretrained_speaker_table_is_resized_to_the_model(tmp_path):
    from torch import nn

    from rvc.models.checkpoints import load_checkpoint, save_checkpoint

    class Tiny(nn.Module):
        def __init__(self, speakers):
            super().__init__()
            self.emb_g = nn.Embedding(speakers, 4)
            self.proj = nn.Linear(4, 4)

    source = Tiny(109)
    path = save_checkpoint(
        tmp_path / "f0G40k.pth", source, torch.optim.AdamW(source.parameters()), epoch=1, learning_rate=1e-4
    )
    small = Tiny(3)
    load_checkpoint(path, small, resize_speakers=True)
    torch.testing.assert_close(small.emb_g.weight, source.emb_g.weight[:3])
    large = Tiny(120)
    before = large.emb_g.weight.detach().clone()
    load_checkpoint(path, large, resize_speakers=True)
    torch.testing.assert_close(large.emb_g.weight[:109], source.emb_g.weight)
    torch.testing.assert_close(large.emb_g.weight[109:], before[109:])
    with pytest.raises(RVCError, match="emb_g.weight"):
        load_checkpoint(path, Tiny(3))
