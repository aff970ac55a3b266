"""Warmup and decay follow the documented formula, also across a resume."""

import itertools
import math

import pytest
import torch

from rvc.errors import RVCError
from rvc.train.schedulers import LRSchedule

B, G = 1e-4, 0.999875


def test_linear_warmup_sequence():
    schedule = LRSchedule(B, G, warmup_epochs=5, warmup_shape="linear")
    expected = [2e-5, 4e-5, 6e-5, 8e-5, 1e-4, 1e-4, 1e-4 * G, 1e-4 * G**2]
    assert [schedule.lr(e) for e in range(1, 9)] == pytest.approx(expected, rel=1e-12)


def test_cosine_warmup_sequence():
    schedule = LRSchedule(B, G, warmup_epochs=4, warmup_shape="cosine")
    expected = [B * (1 - math.cos(math.pi * e / 4)) / 2 for e in range(1, 5)] + [B, B * G]
    assert [schedule.lr(e) for e in range(1, 7)] == pytest.approx(expected, rel=1e-12)
    assert schedule.lr(2) == pytest.approx(B / 2)
    assert schedule.lr(4) == pytest.approx(B)


def test_no_warmup_is_plain_exponential_decay_from_the_base():
    schedule = LRSchedule(B, G)
    assert [schedule.lr(e) for e in (1, 2, 10)] == pytest.approx([B, B * G, B * G**9], rel=1e-12)


@pytest.mark.parametrize("stop_after", [2, 5, 7])
def test_resume_mid_or_post_warmup_continues_exactly(stop_after):
    schedule = LRSchedule(B, G, warmup_epochs=5, warmup_shape="cosine")
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=123.0)
    uninterrupted = [schedule.apply(optimizer, e) for e in range(1, 11)]
    resumed_optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=123.0)
    resumed_schedule = LRSchedule(B, G, warmup_epochs=5, warmup_shape="cosine")
    resumed = uninterrupted[:stop_after] + [
        resumed_schedule.apply(resumed_optimizer, e) for e in range(stop_after + 1, 11)
    ]
    assert resumed == uninterrupted
    assert resumed_optimizer.param_groups[0]["lr"] == uninterrupted[-1]


def test_invalid_settings_are_clear_errors():
    with pytest.raises(RVCError, match="warmup shape 'step'"):
        LRSchedule(B, warmup_epochs=2, warmup_shape="step")
    with pytest.raises(RVCError, match="warmup epochs"):
        LRSchedule(B, warmup_epochs=-1)


def test_cosine_annealing_after_warmup_reaches_eta_min_at_the_end():
    schedule = LRSchedule(B, G, warmup_epochs=2, kind="cosine", min_lr=3e-5, total_epochs=12)
    lrs = [schedule.lr(e) for e in range(1, 14)]
    assert lrs[:2] == pytest.approx([B / 2, B])
    assert lrs[2] == pytest.approx(B)  # the first epoch after the warmup starts at the base LR
    span = 12 - 2
    expected = [3e-5 + (B - 3e-5) * (1 + math.cos(math.pi * t / span)) / 2 for t in range(span)]
    assert lrs[2:12] == pytest.approx(expected, rel=1e-12)
    assert all(a > b for a, b in itertools.pairwise(lrs[2:12]))
    assert lrs[12] == pytest.approx(3e-5)  # past the planned end it stays at the floor


def test_constant_schedule_keeps_the_base_lr_after_warmup():
    schedule = LRSchedule(B, G, warmup_epochs=3, kind="constant")
    assert [schedule.lr(e) for e in (3, 4, 50, 5000)] == [B, B, B, B]
    assert schedule.lr(1) == pytest.approx(B / 3)


@pytest.mark.parametrize("kind", ["exponential", "cosine", "constant"])
def test_every_schedule_resumes_exactly(kind):
    def run(epochs: range, optimizer) -> list[float]:
        schedule = LRSchedule(B, 0.99, warmup_epochs=2, kind=kind, min_lr=1e-6, total_epochs=9)
        return [schedule.apply(optimizer, e) for e in epochs]

    whole = run(range(1, 10), torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0))
    fresh = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=5.0)
    assert whole[:4] + run(range(5, 10), fresh) == whole
    assert len(set(whole)) > 2 or kind == "constant"


def test_cosine_needs_its_length_and_a_floor_below_the_base():
    with pytest.raises(RVCError, match="total epochs"):
        LRSchedule(B, kind="cosine")
    with pytest.raises(RVCError, match=r"eta_min 0\.001\) must be >= 0 and below the initial learning rate 0\.0001"):
        LRSchedule(B, kind="cosine", min_lr=1e-3, total_epochs=10)
    with pytest.raises(RVCError, match="unknown LR schedule 'linear'"):
        LRSchedule(B, kind="linear")
