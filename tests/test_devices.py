"""`rvc.devices.seeded_draws`: repeatable draws that leave the caller's random stream where it was."""

from __future__ import annotations

import torch

from rvc.devices import seeded_draws


def test_seeded_draws_repeat_and_leave_the_outer_stream_untouched():
    torch.manual_seed(5)
    expected_next = torch.rand(3)
    torch.manual_seed(5)
    with seeded_draws(11, torch.device("cpu")):
        first = torch.randn(4)
    with seeded_draws(11, torch.device("cpu")):
        again = torch.randn(4)
    with seeded_draws(12, torch.device("cpu")):
        other = torch.randn(4)
    assert torch.equal(first, again)
    assert not torch.equal(first, other)
    assert torch.equal(torch.rand(3), expected_next)
