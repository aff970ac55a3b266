"""The divergence guard: a streak of non-finite steps stops the run with a message naming what diverged."""

from __future__ import annotations

import math

import pytest

from rvc.errors import RVCError
from rvc.train.divergence import MAX_NON_FINITE_STEPS, DivergenceGuard, non_finite

NAN, INF = math.nan, math.inf


def test_non_finite_names_losses_and_norms_or_only_losses():
    values = {"grad/norm_d": INF, "loss/d/total": 1.0, "grad/norm_g": NAN, "loss/g/mel": NAN}
    assert non_finite(values) == ["grad/norm_d", "grad/norm_g", "loss/g/mel"]
    assert non_finite(values, losses_only=True) == ["loss/g/mel"]
    assert non_finite({"loss/g/total": 3.0, "grad/norm_g": 1e9}) == []


def test_stops_after_the_limit_of_consecutive_bad_steps_with_a_clear_message():
    guard = DivergenceGuard()
    for step in range(1, MAX_NON_FINITE_STEPS):
        guard.update(["loss/g/mel"], step)
    with pytest.raises(RVCError) as caught:
        guard.update(["loss/g/mel", "grad/norm_g"], MAX_NON_FINITE_STEPS)
    message = str(caught.value)
    assert "generator (G) mel loss, generator (G) gradient norm" in message
    assert f"step {MAX_NON_FINITE_STEPS}" in message and "no voice was exported" in message
    assert "lower learning rate" in message and "warmup" in message and "AdamW" in message
    assert "pretrained" in message and "gradient-norm limit" in message


def test_a_finite_step_resets_the_streak():
    guard = DivergenceGuard(limit=2)
    guard.update(["loss/d/total"], 1)
    guard.update([], 2)
    guard.update(["loss/d/total"], 3)
    with pytest.raises(RVCError, match=r"discriminator \(D\) total loss .* at step 4"):
        guard.update(["loss/d/total"], 4)
