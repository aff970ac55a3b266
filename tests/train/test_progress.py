"""The progress contract: typed record <-> progress.json, written atomically, read tolerantly."""

from __future__ import annotations

import json

import pytest

from rvc.train.progress import (
    FAILED,
    FINISHED,
    STARTING,
    TRAINING,
    EpochRecord,
    TrainingProgress,
    read_progress,
    write_progress,
)

FULL = TrainingProgress(
    status=TRAINING, epoch=2, epochs=5, step=40, steps_per_epoch=20,
    losses={"loss/g/total": 31.5, "grad/norm_d": 2.0}, averaged={"loss/g/total": 33.25}, eta_seconds=90.0,
    history=(EpochRecord(1, 20, {"loss/g/total": 40.0}), EpochRecord(2, 40, {"validation/mel_l1": 0.9})),
    message="epoch 2 done", updated="2026-01-01T00:00:00",
)  # fmt: skip


def test_round_trip(tmp_path):
    path = tmp_path / "run" / "progress.json"
    assert write_progress(path, FULL) == path
    assert read_progress(path) == FULL
    assert list(tmp_path.joinpath("run").iterdir()) == [path]


def test_json_form_keeps_the_flat_history_entries(tmp_path):
    path = write_progress(tmp_path / "progress.json", FULL)
    data = json.loads(path.read_text())
    assert data["history"] == [
        {"epoch": 1, "step": 20, "loss/g/total": 40.0},
        {"epoch": 2, "step": 40, "validation/mel_l1": 0.9},
    ]
    assert (data["status"], data["epoch"], data["eta_seconds"]) == ("training", 2, 90.0)


def test_older_records_and_a_failure_record_are_read(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text(json.dumps({"status": "failed", "message": "run 'voice' has no config.json"}))
    assert read_progress(path) == TrainingProgress(status=FAILED, message="run 'voice' has no config.json")
    path.write_text(json.dumps({"status": "finished", "epoch": 3, "averaged": None, "history": []}))
    assert read_progress(path) == TrainingProgress(status=FINISHED, epoch=3)


@pytest.mark.parametrize(
    "text",
    [
        "{half",
        "[1, 2]",
        '{"status": "exploded"}',
        '{"epoch": "two"}',
        '{"losses": {"loss/g/total": "high"}}',
        '{"history": [{"step": 3}]}',
        '{"eta_seconds": true}',
    ],
)
def test_unreadable_files_read_as_none(tmp_path, text):
    path = tmp_path / "progress.json"
    path.write_text(text)
    assert read_progress(path) is None


def test_missing_file_reads_as_none(tmp_path):
    assert read_progress(tmp_path / "progress.json") is None


def test_active_means_starting_or_training():
    assert [TrainingProgress(status=s).active for s in (STARTING, TRAINING, FINISHED, FAILED)] == [
        True, True, False, False,
    ]  # fmt: skip


@pytest.mark.parametrize("every", [0.0, 3600.0])
def test_the_trainer_writes_progress_during_an_epoch(tiny_ready_run, monkeypatch, every):
    from rvc.train import trainer
    from rvc.train.options import TrainOptions

    _, sample_rate = tiny_ready_run
    written: list[TrainingProgress] = []
    monkeypatch.setattr(trainer, "STEP_PROGRESS_SECONDS", every)
    monkeypatch.setattr(trainer, "write_progress", lambda path, progress: written.append(progress))
    options = TrainOptions(name="voice", sample_rate=sample_rate, epochs=2, batch_size=1, save_every=2,
                           pretrained=False, running_loss_window=2, holdout=0)  # fmt: skip
    trainer.train(options)

    steps = [(p.status, p.epoch, p.step, len(p.history)) for p in written]
    if every:  # the first step, then only the epoch ends and the finish
        assert steps == [(TRAINING, 1, 1, 0), (TRAINING, 1, 5, 1), (TRAINING, 2, 10, 2), (FINISHED, 2, 10, 2)]
    else:  # every step, with the epoch it belongs to, then the epoch's record
        assert steps == (
            [(TRAINING, 1, step, 0) for step in range(1, 6)] + [(TRAINING, 1, 5, 1)]
            + [(TRAINING, 2, step, 1) for step in range(6, 11)] + [(TRAINING, 2, 10, 2), (FINISHED, 2, 10, 2)]
        )  # fmt: skip
    assert all(p.steps_per_epoch == 5 and p.losses["loss/g/total"] > 0 for p in written)
    assert written[0].averaged == {} and written[-2].averaged
    etas = [p.eta_seconds for p in written if p.status == TRAINING]
    assert all(eta >= 0 for eta in etas) and etas[0] > 0 and etas[-1] == 0
