"""End to end on the CPU: preprocess -> extract -> train -> index -> convert, per vocoder and at 44.1 kHz;
a killed training resumes on schedule; two-process DDP (gloo) trains an epoch; a diverging run stops.

The vocoder runs use real model sizes with a tiny dataset (one or two 3 s slices, batch 1) and short training
slices (`TRAINING_SLICE_FRAMES`), so each step is a real step of the real models. The resume, DDP and divergence
runs test how a run is driven, not the models: they train the tiny synthesizer config and discriminator
(`rvc.testing.tiny_training`, same classes and calls) on the same preprocessed and extracted data, because a real
step there took most of their minute or more.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from rvc import paths
from rvc.models import load_voice
from rvc.models.checkpoints import read_checkpoint
from rvc.testing.model_fixtures import save_tiny_embedder
from rvc.testing.synthetic_speech import synth_speech, write_wav
from rvc.testing.tiny_training import shrink_run_config, spawn_with_tiny_discriminator, use_tiny_discriminator
from rvc.train.extract import ExtractOptions, extract_run
from rvc.train.index import build_index_file
from rvc.train.layout import RunLayout
from rvc.train.options import TrainOptions
from rvc.train.preprocess import PreprocessOptions, preprocess_dataset
from rvc.train.progress import read_progress as read_progress_file
from rvc.train.schedulers import LRSchedule

# Frames per training slice in the vocoder runs (32-36 in the real configs): the vocoder and the discriminators, most
# of a CPU step, run on the slice alone, while the encoders, the exported voice and the conversion do not depend on it.
TRAINING_SLICE_FRAMES = 8


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Path:
    """Weights folder with a tiny embedder, and one- and two-clip datasets."""
    root = tmp_path_factory.mktemp("e2e")
    save_tiny_embedder(root / "weights" / "embedders" / "contentvec")
    for clips in (1, 2):
        for i in range(clips):
            audio = synth_speech(3.2, 44100, speaker=i % 2, seed=i).audio
            write_wav(root / f"data{clips}" / f"clip{i}.wav", audio, 44100)
    return root


@pytest.fixture
def env(shared, tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("RVC_WEIGHTS_DIR", str(shared / "weights"))
    monkeypatch.setenv("RVC_LOGS_DIR", str(tmp_path / "logs"))
    assert paths.embedder_dir("contentvec").is_dir()
    return shared


def _prepare(shared: Path, name: str, sample_rate: int, clips: int) -> RunLayout:
    """Run `name` preprocessed and extracted from the `clips`-clip dataset at `sample_rate`.

    Each (rate, clips) pair is preprocessed and extracted once per module and copied for later tests: the files
    hold no run name and both steps are deterministic, so a copy is what a fresh preparation writes.
    """
    layout = RunLayout.named(name)
    prepared = shared / "prepared" / f"{sample_rate}_{clips}"
    if prepared.is_dir():
        shutil.copytree(prepared, layout.root)
        return layout
    preprocess_dataset(name, shared / f"data{clips}", PreprocessOptions(sample_rate=sample_rate), workers=1)
    result = extract_run(name, ExtractOptions(sample_rate=sample_rate, f0_method="pm", mute_files=0))
    assert result.filelist_items == clips and not result.failures
    shutil.copytree(layout.root, prepared)
    return layout


def _scalar_tags(eval_dir: Path) -> set[str]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(eval_dir))
    accumulator.Reload()
    return set(accumulator.Tags()["scalars"])


@pytest.mark.parametrize(
    ("vocoder", "sample_rate"),
    [("HiFi-GAN", 40000), ("MRF HiFi-GAN", 40000), ("RefineGAN", 40000), ("HiFi-GAN", 44100)],
)
def test_train_index_and_convert(env, tmp_path, capsys, vocoder, sample_rate):
    from rvc.infer import convert
    from rvc.train.trainer import train

    name = f"e2e{sample_rate // 1000}"
    layout = _prepare(env, name, sample_rate, clips=1)
    config = json.loads(layout.config.read_text(encoding="utf-8"))
    config["train"]["segment_size"] = TRAINING_SLICE_FRAMES * config["data"]["hop_length"]
    layout.config.write_text(json.dumps(config), encoding="utf-8")
    options = TrainOptions(
        name=name,
        sample_rate=sample_rate,
        vocoder=vocoder,
        epochs=2,
        batch_size=1,
        save_every=2,  # one save: a real-size G/D pair with optimizer state is 1.7 GB on disk
        keep_latest_only=False,
        pretrained=False,
        running_loss_window=1,
        holdout=0,
    )
    train(options)

    log = capsys.readouterr().out
    assert "update skipped" not in log  # from scratch with the defaults every update is taken (issue 10)
    step_lines = re.findall(r"^step \d+: average of last 1 steps: (.*)$", log, flags=re.MULTILINE)
    step_losses = [float(value) for line in step_lines for value in re.findall(r"=(\S+?)(?:,|$)", line)]
    assert len(step_lines) == 2 and len(step_losses) == 2 * 6, log
    assert all(math.isfinite(value) for value in step_losses), log
    assert sorted(p.name for p in layout.root.glob("[GD]_*.pth")) == ["D_2.pth", "G_2.pth"]
    checkpoint = read_checkpoint(layout.root / "G_2.pth")
    assert checkpoint["iteration"] == 2 and checkpoint["step"] == 2
    assert "enc_q.pre.weight" in checkpoint["model"]
    voice_path = layout.root / f"{name}_2e_2s.pth"
    voice = load_voice(voice_path)
    assert (voice.vocoder, voice.sample_rate, voice.version, voice.use_f0) == (vocoder, sample_rate, "v2", True)
    assert voice.metadata["epoch"] == 2 and voice.metadata["model_name"] == name
    progress = read_progress_file(layout.progress)
    assert progress.status == "finished" and [record.epoch for record in progress.history] == [1, 2]
    tags = _scalar_tags(layout.eval_dir)
    assert {
        "Average_Loss/Generator_Avg_Total",
        "Average_Loss/Generator_Avg_MEL",
        "Average_Loss/Discriminator_Avg_Total",
        "learning_rate/g",
        "loss_avg/loss/g/total",
    } <= tags

    index = build_index_file(layout.features, layout.index_path())
    source = write_wav(tmp_path / "input.wav", synth_speech(1.5, 22050, speaker=1, seed=9).audio, 22050)
    result = convert(
        source, tmp_path / "out.wav", voice_path, index_path=str(index), f0_method="pm", embedder="contentvec", seed=0
    )
    audio, rate = sf.read(result.path)
    assert rate == sample_rate
    assert abs(len(audio) / rate - 1.5) < 0.05
    assert np.isfinite(audio).all() and np.abs(audio).max() > 0


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def _tiny_training_command(hold_at_step: int | None):
    """A stand-in for `launcher.training_command`: the trainer with the tiny discriminator, held at a step."""

    def command(options_file: Path) -> list[str]:
        code = (
            "import sys; from rvc.testing.tiny_training import tiny_trainer_main; "
            f"sys.exit(tiny_trainer_main(sys.argv[1:], hold_at_step={hold_at_step}))"
        )
        return [sys.executable, "-c", code, "--options", str(options_file)]

    return command


def test_killed_training_resumes_from_the_last_checkpoint_on_schedule(env, monkeypatch):
    from rvc.train import launcher
    from rvc.train.launcher import is_training, read_progress, start_training, stop_training, tail_log

    name = "resume"
    layout = _prepare(env, name, 40000, clips=2)
    shrink_run_config(layout)
    options = TrainOptions(
        name=name,
        sample_rate=40000,
        epochs=3,
        batch_size=1,
        save_every=1,
        pretrained=False,
        warmup_epochs=3,
        warmup_shape="linear",
        running_loss_window=1,
        holdout=0,
    )
    # The first run waits after step 3, in epoch 2, until it is stopped: a tiny step would otherwise race the poll.
    monkeypatch.setattr(launcher, "training_command", _tiny_training_command(hold_at_step=3))
    start_training(options)
    _wait(lambda: getattr(read_progress(name), "epoch", None) == 1, 600, "epoch 1")
    _wait(lambda: "step 3:" in tail_log(name, 50), 300, "a step of epoch 2")
    stop_training(name)
    assert not is_training(name)
    stopped = read_checkpoint(layout.root / "G_2333333.pth")
    assert stopped["iteration"] == 1 and stopped["step"] == 2

    monkeypatch.setattr(launcher, "training_command", _tiny_training_command(hold_at_step=None))
    start_training(options)
    _wait(lambda: not is_training(name), 900, "the resumed run to finish")
    log = tail_log(name, 400)
    assert "resuming resume after epoch 1 (step 2)" in log
    progress = read_progress(name)
    assert progress.status == "finished" and progress.step == 6
    assert [record.epoch for record in progress.history] == [1, 2, 3]
    schedule = LRSchedule(1e-4, 0.999875, warmup_epochs=3, warmup_shape="linear")
    printed = [float(v) for v in re.findall(r"\| lr_g=([0-9.e-]+)", log)]
    assert printed == pytest.approx([schedule.lr(e) for e in (1, 2, 3)], rel=1e-2)
    assert read_checkpoint(layout.root / "G_2333333.pth")["iteration"] == 3


def test_two_process_ddp_on_cpu_trains_an_epoch(env, monkeypatch):
    from rvc.train.trainer import train

    name = "ddp"
    layout = _prepare(env, name, 32000, clips=2)
    shrink_run_config(layout)
    spawn_with_tiny_discriminator(monkeypatch)
    train(
        TrainOptions(
            name=name,
            sample_rate=32000,
            epochs=1,
            batch_size=1,
            save_every=1,
            pretrained=False,
            cpu_processes=2,
            running_loss_window=1,
            holdout=0,
        )
    )
    progress = read_progress_file(layout.progress)
    assert progress.status == "finished" and progress.step == 1
    assert read_checkpoint(layout.root / "G_2333333.pth")["iteration"] == 1
    assert load_voice(layout.root / "ddp_1e_1s.pth").sample_rate == 32000


def test_diverging_training_fails_with_a_message_and_exports_no_voice(env, monkeypatch):
    import torch

    from rvc.errors import RVCError
    from rvc.train.divergence import MAX_NON_FINITE_STEPS
    from rvc.train.trainer import train

    assert MAX_NON_FINITE_STEPS == 3  # two steps per epoch: the run must stop in epoch 2, before any save
    monkeypatch.setattr("rvc.train.losses.kl_loss", lambda *args, **kwargs: torch.tensor(float("nan")))
    name = "diverge"
    layout = _prepare(env, name, 40000, clips=2)
    shrink_run_config(layout)
    use_tiny_discriminator(monkeypatch)
    options = TrainOptions(
        name=name, sample_rate=40000, epochs=3, batch_size=1, save_every=3, pretrained=False, holdout=0
    )
    with pytest.raises(RVCError, match=r"diverged: the generator \(G\) total loss, generator \(G\) KL loss .* step 3"):
        train(options)
    progress = read_progress_file(layout.progress)
    assert progress.status == "failed" and "diverged" in progress.message and progress.epoch == 2
    assert list(layout.root.glob("*.pth")) == []
