"""Single training steps: head start freezes the other network, the gradient-norm limit, precision fallback."""

from __future__ import annotations

import json

import pytest
import torch

from rvc.configs import load_config
from rvc.errors import RVCError
from rvc.train.dataset import Batch
from rvc.train.options import TrainOptions
from rvc.train.trainer import Trainer, resolve_precision

SR, FRAMES = 32000, 60


def _trainer(**options) -> Trainer:
    from rvc.paths import run_dir

    run_dir("steps").mkdir(parents=True)
    (run_dir("steps") / "config.json").write_text(json.dumps(load_config(SR)))
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
    result = trainer.train_step(_batch())
    assert _changed(trainer.generator, g_before) == (head_start == "generator")
    assert _changed(trainer.discriminator, d_before) == (head_start == "discriminator")
    trained = "loss/g/total" if head_start == "generator" else "loss/d/total"
    skipped = "loss/d/total" if head_start == "generator" else "loss/g/total"
    assert trained in result.losses and skipped not in result.losses
    assert trainer.step == 1


def test_gradient_norm_limit_clips_and_reports_the_raw_norm():
    trainer = _trainer(grad_clip=1e-3, gradient_centralization=False)
    result = trainer.train_step(_batch())
    assert result.losses["grad/norm_g"] > 1e-3 and result.losses["grad/norm_d"] > 1e-3
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
