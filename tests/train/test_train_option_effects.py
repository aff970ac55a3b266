"""Each training option of issue 10 reaches the trainer and has its effect (one option, one observable effect)."""

from __future__ import annotations

import functools

import pytest
import torch

from rvc.testing.tiny_training import tiny_config, use_tiny_discriminator, write_tiny_config
from rvc.train.options import TrainOptions
from rvc.train.trainer import Trainer
from tests.train.test_trainer_steps import _batch

SR = 32000


def _trainer(**options) -> Trainer:
    """A trainer on the tiny config with its models built (nothing loaded, step 0)."""
    write_tiny_config("effects", SR)
    trainer = Trainer(TrainOptions(name="effects", sample_rate=SR, pretrained=False, **options))
    torch.manual_seed(0)
    trainer.build_models(speakers=1)
    trainer.step = 0
    return trainer


@pytest.fixture
def backend_flags():
    """Restore torch's process-wide backend flags after the test."""
    saved = (
        torch.backends.cuda.matmul.allow_tf32,
        torch.backends.cudnn.allow_tf32,
        torch.backends.cudnn.benchmark,
        torch.backends.cudnn.deterministic,
    )
    yield
    (
        torch.backends.cuda.matmul.allow_tf32,
        torch.backends.cudnn.allow_tf32,
        torch.backends.cudnn.benchmark,
        torch.backends.cudnn.deterministic,
    ) = saved


@pytest.mark.usefixtures("backend_flags")
@pytest.mark.parametrize(("tf32", "benchmark", "deterministic"), [(True, True, False), (False, False, True)])
def test_gpu_toggles_set_the_torch_backend_flags_at_setup(tf32, benchmark, deterministic):
    write_tiny_config("effects", SR)
    torch.backends.cudnn.benchmark = not benchmark
    torch.backends.cudnn.deterministic = not deterministic
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = not tf32
    Trainer(TrainOptions(name="effects", sample_rate=SR, tf32=tf32, cudnn_benchmark=benchmark,
                         deterministic=deterministic))  # fmt: skip
    assert torch.backends.cuda.matmul.allow_tf32 is tf32 and torch.backends.cudnn.allow_tf32 is tf32
    assert torch.backends.cudnn.benchmark is benchmark
    assert torch.backends.cudnn.deterministic is deterministic


@pytest.mark.usefixtures("backend_flags")
def test_deterministic_turns_cudnn_autotuning_off():
    write_tiny_config("effects", SR)
    Trainer(TrainOptions(name="effects", sample_rate=SR, cudnn_benchmark=True, deterministic=True))
    assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark


@pytest.mark.parametrize(("d_steps", "scaler"), [(1, False), (3, False), (2, True)])
def test_d_steps_updates_the_discriminator_that_often_per_generator_update(d_steps, scaler, monkeypatch):
    use_tiny_discriminator(monkeypatch)
    trainer = _trainer(d_steps=d_steps)
    if scaler:  # as fp16 on CUDA: each repeated D step must be unscaled after its own scaler update
        trainer.scaler = torch.amp.GradScaler("cpu", init_scale=2.0)
    calls = {"d": 0, "g": 0}
    for key, optimizer in (("d", trainer.optim_d), ("g", trainer.optim_g)):
        step = optimizer.step

        def counted(*args, key=key, step=step, **kwargs):
            calls[key] += 1
            return step(*args, **kwargs)

        optimizer.step = counted
    losses = trainer.train_step(_batch())
    assert calls == {"d": d_steps, "g": 1}
    assert "loss/d/total" in losses and "loss/g/total" in losses


def test_spectral_loss_choice_reaches_the_generator_loss():
    from rvc.train.losses import multi_resolution_stft_loss, multiscale_mel_loss

    torch.manual_seed(0)
    real, fake = 0.2 * torch.randn(1, 1, 6400), 0.2 * torch.randn(1, 1, 6400)
    c_mel = tiny_config(SR)["train"]["c_mel"]
    mrstft = _trainer(mel_loss="multi-resolution-stft")._mel_loss(real, fake)
    assert mrstft.item() == pytest.approx(multi_resolution_stft_loss(real, fake).item() * c_mel, rel=1e-6)
    refinegan = Trainer(TrainOptions(name="effects", sample_rate=SR, vocoder="RefineGAN"))._mel_loss(real, fake)
    expected = multiscale_mel_loss(real, fake, SR, "RefineGAN").item() * c_mel / 3
    assert refinegan.item() == pytest.approx(expected, rel=1e-6)


def test_gradient_checkpointing_wraps_the_vocoder_blocks_only_when_asked():
    def wrapped(trainer: Trainer) -> list[bool]:
        return [isinstance(block.forward, functools.partial) for block in trainer.generator.dec.resblocks]

    assert not any(wrapped(_trainer()))
    assert all(wrapped(_trainer(gradient_checkpointing=True)))


def test_checkpointed_training_step_gives_the_same_losses(monkeypatch):
    use_tiny_discriminator(monkeypatch)
    plain = _trainer(grad_clip=None)
    checkpointed = _trainer(grad_clip=None, gradient_checkpointing=True)
    torch.manual_seed(5)
    expected = plain.train_step(_batch())
    torch.manual_seed(5)
    assert checkpointed.train_step(_batch()) == pytest.approx(expected, rel=1e-5)


def test_optimizer_defaults_and_schedule_reach_the_trainer():
    import pytorch_optimizer

    adamw = _trainer(optimizer="AdamW")
    group = adamw.optim_g.param_groups[0]
    assert (group["eps"], group["weight_decay"]) == (1e-9, 0.01)  # Applio's AdamW (issue 10, defect 6)
    prodigy = _trainer(optimizer="Prodigy", lr_schedule="cosine", lr_min=1e-3, epochs=5, warmup_epochs=1)
    assert isinstance(prodigy.optim_g, pytorch_optimizer.Prodigy)
    assert [prodigy.schedule_g.apply(prodigy.optim_g, e) for e in (1, 2, 5)] == pytest.approx(
        [1.0, 1.0, 1e-3 + (1.0 - 1e-3) * (1 + torch.cos(torch.tensor(torch.pi * 3 / 4)).item()) / 2]
    )
    assert prodigy.optim_g.param_groups[0]["lr"] == prodigy.schedule_g.lr(5)
    constant = _trainer(lr_schedule="constant", lr_g=3e-4)
    assert constant.schedule_g.lr(40) == 3e-4 and constant.schedule_d.lr(40) == 1e-4
