"""`python -m rvc train`: every flag into TrainOptions, presets with overrides, errors, start/follow/detach/stop."""

from __future__ import annotations

import argparse
import dataclasses
import sys

import pytest

from rvc import cli
from rvc.commands import train as train_command
from rvc.prerequisites import no_pretrained_message
from rvc.train import launcher
from rvc.train.layout import RunLayout
from rvc.train.options import TrainOptions
from rvc.train.progress import FINISHED, TrainingProgress, write_progress

EVERY_FLAG = [
    "--sample-rate", "44100", "--vocoder", "mrf-hifi-gan", "--version", "v1", "--f0", "--no-pretrained",
    "--pretrained-g", "/pre/G.pth", "--pretrained-d", "/pre/D.pth", "--author", "Ada",
    "--epochs", "7", "--batch-size", "3", "--save-every", "2", "--no-keep-latest-only", "--no-export-every-save",
    "--seed", "9", "--holdout", "2",
    "--optimizer", "AdamW", "--lr-g", "2e-4", "--lr-d", "5e-5", "--betas", "0.9", "0.999", "--eps", "1e-9",
    "--weight-decay", "0.01", "--no-gradient-centralization", "--warmup-epochs", "5", "--warmup-shape", "cosine",
    "--lr-decay", "0.99", "--grad-clip", "250", "--head-start", "discriminator", "--head-start-steps", "100",
    "--running-loss-window", "25", "--mel-loss", "single-scale",
    "--precision", "bf16", "--cache-in-memory", "--device", "cuda", "--gpus", "0-1", "--cpu-processes", "2",
]  # fmt: skip

EVERY_VALUE = TrainOptions(
    name="voice", sample_rate=44100, vocoder="MRF HiFi-GAN", version="v1", use_f0=True, pretrained=False,
    pretrained_g="/pre/G.pth", pretrained_d="/pre/D.pth", author="Ada",
    epochs=7, batch_size=3, save_every=2, keep_latest_only=False, export_every_save=False, seed=9, holdout=2,
    optimizer="AdamW", lr_g=2e-4, lr_d=5e-5, betas=(0.9, 0.999), eps=1e-9, weight_decay=0.01,
    gradient_centralization=False, warmup_epochs=5, warmup_shape="cosine", lr_decay=0.99, grad_clip=250.0,
    head_start="discriminator", head_start_steps=100, running_loss_window=25, mel_loss="single-scale",
    precision="bf16", cache_in_memory=True, device="cuda", gpus=[0, 1], cpu_processes=2,
)  # fmt: skip

QUICK_TRAINER = "import sys; print('epoch 1 done'); print('epoch 2 done'); sys.exit(int(sys.argv[1]))"
SLOW_TRAINER = "import time; print('started', flush=True); time.sleep(120)"


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    train_command.add_arguments(parser)
    return parser.parse_args(argv)


def _options(argv: list[str]) -> TrainOptions:
    return train_command.options_from_args(_parse(argv))


def _use_trainer(monkeypatch, *argv: str) -> None:
    """Training starts `argv` (a stand-in trainer) for run "voice", which preprocess and extract have made ready."""
    monkeypatch.setattr(launcher, "training_command", lambda options_file: [sys.executable, "-c", *argv])
    layout = RunLayout.named("voice")
    layout.root.mkdir(parents=True, exist_ok=True)
    for path in (layout.config, layout.filelist):
        path.write_text("{}")


def test_every_option_has_a_flag():
    parser = argparse.ArgumentParser()
    train_command.add_arguments(parser)
    dests = {action.dest for action in parser._actions}
    assert {f.name for f in dataclasses.fields(TrainOptions)} <= dests


def test_every_flag_lands_in_its_option():
    assert _options(["--name", "voice", *EVERY_FLAG]) == EVERY_VALUE


def test_no_flags_give_the_option_defaults():
    assert _options(["--name", "voice"]) == TrainOptions(name="voice")


def test_flag_spellings():
    options = _options(["--name", "v", "--grad-clip", "off", "--gpus", "0,2", "--vocoder", "hifigan", "--no-f0"])
    assert options.grad_clip is None and options.gpus == [0, 2] and options.device == "cuda"
    assert options.vocoder == "HiFi-GAN" and options.use_f0 is False
    assert _options(["--name", "v", "--vocoder", "REFINEGAN"]).vocoder == "RefineGAN"
    assert _options(["--name", "v", "--gpus", "1", "--device", "cpu"]).device == "cpu"
    assert _options(["--name", "v", "--pretrained-g", "G.pth"]).pretrained_g.endswith("/G.pth")


def test_preset_then_explicit_flags(tmp_path):
    preset = TrainOptions(name="other", epochs=50, warmup_epochs=4, keep_latest_only=True, grad_clip=100.0)
    preset.save(tmp_path / "preset.json")
    options = _options(["--name", "voice", "--preset", str(tmp_path / "preset.json"), "--epochs", "9", "--grad-clip", "off", "--no-keep-latest-only"])  # fmt: skip
    assert options == dataclasses.replace(preset, name="voice", epochs=9, grad_clip=None, keep_latest_only=False)


def test_save_preset_writes_the_options_and_starts_nothing(tmp_path, capsys):
    path = tmp_path / "presets" / "mine.json"
    assert cli.main(["train", "--name", "voice", *EVERY_FLAG, "--save-preset", str(path)]) == 0
    assert TrainOptions.load(path) == EVERY_VALUE
    assert capsys.readouterr().out.strip() == f"preset written: {path}"
    assert not launcher.is_training("voice")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--running-loss-window", "-1"],
            "average running loss window must be 0 (off) or a whole number of steps >= 1",
        ),
        (
            ["--device", "cuda", "--cpu-processes", "2"],
            (
                "2 CPU processes train on the CPU, not on cuda; for several GPUs give --gpus 0-1 instead, "
                "or choose device cpu (or auto) to keep the CPU processes"
            ),
        ),
        (["--lr-g", "0"], "learning rates must be > 0"),
        (["--vocoder", "RefineGAN", "--no-f0"], "MRF HiFi-GAN and RefineGAN need pitch guidance"),
        (["--grad-clip", "-1"], "gradient-norm limit must be > 0, or off"),
    ],
)
def test_invalid_values_are_one_line_errors(flags, message, capsys):
    assert cli.main(["train", "--name", "voice", *flags]) == 1
    err = capsys.readouterr().err
    assert err == f"error: invalid training option: {message}\n"
    assert not (RunLayout.named("voice").root / "train.pid").exists()


def test_unparsable_values_exit_with_usage(capsys):
    for flags in (["--grad-clip", "lots"], ["--gpus", "a-b"], ["--vocoder", "wavenet"], ["--sample-rate", "22050"]):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(["train", "--name", "voice", *flags])
        assert exit_info.value.code == 2
    assert "'lots' is not a number or 'off'" in capsys.readouterr().err


def test_missing_preset_is_an_error(tmp_path, capsys):
    assert cli.main(["train", "--name", "voice", "--preset", str(tmp_path / "nope.json")]) == 1
    assert "training preset" in capsys.readouterr().err


def test_follow_prints_the_log_and_returns_the_exit_code(monkeypatch, capsys):
    _use_trainer(monkeypatch, QUICK_TRAINER, "0")
    assert cli.main(["train", "--name", "voice", "--no-pretrained"]) == 0
    out = capsys.readouterr().out
    assert "training 'voice' started" in out and out.endswith("epoch 1 done\nepoch 2 done\n")
    assert TrainOptions.load(RunLayout.named("voice").root / "train_options.json") == TrainOptions(
        name="voice", pretrained=False
    )
    _use_trainer(monkeypatch, QUICK_TRAINER, "3")
    assert cli.main(["train", "--name", "voice", "--no-pretrained"]) == 1
    captured = capsys.readouterr()
    assert captured.out.count("epoch 2 done") == 1
    assert "training process exited with code 3" in captured.err


def test_detach_then_stop(monkeypatch, capsys):
    _use_trainer(monkeypatch, SLOW_TRAINER)
    assert cli.main(["train", "--name", "voice", "--no-pretrained", "--detach"]) == 0
    try:
        assert launcher.is_training("voice")
        assert cli.main(["train", "--name", "voice", "--no-pretrained"]) == 1
        assert "run 'voice' is already training" in capsys.readouterr().err
    finally:
        assert cli.main(["train", "--name", "voice", "--stop"]) == 0
    assert not launcher.is_training("voice")
    assert "stopped; run `python -m rvc train --name voice` to resume" in capsys.readouterr().out
    assert cli.main(["train", "--name", "voice", "--stop"]) == 1
    assert capsys.readouterr().err == "no training of run 'voice' is running\n"


def test_ctrl_c_stops_the_training_and_says_how_to_resume(monkeypatch, capsys):
    _use_trainer(monkeypatch, SLOW_TRAINER)

    def interrupted(job, offset):
        raise KeyboardInterrupt

    monkeypatch.setattr(train_command, "_follow", interrupted)
    assert cli.main(["train", "--name", "voice", "--no-pretrained"]) == 130
    assert not launcher.is_training("voice")
    assert "run the same command again to resume" in capsys.readouterr().err


def test_pretrained_notices(monkeypatch, capsys):
    assert TrainOptions(name="v", pretrained=False).pretrained_notice() is None
    assert TrainOptions(name="v", sample_rate=44100).pretrained_notice() == no_pretrained_message(44100, "HiFi-GAN")
    missing = TrainOptions(name="v", sample_rate=40000).pretrained_notice()
    assert missing.startswith("pretrained f0G40k.pth and f0D40k.pth are not downloaded: run `python -m rvc download")
    custom = TrainOptions(name="v", sample_rate=44100, pretrained_g="/g.pth", pretrained_d="/d.pth")
    assert custom.pretrained_notice() is None
    _use_trainer(monkeypatch, QUICK_TRAINER, "0")
    assert cli.main(["train", "--name", "voice", "--sample-rate", "44100"]) == 0
    assert f"warning: {no_pretrained_message(44100, 'HiFi-GAN')}" in capsys.readouterr().err


def test_a_run_that_cannot_train_is_refused_before_a_process_starts(monkeypatch, capsys):
    assert cli.main(["train", "--name", "raw", "--no-pretrained"]) == 1
    assert "run 'raw' is not ready to train: config.json and filelist.txt are missing" in capsys.readouterr().err
    assert not RunLayout.named("raw").train_log.exists()
    _use_trainer(monkeypatch, SLOW_TRAINER)
    layout = RunLayout.named("voice")
    write_progress(layout.progress, TrainingProgress(status=FINISHED, epoch=3, epochs=3))
    for prefix in "GD":
        (layout.root / f"{prefix}_2333333.pth").write_bytes(b"")
    assert cli.main(["train", "--name", "voice", "--no-pretrained", "--epochs", "3"]) == 1
    assert (
        "has already trained its 3 epochs; raise the total epochs (Total epochs, or --epochs)"
        in capsys.readouterr().err
    )
    assert not launcher.is_training("voice")
