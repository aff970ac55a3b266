"""Window and epoch averages of the loss terms."""

import io

import pytest
import torch

from rvc.errors import RVCError
from rvc.train.running_loss import EpochMean, WindowAverage


def test_window_average_reports_once_per_window_with_exact_means():
    average = WindowAverage(3)
    outputs = [average.add({"mel": float(step), "kl": 1.0}) for step in range(1, 8)]
    assert outputs[0] is None and outputs[1] is None
    assert outputs[2] == {"mel": 2.0, "kl": 1.0}
    assert outputs[3:5] == [None, None]
    assert outputs[5] == {"mel": 5.0, "kl": 1.0}
    assert outputs[6] is None


def test_window_of_one_reports_every_step():
    average = WindowAverage(1)
    assert average.add({"total": 4.0}) == {"total": 4.0}


@pytest.mark.parametrize("window", [-3, 2.5, "5", True])
def test_window_is_validated(window):
    with pytest.raises(RVCError, match=r"window must be 0 \(off\) or a whole number of steps"):
        WindowAverage(window)


def test_window_zero_is_off():
    average = WindowAverage(0)
    assert not average.enabled
    assert all(average.add({"mel": 1.0}) is None for _ in range(5))


def test_head_start_steps_do_not_count_in_the_idle_terms_divisor():
    average = WindowAverage(4)
    for _ in range(2):  # discriminator head start: no generator loss
        average.add({"loss/d/total": 2.0})
    average.add({"loss/d/total": 4.0, "loss/g/total": 10.0})
    means = average.add({"loss/d/total": 4.0, "loss/g/total": 20.0})
    assert means == {"loss/d/total": 3.0, "loss/g/total": 15.0}


def test_epoch_mean_divides_each_term_by_the_steps_that_reported_it():
    mean = EpochMean()
    mean.add({"loss/g/total": 6.0})
    mean.add({"loss/g/total": 2.0, "loss/d/total": 1.0})
    assert mean.finish() == {"loss/g/total": 4.0, "loss/d/total": 1.0}


def _saved(state: dict) -> io.BytesIO:
    """`state` written as a checkpoint entry (weights-only loadable)."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    return buffer


def test_partial_window_survives_a_resume():
    first = WindowAverage(4)
    first.add({"mel": 1.0})
    first.add({"mel": 3.0})
    resumed = WindowAverage(4)
    resumed.load_state_dict(torch.load(_saved(first.state_dict()), weights_only=True))
    resumed.add({"mel": 5.0})
    assert resumed.add({"mel": 7.0}) == {"mel": 4.0}


def test_epoch_mean():
    mean = EpochMean()
    assert mean.finish() == {}
    for value in (1.0, 2.0, 6.0):
        mean.add({"d": value})
    assert mean.finish() == {"d": 3.0}
    assert mean.finish() == {}
