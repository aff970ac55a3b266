"""Every optimizer the trainer offers, as it builds them, and the per-optimizer defaults."""

import io

import pytest
import torch
from pytorch_optimizer import Ranger as ReferenceRanger
from torch import nn

from rvc.errors import RVCError
from rvc.train.optimizers import (
    OPTIMIZER_NAMES,
    AdamWBF16,
    OptimizerSettings,
    Ranger2020,
    build_optimizer,
    centralize_gradient,
    optimizer_settings,
)
from rvc.train.options import OPTIMIZERS, TrainOptions


def _model(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.utils.parametrizations.weight_norm(nn.Conv1d(3, 8, 5, padding=2)),
        nn.LeakyReLU(0.1),
        nn.Conv1d(8, 4, 3, padding=1),
        nn.Flatten(),
        nn.Linear(4 * 16, 2),
    )


def _train(model: nn.Module, optimizer: torch.optim.Optimizer, steps: int) -> list[torch.Tensor]:
    torch.manual_seed(1)
    batches = [(torch.randn(4, 3, 16), torch.randn(4, 2)) for _ in range(steps)]
    history = []
    for x, y in batches:
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
        history.append(torch.cat([p.detach().flatten().clone() for p in model.parameters()]))
    return history


def test_ranger_without_gc_matches_reference_radam_lookahead_step_for_step():
    ours, reference = _model(), _model()
    settings = {"lr": 1e-2, "betas": (0.8, 0.99), "eps": 1e-8, "alpha": 0.5, "k": 6}
    mine = _train(ours, Ranger2020(ours.parameters(), use_gc=False, n_sma_threshold=5, **settings), 14)
    theirs = _train(
        reference,
        ReferenceRanger(
            reference.parameters(), use_gc=False, n_sma_threshold=5, degenerated_to_sgd=True, foreach=False, **settings
        ),
        14,
    )
    for step, (a, b) in enumerate(zip(mine, theirs, strict=True), start=1):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-7, msg=f"diverged at step {step}")
    assert not torch.equal(mine[0], mine[-1])


def test_gc_centres_multi_dim_gradients_along_fan_in_and_spares_magnitudes():
    model = _model()
    optimizer = Ranger2020(model.parameters(), lr=1e-3, use_gc=True)
    magnitude = model[0].parametrizations.weight.original0
    before = magnitude.detach().clone()
    _train(model, optimizer, 1)
    for name, p in model.named_parameters():
        grad = p.grad
        if grad.dim() > 1 and grad[0].numel() > 1:
            means = grad.mean(dim=tuple(range(1, grad.dim())))
            assert means.abs().max() < 1e-7, name
    assert magnitude.grad.abs().sum() > 0
    assert not torch.equal(magnitude.detach(), before), "weight-norm magnitude must still learn under GC"


def test_centralize_gradient_leaves_vectors_and_single_fan_in_alone():
    bias, magnitude = torch.randn(5), torch.randn(5, 1, 1)
    assert torch.equal(centralize_gradient(bias.clone()), bias)
    assert torch.equal(centralize_gradient(magnitude.clone()), magnitude)
    weight = torch.randn(4, 3, 2)
    assert centralize_gradient(weight.clone()).mean(dim=(1, 2)).abs().max() < 1e-6


def test_lookahead_syncs_every_k_steps():
    model = _model()
    optimizer = Ranger2020(model.parameters(), lr=1e-2, k=3, use_gc=False)
    _train(model, optimizer, 3)
    for p in model.parameters():
        assert torch.equal(optimizer.state[p]["slow_buffer"], p.detach())


def test_ranger_state_survives_a_weights_only_checkpoint_round_trip():
    model, twin = _model(), _model()
    first = Ranger2020(model.parameters(), lr=1e-2)
    _train(model, first, 4)
    buffer = io.BytesIO()
    torch.save({"model": model.state_dict(), "optimizer": first.state_dict()}, buffer)
    buffer.seek(0)
    saved = torch.load(buffer, weights_only=True)
    twin.load_state_dict(saved["model"])
    second = Ranger2020(twin.parameters(), lr=1e-2)
    second.load_state_dict(saved["optimizer"])
    a, b = _train(model, first, 4), _train(twin, second, 4)
    torch.testing.assert_close(a[-1], b[-1])


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_build_optimizer_lowers_the_loss(name):
    torch.manual_seed(0)
    model = nn.Linear(6, 1)
    x = torch.randn(64, 6)
    y = x @ torch.randn(6, 1)
    lr = None if name == "Prodigy" else 3e-2  # Prodigy finds its own step size
    optimizer = build_optimizer(model.parameters(), OptimizerSettings(name=name, lr=lr))
    losses = []
    for _ in range(60):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert optimizer.param_groups[0]["betas"] == (0.8, 0.99)


def test_unknown_optimizer_is_a_clear_error():
    with pytest.raises(RVCError, match="unknown optimizer 'SGD'.*Ranger2020"):
        build_optimizer(nn.Linear(2, 2).parameters(), OptimizerSettings(name="SGD"))


def test_the_options_offer_exactly_the_optimizers_the_factory_builds():
    assert OPTIMIZERS == OPTIMIZER_NAMES


@pytest.mark.parametrize(
    ("name", "eps", "weight_decay", "lr"),
    [
        ("AdamW", 1e-9, 0.01, 1e-4),  # Applio: config eps 1e-9, torch's default weight decay
        ("AdamW-bf16", 1e-9, 0.01, 1e-4),
        ("Ranger2020", 1e-8, 0.0, 1e-4),  # the Codename fork
        ("RAdam", 1e-8, 0.0, 1e-4),
        ("Prodigy", 1e-8, 0.0, 1.0),  # the fork's v4: LR 1.0 scales Prodigy's learned step
    ],
)
def test_unset_settings_take_each_optimizers_own_defaults(name, eps, weight_decay, lr):
    settings = optimizer_settings(TrainOptions(name="voice", optimizer=name), "g")
    assert (settings.eps, settings.weight_decay, settings.lr) == (eps, weight_decay, lr)
    group = build_optimizer(nn.Linear(2, 2).parameters(), settings).param_groups[0]
    assert (group["eps"], group["weight_decay"], group["lr"]) == (eps, weight_decay, lr)


def test_given_settings_override_the_optimizer_defaults():
    options = TrainOptions(name="voice", optimizer="AdamW", eps=1e-7, weight_decay=0.0, lr_g=3e-4, lr_d=2e-4)
    group = build_optimizer(nn.Linear(2, 2).parameters(), optimizer_settings(options, "d")).param_groups[0]
    assert (group["eps"], group["weight_decay"], group["lr"]) == (1e-7, 0.0, 2e-4)


def test_library_optimizers_are_the_pytorch_optimizer_classes_with_our_betas():
    import pytorch_optimizer

    for name in ("Prodigy", "DiffGrad", "Ranger21"):
        optimizer = build_optimizer(nn.Linear(2, 2).parameters(), OptimizerSettings(name=name))
        assert type(optimizer) is getattr(pytorch_optimizer, name)
        assert optimizer.param_groups[0]["betas"] == (0.8, 0.99)
    ranger21 = build_optimizer(nn.Linear(2, 2).parameters(), OptimizerSettings(name="Ranger21", use_gc=False))
    assert ranger21.disable_lr_scheduler and not ranger21.centralize_gradients  # our schedule sets the LR


def test_adamw_bf16_keeps_its_moments_in_bf16_and_follows_adamw():
    ours, reference = _model(), _model()
    settings = {"lr": 1e-2, "betas": (0.8, 0.99), "eps": 1e-9, "weight_decay": 0.01}
    optimizer = AdamWBF16(ours.parameters(), **settings)
    mine = _train(ours, optimizer, 8)
    theirs = _train(reference, torch.optim.AdamW(reference.parameters(), **settings), 8)
    restored = AdamWBF16(_model().parameters(), **settings)
    restored.load_state_dict(optimizer.state_dict())
    for states in (optimizer.state, restored.state):
        for state in states.values():
            assert state["exp_avg"].dtype == state["exp_avg_sq"].dtype == torch.bfloat16
    assert all(p.dtype == torch.float32 for p in ours.parameters())
    moved = (theirs[-1] - theirs[0]).abs().max()
    assert (mine[-1] - theirs[-1]).abs().max() < 0.05 * moved


@pytest.mark.parametrize("name", ["AdamW-bf16", "Prodigy", "DiffGrad", "Ranger21"])
def test_new_optimizers_resume_exactly_from_a_weights_only_checkpoint(name):
    model, twin = _model(), _model()
    settings = OptimizerSettings(name=name, lr=None if name == "Prodigy" else 1e-2)
    first = build_optimizer(model.parameters(), settings)
    _train(model, first, 5)
    buffer = io.BytesIO()
    torch.save({"model": model.state_dict(), "optimizer": first.state_dict()}, buffer)
    buffer.seek(0)
    saved = torch.load(buffer, weights_only=True)
    twin.load_state_dict(saved["model"])
    second = build_optimizer(twin.parameters(), settings)
    second.load_state_dict(saved["optimizer"])
    a, b = _train(model, first, 7), _train(twin, second, 7)
    assert torch.equal(a[-1], b[-1])
    assert not torch.equal(a[0], a[-1])
