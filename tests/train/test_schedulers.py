"""Warmup and decay follow the documented formula, also across a resume."""

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
