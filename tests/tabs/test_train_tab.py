"""Train tab: builds, maps components to TrainOptions and back, presets round-trip, start/stop/resume, progress."""

from __future__ import annotations

import json
import sys
import time

import gradio as gr
import numpy as np
import pytest

from rvc import paths
from rvc.train import launcher
from rvc.train.layout import RunLayout
from rvc.train.options import TrainOptions
from rvc.train.progress import FINISHED, TrainingProgress, write_progress
from tabs import train as train_tab

SLOW_TRAINER = "import time; print('trainer up', flush=True); time.sleep(120)"

CHANGED = TrainOptions(
    name="voice", sample_rate=44100, vocoder="RefineGAN", version="v1", epochs=12, batch_size=4, save_every=3,
    keep_latest_only=False, export_every_save=False, pretrained=False, pretrained_g="/g.pth", pretrained_d="/d.pth",
    optimizer="RAdam", lr_g=3e-4, lr_d=2e-4, betas=(0.5, 0.9), eps=1e-7, weight_decay=0.01,
    gradient_centralization=False, warmup_epochs=4, warmup_shape="cosine", lr_decay=0.998, grad_clip=500.0,
    head_start="generator", head_start_steps=40, running_loss_window=20, precision="fp16", cache_in_memory=True,
    mel_loss="single-scale", device="cuda", gpus=[0, 1], cpu_processes=3, seed=7, author="Ada", holdout=0,
)  # fmt: skip


def _values(options: TrainOptions) -> list:
    shown = train_tab.ui_from_options(options)
    return [shown[key] for key in train_tab.TRAINING_FIELDS]


@pytest.fixture
def presets():
    """The presets folder (a temporary one: `isolated_paths`)."""
    return paths.presets_dir()


def _extracted(name: str) -> RunLayout:
    """Run `name` as preprocess and extract leave it (its config and filelist), ready to train."""
    layout = RunLayout.named(name)
    layout.root.mkdir(parents=True, exist_ok=True)
    layout.config.write_text("{}")
    layout.filelist.write_text("")
    return layout


@pytest.fixture
def stand_in(monkeypatch):
    """Training starts a stand-in trainer; run "voice" is extracted, ready to train."""
    monkeypatch.setattr(launcher, "training_command", lambda options_file: [sys.executable, "-c", SLOW_TRAINER])
    _extracted("voice")


def test_tab_builds_inside_blocks():
    with gr.Blocks() as demo, gr.Tab("Train"):
        train_tab.build()
    labels = {getattr(block, "label", None) for block in demo.blocks.values()}
    for label in ("Run name", "Vocoder", "Optimizer", "Warmup epochs (0 = off)", "Gradient-norm limit (empty = off)",
                  "Average running loss window (steps, 0 = off)", "Silent (mute) files per speaker", "Losses",
                  "Held-out scores", "Held-out score to plot", "Preset"):  # fmt: skip
        assert label in labels


def test_device_controls_offer_and_start_on_auto():
    with gr.Blocks() as demo, gr.Tab("Train"):
        train_tab.build()
    devices = {block.label: block for block in demo.blocks.values() if getattr(block, "label", None) in
               ("device", "Device", "Extraction device")}  # fmt: skip
    assert len(devices) == 2, sorted(devices)
    for block in devices.values():
        assert block.value == "auto"
        assert "auto" in [choice[1] if isinstance(choice, tuple) else choice for choice in block.choices]


def test_every_option_round_trips_through_the_components():
    assert train_tab.options_from_ui("voice", train_tab.ui_from_options(CHANGED)) == CHANGED
    default = TrainOptions(name="voice")
    assert train_tab.options_from_ui(" voice ", train_tab.ui_from_options(default)) == default


def test_component_values_are_coerced_and_checked():
    shown = train_tab.ui_from_options(TrainOptions(name="voice"))
    shown.update(epochs=5.0, grad_clip=None, gpus="", author="  ", sample_rate="48000")
    options = train_tab.options_from_ui("voice", shown)
    assert (options.epochs, options.grad_clip, options.gpus, options.author, options.sample_rate) == (
        5, None, [], None, 48000
    )  # fmt: skip
    assert train_tab.options_from_ui("voice", {**shown, "lr_g": ""}).lr_g is None  # empty: the optimizer's default
    with pytest.raises(Exception, match=r"LR decay per epoch \(γ\) is empty; enter a value"):
        train_tab.options_from_ui("voice", {**shown, "lr_decay": None})
    with pytest.raises(Exception, match="enter a run name"):
        train_tab.options_from_ui("", shown)
    with pytest.raises(Exception, match="invalid run name '../voice'"):
        train_tab.options_from_ui("../voice", shown)


def test_preset_save_and_load_round_trip(presets):
    message, dropdown = train_tab.save_preset("mine", "voice", *_values(CHANGED))
    assert message == f"✅ Preset saved: `{presets / 'mine.json'}`"
    assert dropdown["choices"] == ["mine"] and dropdown["value"] == "mine"
    assert TrainOptions.load(presets / "mine.json") == CHANGED
    loaded = train_tab.load_preset("mine")
    assert loaded[:-1] == _values(CHANGED)
    assert loaded[-1] == "✅ Loaded preset `mine`."
    assert train_tab.list_presets() == ["mine"]


def test_preset_errors_are_messages(presets):
    values = _values(TrainOptions(name="voice"))
    values[train_tab.TRAINING_FIELDS.index("running_loss_window")] = -1
    message, _ = train_tab.save_preset("bad", "voice", *values)
    assert message.startswith("❌ Preset not saved: invalid training option: average running loss window")
    assert train_tab.save_preset("../x", "voice", *_values(CHANGED))[0] == (
        "❌ Preset not saved: invalid preset name '../x': use a plain name without slashes, colons or a leading dot, "
        "e.g. my-preset"
    )
    assert train_tab.save_preset(" ", "voice", *_values(CHANGED))[0] == (
        "❌ Preset not saved: enter a preset name, e.g. my-preset"
    )
    assert not presets.exists()
    assert train_tab.load_preset("missing")[-1].startswith("❌ training preset")
    presets.mkdir()
    (presets / "typo.json").write_text('{"epoch": 3}')
    assert train_tab.load_preset("typo")[-1] == "❌ unknown training option(s) epoch; check the preset"


def test_shipped_example_preset_is_valid():
    shipped = sorted((paths.PROJECT_ROOT / "assets" / "presets").glob("*.json"))
    assert shipped
    for path in shipped:
        TrainOptions.load(path, name="check")


def test_start_stop_resume(stand_in):
    message, timer = train_tab.start_training("voice", *_values(TrainOptions(name="x", epochs=3, pretrained=False)))
    try:
        assert message.startswith("✅ Training of `voice` started (pid ") and timer.active
        assert launcher.is_training("voice")
        assert train_tab.start_training("voice", *_values(TrainOptions(name="x")))[0].startswith(
            "❌ run 'voice' is already training"
        )
    finally:
        assert train_tab.stop_training("voice").startswith("⏹️ Training of `voice` stopped. Press Resume")
    assert not launcher.is_training("voice")
    assert train_tab.stop_training("voice") == "Nothing is training for `voice`."
    message, timer = train_tab.resume_training("voice")
    try:
        assert message.startswith("✅ Training of `voice` resumed") and timer.active
        saved = TrainOptions.load(RunLayout.named("voice").root / "train_options.json")
        assert saved == TrainOptions(name="voice", epochs=3, pretrained=False)
    finally:
        launcher.stop_training("voice")


def test_start_errors_and_warnings(stand_in):
    message, timer = train_tab.start_training("", *_values(TrainOptions(name="x")))
    assert message == "❌ enter a run name, e.g. my-voice" and not timer.active
    message, _ = train_tab.start_training("voice", *_values(TrainOptions(name="x", sample_rate=44100)))
    try:
        assert "⚠️ no public pretrained exists for HiFi-GAN v2 at 44100 Hz" in message
    finally:
        launcher.stop_training("voice")
    assert train_tab.resume_training("never")[0].startswith("❌ run 'never' was never started here")


def test_a_run_that_cannot_train_is_refused_before_any_process_starts(stand_in):
    """Start and Resume said "✅ Training started/resumed" and only the log then told that the run had never been
    extracted, or had already trained all its epochs."""
    values = _values(TrainOptions(name="x", epochs=2, pretrained=False))
    message, timer = train_tab.start_training("fresh", *values)
    assert message == (
        "❌ run 'fresh' is not ready to train: config.json and filelist.txt are missing; "
        "preprocess and extract it first"
    )
    assert not timer.active and not launcher.is_training("fresh")
    assert not RunLayout.named("fresh").train_options.exists()

    layout = _extracted("done")
    TrainOptions(name="done", epochs=2, pretrained=False).save(layout.train_options)
    write_progress(layout.progress, TrainingProgress(status=FINISHED, epoch=2, epochs=2, message="training complete"))
    message, _ = train_tab.resume_training("done")  # its checkpoints were deleted: it trains again from scratch
    try:
        assert message.startswith("✅"), message
    finally:
        launcher.stop_training("done")
    for kind in "GD":
        (layout.root / f"{kind}_2.pth").write_bytes(b"checkpoint")
    for message, timer in (train_tab.resume_training("done"), train_tab.start_training("done", *values)):
        assert message == (
            "❌ run 'done' has already trained its 2 epochs; raise the total epochs (Total epochs, or --epochs) to "
            "train on from its last checkpoint"
        )
        assert not timer.active and not launcher.is_training("done")
    message, _ = train_tab.start_training("done", *_values(TrainOptions(name="x", epochs=3, pretrained=False)))
    try:
        assert message.startswith("✅ Training of `done` started")
    finally:
        launcher.stop_training("done")


def _line_pixels(rgb: np.ndarray) -> int:
    """Pixels of an `[H, W, 3]` plot image whose colour is clearly not grey (its lines; axes and text are grey)."""
    rgb = rgb.astype(int)
    return int(((rgb.max(axis=2) - rgb.min(axis=2)) > 60).sum())


def test_progress_view_while_running_and_after(stand_in):
    _, empty_losses, empty, _, _ = train_tab.refresh_progress(None)
    root = RunLayout.named("voice").root
    history = [
        {"epoch": 1, "step": 10, "loss/g/total": 40.0, "loss/d/total": 3.0, "loss/g/mel": 20.0},
        {"epoch": 2, "step": 20, "loss/g/total": 35.0, "loss/d/total": 2.8, "loss/g/mel": 18.0, "validation/mel_l1": 0.9},
    ]  # fmt: skip
    progress = {
        "status": "training", "epoch": 2, "epochs": 5, "step": 20, "steps_per_epoch": 10,
        "losses": {"loss/g/total": 35.0, "loss/d/total": 2.8}, "averaged": {"loss/g/total": 36.25},
        "eta_seconds": 3725.0, "history": history, "message": "epoch 2 done", "updated": "2026-01-01T00:00:00",
    }  # fmt: skip
    (root / "progress.json").write_text(json.dumps(progress))
    train_tab.start_training("voice", *_values(TrainOptions(name="x", pretrained=False)))
    try:
        deadline = time.monotonic() + 15
        while "trainer up" not in launcher.tail_log("voice") and time.monotonic() < deadline:
            time.sleep(0.05)
        text, losses, scores, log, timer = train_tab.refresh_progress("voice")
        frame = train_tab.loss_frame(launcher.read_progress("voice"))
        assert text.splitlines()[0] == "**Training** · epoch 2/5 · step 20 (10 per epoch) · ETA 1 h 02 min"
        assert "| loss/g/total | 35.0000 | 36.2500 |" in text and "| loss/d/total | 2.8000 | – |" in text
        assert text.endswith("epoch 2 done")
        assert len(frame) == 6 and set(frame["loss"]) == {"loss/g/total", "loss/d/total", "loss/g/mel"}
        assert frame[frame["loss"] == "loss/g/mel"]["value"].tolist() == [20.0, 18.0]
        assert _line_pixels(losses) > 2 * _line_pixels(empty_losses) and _line_pixels(scores) > _line_pixels(empty)
        assert train_tab.refresh_progress("voice")[1] is losses  # an unchanged history is not drawn again
        assert log.endswith("trainer up") and timer.active
    finally:
        launcher.stop_training("voice")
    text, _, _, _, timer = train_tab.refresh_progress("voice")
    assert text.startswith("**Stopped (press resume to continue)** · epoch 2/5") and "ETA" not in text
    assert not timer.active
    (root / "progress.json").write_text(json.dumps({"status": "failed", "message": "run 'voice' has no config.json"}))
    assert train_tab.refresh_progress("voice")[0] == "**Failed**\n\nrun 'voice' has no config.json"
    text, losses, scores, log, _ = train_tab.refresh_progress("other")
    assert text == "No training progress for `other` yet." and log == ""
    assert np.array_equal(losses, empty_losses) and np.array_equal(scores, empty)
    assert train_tab.refresh_progress(None)[0] == "Choose a run to see its progress."


def test_steps_report_readable_errors():
    preprocess = ("automatic", 3.0, 0.3, True, "pre", False, 0.7)
    assert train_tab.run_preprocess("voice", "", 1, 40000, None, *preprocess).startswith("❌ enter the dataset folder")
    overlapping = ("automatic", 3.0, 2.0, True, "pre", False, 0.7)
    assert train_tab.run_preprocess("voice", "/nowhere", 1, 40000, None, *overlapping) == (
        "❌ Overlap 2.0 s must be at least 0 and under half the chunk length."
    )
    assert train_tab.run_preprocess("voice", "/nowhere", 1, 40000, None, *preprocess) == (
        "❌ Dataset folder not found: /nowhere. Pick a folder that holds your recordings."
    )
    message = train_tab.run_extract("voice", 40000, "v2", True, None, "rmvpe", 160, "contentvec", 2, "cpu")
    assert message.startswith("❌ no 16 kHz slices in") and "run preprocess for 'voice' first" in message
    assert train_tab.run_index("voice").startswith("❌ ")
    assert train_tab.open_tensorboard("voice").startswith("❌ run 'voice' does not exist yet")


def test_runs_listed_from_the_logs_folder():
    assert train_tab.list_runs() == []
    for name in ("b", "a", ".hidden"):
        (paths.logs_dir() / name).mkdir(parents=True)
    assert train_tab.list_runs() == ["a", "b"]


def test_precision_shown_follows_the_settings_tab():
    from rvc.settings import Settings, save_settings

    assert train_tab.saved_precision() == "fp32"
    save_settings(Settings(precision="bf16"))
    assert train_tab.saved_precision() == "bf16"
    with gr.Blocks() as demo, gr.Tab("Train"):
        train_tab.build()
    shown = [block.value for block in demo.blocks.values() if getattr(block, "label", None) == "Precision"]
    assert shown == ["bf16"]
    paths.settings_path().write_text("not json")
    assert train_tab.saved_precision() == "fp32"


def test_progress_markdown_and_plot_from_a_typed_progress():
    from rvc.train.progress import EpochRecord, TrainingProgress

    progress = TrainingProgress(
        status="training", epoch=3, epochs=10, step=30, steps_per_epoch=10, losses={"loss/g/total": 30.0},
        averaged={"loss/g/total": 31.5, "loss/d/total": 2.5}, eta_seconds=75.0,
        history=(EpochRecord(3, 30, {"loss/g/total": 30.5, "validation/mrstft": 1.25}),),
    )  # fmt: skip
    text = train_tab.progress_markdown("voice", progress, running=True)
    assert text.splitlines() == [
        "**Training** · epoch 3/10 · step 30 (10 per epoch) · ETA 1 min 15 s",
        "",
        "| loss | latest | running average |",
        "|---|---|---|",
        "| loss/d/total | – | 2.5000 |",
        "| loss/g/total | 30.0000 | 31.5000 |",
    ]
    stopped = train_tab.progress_markdown("voice", progress, running=False)
    assert stopped.startswith("**Stopped (press resume to continue)** · epoch 3/10 · step 30 (10 per epoch)\n")
    finished = train_tab.progress_markdown("voice", TrainingProgress(status="finished", message="done"), False)
    assert finished == "**Finished**\n\ndone"
    assert train_tab.progress_markdown("voice", None, running=True) == "`voice` is starting…"
    earlier = TrainingProgress(status="finished", epoch=2, epochs=2, step=8, message="training complete")
    assert train_tab.progress_markdown("voice", earlier, running=True) == "`voice` is starting…", (
        "a run started again showed the last run's **Finished** until its first epoch ended"
    )
    frame = train_tab.loss_frame(progress)
    assert frame.values.tolist() == [[30, "loss/g/total", 30.5]]
    assert train_tab.heldout_frame(progress, "mrstft").values.tolist() == [[30, "multi-resolution STFT distance", 1.25]]
    assert train_tab.heldout_frame(progress).empty


def test_loss_plot_leaves_out_gradient_norms():
    """Gradient norms (thousands at the start of a run) shared the losses' axis and flattened every loss curve to
    a line at zero; the progress table still lists them."""
    from rvc.train.progress import EpochRecord, TrainingProgress

    values = {"loss/g/total": 600.0, "loss/g/mel": 160.0, "grad/norm_g": 19335.0, "grad/norm_d": 8.2}
    progress = TrainingProgress(status="training", epoch=1, epochs=2, step=4, losses=values,
                                history=(EpochRecord(1, 4, values),))  # fmt: skip
    assert set(train_tab.loss_frame(progress)["loss"]) == {"loss/g/total", "loss/g/mel"}
    assert "| grad/norm_g | 19335.0000 | – |" in train_tab.progress_markdown("voice", progress, running=True)


def test_held_out_scores_best_voice_and_overtraining_warning_are_shown():
    from rvc.train.progress import BestRecord, EpochRecord, TrainingProgress

    history = tuple(
        EpochRecord(epoch, 10 * epoch, {"loss/g/total": 30.0, "validation/mel_l1": mel, "validation/pesq": 1.5})
        for epoch, mel in ((1, 1.0), (2, 0.8), (3, 0.9))
    )
    best = BestRecord(2, 20, "mel_l1", {"mel_l1": 0.8, "pesq": 1.5}, saves_since=1)
    warning = "possible overtraining: held-out mel L1 has not improved for 1 saves since epoch 2 (0.8)"
    progress = TrainingProgress(status="training", epoch=3, epochs=9, step=30, history=history, best=best,
                                warning=warning)  # fmt: skip
    lines = train_tab.progress_markdown("voice", progress, running=True).splitlines()
    assert lines[:5] == [
        "**Training** · epoch 3/9 · step 30",
        "",
        f"⚠️ **{warning}**",
        "",
        "Best held-out voice `voice_best.pth`: epoch 2, step 20, mel L1 0.8000",
    ]
    frame = train_tab.heldout_frame(progress)
    assert frame.values.tolist() == [[10, "mel L1", 1.0], [20, "mel L1", 0.8], [30, "mel L1", 0.9]]
    assert train_tab.heldout_frame(progress, "pesq")["value"].tolist() == [1.5, 1.5, 1.5]
    assert train_tab.options_from_ui("voice", train_tab.ui_from_options(TrainOptions(
        name="voice", best_score="si_sdr", overtrain_saves=3, overtrain_stop=True))).best_score == "si_sdr"  # fmt: skip
