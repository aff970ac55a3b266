"""The best held-out save and the overtraining signal: the tracker on injected scores, then a tiny real run whose
held-out score is made to worsen (best stays at the better epoch, the warning fires after K saves, auto-stop
stops and exports the latest), resumed once."""

from __future__ import annotations

import dataclasses

import pytest

from rvc.errors import RVCError
from rvc.models.voice_file import read_voice_file
from rvc.train import heldout
from rvc.train.best_checkpoint import BestTracker, record_from_metadata
from rvc.train.options import TrainOptions
from rvc.train.progress import BestRecord, TrainingProgress, read_progress, write_progress


def _feed(tracker: BestTracker, values: list[float], score: str = "mel_l1") -> list:
    return [tracker.update(epoch, 10 * epoch, {score: value}) for epoch, value in enumerate(values, start=1)]


def test_best_stays_at_the_better_save_and_the_warning_fires_after_k_saves():
    tracker = BestTracker("mel_l1", patience=2, auto_stop=False, best_file="v_best.pth")
    verdicts = _feed(tracker, [1.0, 0.8, 0.9, 0.8, 1.1])
    assert [v.improved for v in verdicts] == [True, True, False, False, False]
    assert [v.best.epoch for v in verdicts] == [1, 2, 2, 2, 2]
    assert [v.best.saves_since for v in verdicts] == [0, 0, 1, 2, 3]
    assert [bool(v.warning) for v in verdicts] == [False, False, False, True, True]
    assert not any(v.stop for v in verdicts)
    assert verdicts[3].warning == (
        "possible overtraining: held-out mel L1 has not improved for 2 saves since epoch 2 (0.8); "
        "v_best.pth keeps that epoch"
    )
    assert tracker.update(6, 60, {"mel_l1": 0.5}).improved and tracker.warning() == ""


def test_an_improvement_clears_the_warning_and_auto_stop_stops_only_when_it_fires():
    tracker = BestTracker("mel_l1", patience=1, auto_stop=True)
    first, stalled, better = _feed(tracker, [1.0, 1.0, 0.9])
    assert not first.stop and stalled.stop and stalled.warning
    assert better.improved and not better.warning and not better.stop and tracker.warning() == ""


def test_higher_is_better_scores_and_a_missing_score():
    tracker = BestTracker("si_sdr", patience=1, auto_stop=False)
    up, down = _feed(tracker, [3.0, 2.0], score="si_sdr")
    assert up.improved and not down.improved and down.best.value == 3.0 and down.warning
    missing = tracker.update(3, 30, {"mel_l1": 0.1})
    assert not missing.improved and missing.best.saves_since == 2
    assert tracker.update(4, 40, {"si_sdr": 3.5}).improved


def test_patience_zero_never_warns_and_nothing_happens_before_a_score():
    tracker = BestTracker("pesq", patience=0, auto_stop=False)
    assert tracker.update(1, 10, {}) == tracker.update(2, 20, {}) and tracker.best is None
    verdicts = _feed(tracker, [2.0, 1.0, 1.0, 1.0], score="pesq")
    assert verdicts[-1].best.saves_since == 3 and not any(v.warning for v in verdicts)
    with pytest.raises(ValueError, match="unknown held-out score 'loudness'"):
        BestTracker("loudness", 1, False)


def test_best_record_resumes_from_voice_metadata_and_the_progress_file(tmp_path):
    meta = {"epoch": 4, "step": 40, "heldout_score": "mel_l1", "heldout_scores": {"mel_l1": 0.7, "pesq": 2.5}}
    previous = BestRecord(4, 40, "mel_l1", {"mel_l1": 0.7}, saves_since=3)
    assert record_from_metadata(meta, "mel_l1", previous) == BestRecord(4, 40, "mel_l1", meta["heldout_scores"], 3)
    assert record_from_metadata(meta, "pesq", previous) == BestRecord(4, 40, "pesq", meta["heldout_scores"], 0)
    assert record_from_metadata(meta, "si_sdr", previous) is None
    progress = TrainingProgress(status="training", best=previous, warning="possible overtraining: ...")
    assert read_progress(write_progress(tmp_path / "progress.json", progress)) == progress
    assert read_progress(write_progress(tmp_path / "old.json", TrainingProgress())).best is None


def test_options_check_the_score_and_the_auto_stop_needs():
    assert TrainOptions(name="v").best_score == "mel_l1"
    with pytest.raises(RVCError, match="held-out score must be one of mel_l1, mrstft, si_sdr"):
        TrainOptions(name="v", best_score="loudness")
    with pytest.raises(RVCError, match="stopping on overtraining needs N saves >= 1"):
        TrainOptions(name="v", overtrain_stop=True, overtrain_saves=0)


SCRIPTED = [1.0, 0.8, 0.9, 0.95, 1.1, 1.2]
"""Held-out mel L1 per epoch of the tiny run: best at epoch 2, then worse at every save."""


@pytest.fixture
def tiny_run(tiny_ready_run, monkeypatch):
    """The tiny ready run, with held-out scores taken from `SCRIPTED` in turn (the held-out slice is still converted
    by the real generator)."""
    calls = iter(SCRIPTED)
    monkeypatch.setattr(heldout, "score_pair", lambda *args: {"mel_l1": next(calls), "pesq": 2.0})
    return tiny_ready_run


def test_a_worsening_run_keeps_the_best_epoch_warns_and_stops(tiny_run, capsys):
    from rvc.train.trainer import train

    layout, sample_rate = tiny_run
    options = TrainOptions(name="voice", sample_rate=sample_rate, epochs=10, batch_size=4, save_every=1,
                           pretrained=False, running_loss_window=1, export_every_save=False, overtrain_saves=2,
                           overtrain_stop=True)  # fmt: skip
    train(options)

    log = capsys.readouterr().out
    best = read_voice_file(layout.root / "voice_best.pth").metadata
    assert (best["epoch"], best["heldout_score"], best["heldout_scores"]) == (2, "mel_l1", {"mel_l1": 0.8, "pesq": 2.0})
    assert sorted(p.name for p in layout.root.glob("voice_*.pth")) == ["voice_4e_4s.pth", "voice_best.pth"]
    assert log.count("is the best of the saves so far: exported voice_best.pth") == 2
    assert log.count("warning: possible overtraining: held-out mel L1 has not improved for 2 saves since epoch 2") == 1
    assert "warning: stopped early after epoch 4: possible overtraining" in log and "epoch=5/" not in log
    progress = read_progress(layout.progress)
    assert progress.status == "finished" and progress.epoch == 4 and progress.step == 4
    assert progress.message.startswith("stopped early after epoch 4: possible overtraining")
    assert (progress.best.epoch, progress.best.value, progress.best.saves_since) == (2, 0.8, 2)
    assert [r.values["validation/mel_l1"] for r in progress.history] == SCRIPTED[:4]
    assert _text_tags(layout.eval_dir) == {"overtraining"}

    train(dataclasses.replace(options, epochs=5, overtrain_stop=False))
    log = capsys.readouterr().out
    assert "exported voice_best.pth" not in log and "has not improved for 3 saves since epoch 2 (0.8)" in log
    progress = read_progress(layout.progress)
    assert progress.message == "training complete" and progress.best.epoch == 2 and progress.warning
    assert read_voice_file(layout.root / "voice_best.pth").metadata["epoch"] == 2


def _text_tags(eval_dir) -> set[str]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(eval_dir))
    accumulator.Reload()
    return {tag.removesuffix("/text_summary") for tag in accumulator.Tags()["tensors"]}
