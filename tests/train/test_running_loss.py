"""Window and epoch averages of the loss terms."""

import pytest

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


@pytest.mark.parametrize("window", [0, -3, 2.5, "5"])
def test_window_is_validated(window):
    with pytest.raises(RVCError, match="window must be a whole number of steps >= 1"):
        WindowAverage(window)


def test_partial_window_survives_a_resume():
    first = WindowAverage(4)
    first.add({"mel": 1.0})
    first.add({"mel": 3.0})
    resumed = WindowAverage(4)
    resumed.load_state_dict(first.state_dict())
    resumed.add({"mel": 5.0})
    assert resumed.add({"mel": 7.0}) == {"mel": 4.0}


def test_epoch_mean():
    mean = EpochMean()
    assert mean.finish() == {}
    for value in (1.0, 2.0, 6.0):
        mean.add({"d": value})
    assert mean.finish() == {"d": 3.0}
    assert mean.finish() == {}
