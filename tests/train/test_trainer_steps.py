"""Single training steps: head start freezes the other network, the gradient-norm limit, precision fallback.

The steps run on the tiny training config and discriminator (`rvc.testing.tiny_training`): what they check does not
depend on the networks' width (real-size steps are taken in test_training_e2e.py).
"""

from __future__ import annotations

import json
import math

import pytest
import torch

from rvc.configs import load_config
from rvc.errors import RVCError
from rvc.testing.tiny_training import use_tiny_discriminator, write_tiny_config
from rvc.train.dataset import Batch
from rvc.train.heldout import SCORES
from rvc.train.options import TrainOptions
from rvc.train.trainer import Trainer, resolve_precision

SR, FRAMES = 32000, 60


@pytest.fixture(autouse=True)
def tiny_discriminator(monkeypatch):
    """Every trainer of this file builds the tiny discriminator."""
    use_tiny_discriminator(monkeypatch)


def _trainer(**options) -> Trainer:
    write_tiny_config("steps", SR)
    trainer = Trainer(TrainOptions(name="steps", sample_rate=SR, pretrained=False, **options))
    torch.manual_seed(0)
    trainer.build_models(speakers=1)
    trainer.step = 0
    return trainer


def _batch() -> Batch:
    g = torch.Generator().manual_seed(1)
    lengths = torch.tensor([FRAMES])
    return Batch(
        phone=torch.randn(1, FRAMES, 768, generator=g),
        phone_lengths=lengths,
        pitch=torch.randint(1, 256, (1, FRAMES), generator=g),
        pitchf=150 + 50 * torch.rand(1, FRAMES, generator=g),
        spec=torch.rand(1, 513, FRAMES, generator=g),
        spec_lengths=lengths,
        wave=0.1 * torch.randn(1, 1, FRAMES * 320, generator=g),
        wave_lengths=lengths * 320,
        sid=torch.zeros(1, dtype=torch.long),
    )


def _snapshot(model: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.parameters()]


def _changed(model: torch.nn.Module, before: list[torch.Tensor]) -> bool:
    return any(not torch.equal(p, b) for p, b in zip(model.parameters(), before, strict=True))


@pytest.mark.parametrize("head_start", ["generator", "discriminator"])
def test_head_start_trains_only_one_network_for_its_steps(head_start):
    trainer = _trainer(head_start=head_start, head_start_steps=1, grad_clip=None)
    g_before, d_before = _snapshot(trainer.generator), _snapshot(trainer.discriminator)
    losses = trainer.train_step(_batch())
    assert _changed(trainer.generator, g_before) == (head_start == "generator")
    assert _changed(trainer.discriminator, d_before) == (head_start == "discriminator")
    trained = "loss/g/total" if head_start == "generator" else "loss/d/total"
    skipped = "loss/d/total" if head_start == "generator" else "loss/g/total"
    assert trained in losses and skipped not in losses
    assert trainer.step == 1


def test_gradient_norm_limit_clips_and_reports_the_raw_norm():
    trainer = _trainer(grad_clip=1e-3, gradient_centralization=False)
    losses = trainer.train_step(_batch())
    assert losses["grad/norm_g"] > 1e-3 and losses["grad/norm_d"] > 1e-3
    clipped = torch.linalg.vector_norm(
        torch.stack([p.grad.norm() for p in trainer.generator.parameters() if p.grad is not None])
    )
    assert clipped.item() == pytest.approx(1e-3, rel=1e-2)


def test_precision_falls_back_to_fp32_on_the_cpu():
    cpu = torch.device("cpu")
    assert resolve_precision("fp32", cpu).dtype is None
    fallback = resolve_precision("fp16", cpu)
    assert fallback.name == "fp32" and not fallback.scaler and "needs a CUDA GPU" in fallback.note
    assert resolve_precision("bf16", cpu).name == "fp32"


def test_a_run_extracted_at_another_rate_is_refused():
    _trainer()
    with pytest.raises(RVCError, match="was extracted for 32000 Hz, not 40000 Hz"):
        Trainer(TrainOptions(name="steps", sample_rate=40000))


def test_single_scale_mel_loss_step():
    losses = _trainer(mel_loss="single-scale").train_step(_batch())
    assert losses["loss/g/mel"] > 0 and all(torch.isfinite(torch.tensor(list(losses.values()))))


def test_held_out_slices_are_converted_and_scored():
    from rvc.paths import logs_dir
    from rvc.train.dataset import TrainingDataset
    from rvc.train.filelist import write_filelist
    from tests.train.test_filelist_dataset import SR as RUN_SR
    from tests.train.test_filelist_dataset import _make_run

    layout = _make_run(logs_dir(), slices=(("0_0_0", 1.0),))
    layout.config.write_text(json.dumps(load_config(RUN_SR)))
    entries = write_filelist(layout, RUN_SR, mute_files=0)
    trainer = Trainer(TrainOptions(name="voice", sample_rate=RUN_SR, pretrained=False))
    trainer.build_models(speakers=1)
    trainer.holdout = TrainingDataset(entries, trainer.config)
    scores = trainer.evaluate()
    always = {"validation/mel_l1", "validation/mrstft", "validation/si_sdr", "validation/vuv_error"}
    assert always <= set(scores) <= {f"validation/{name}" for name in SCORES}
    assert all(0 < scores[tag] < 100 for tag in ("validation/mel_l1", "validation/mrstft"))
    assert all(math.isfinite(value) for value in scores.values())
    assert trainer._sample.shape == (1, 98 * 400)


def test_held_out_scores_depend_on_the_weights_alone():
    """RefineGAN adds fresh AdaIN noise at every conversion (0.006 of held-out mel L1 between two draws, more than an
    early epoch gains): two evaluations of the same weights must score the same, and leave the training run's
    random stream where it was."""
    from rvc.models.vocoders.refinegan import AdaIN
    from rvc.paths import logs_dir
    from rvc.testing.tiny_training import shrink_config
    from rvc.train.dataset import TrainingDataset
    from rvc.train.filelist import write_filelist
    from tests.train.test_filelist_dataset import SR as RUN_SR
    from tests.train.test_filelist_dataset import _make_run

    layout = _make_run(logs_dir(), slices=(("0_0_0", 1.0),))
    layout.config.write_text(json.dumps(shrink_config(load_config(RUN_SR))))
    entries = write_filelist(layout, RUN_SR, mute_files=0)
    trainer = Trainer(TrainOptions(name="voice", sample_rate=RUN_SR, vocoder="RefineGAN", pretrained=False))
    trainer.build_models(speakers=1)
    with torch.no_grad():  # audible noise, as after the first steps: AdaIN's initial scale (1e-4) hides it
        for module in trainer.generator.dec.modules():
            if isinstance(module, AdaIN):
                module.weight.fill_(0.05)
    trainer.holdout = TrainingDataset(entries, trainer.config)
    torch.manual_seed(3)
    first = trainer.evaluate()
    after_scoring = torch.rand(4)
    assert trainer.evaluate() == first
    torch.manual_seed(3)
    assert torch.equal(after_scoring, torch.rand(4)), "scoring drew from the training run's random stream"
