"""Train tab: preprocess → extract → train (child process, live progress) → index, with JSON presets.

Each section calls the same functions as `python -m rvc preprocess|extract|train|index`; this
module only turns component values into their arguments and results into page text.
"""

from __future__ import annotations

import os

import gradio as gr

from rvc import paths
from rvc.errors import RVCError
from rvc.train import launcher
from rvc.train.layout import RunLayout
from rvc.train.options import (
    HEAD_STARTS,
    MEL_LOSSES,
    OPTIMIZERS,
    PRECISIONS,
    SAMPLE_RATES,
    VOCODERS,
    WARMUP_SHAPES,
    TrainOptions,
    parse_gpus,
)
from rvc.train.progress import TrainingProgress
from tabs import settings as settings_tab

PRESETS_DIR = paths.PROJECT_ROOT / "assets" / "presets"
POLL_SECONDS = 2.0
LOG_LINES = 30

# Order of the training components; `options_from_ui` / `ui_from_options` convert between them and TrainOptions.
UI_KEYS = (
    "sample_rate", "vocoder", "version", "use_f0", "epochs", "batch_size", "save_every", "keep_latest_only",
    "export_every_save", "pretrained", "pretrained_g", "pretrained_d", "optimizer", "lr_g", "lr_d", "beta1", "beta2",
    "eps", "weight_decay", "gradient_centralization", "warmup_epochs", "warmup_shape", "lr_decay", "grad_clip",
    "head_start", "head_start_steps", "running_loss_window", "precision", "cache_in_memory", "mel_loss", "device",
    "gpus", "cpu_processes", "seed", "author", "holdout",
)  # fmt: skip
_INTS = (
    "sample_rate", "epochs", "batch_size", "save_every", "warmup_epochs", "head_start_steps", "running_loss_window",
    "cpu_processes", "seed", "holdout",
)  # fmt: skip
_FLOATS = ("lr_g", "lr_d", "beta1", "beta2", "eps", "weight_decay", "lr_decay", "grad_clip")
_OPTIONAL_TEXTS = ("pretrained_g", "pretrained_d", "author")


def _run_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise RVCError("enter a run name (a plain folder name, e.g. my-voice)")
    return paths.check_run_name(name)


def _number(key: str, value, kind: type):
    if value is None or value == "":
        raise RVCError(f"{key.replace('_', ' ')} is empty; enter a number")
    return kind(value)


def options_from_ui(name: str, values: dict) -> TrainOptions:
    """The TrainOptions the page's training components describe (validated)."""
    data = {key: values[key] for key in UI_KEYS}
    for key in _INTS:
        data[key] = _number(key, data[key], int)
    for key in _FLOATS:
        data[key] = _number(key, data[key], float)
    for key in _OPTIONAL_TEXTS:
        data[key] = (data[key] or "").strip() or None
    data["betas"] = (data.pop("beta1"), data.pop("beta2"))
    data["grad_clip"] = data["grad_clip"] if data["grad_clip"] > 0 else None
    data["gpus"] = parse_gpus(data["gpus"] or "")
    return TrainOptions(name=_run_name(name), **data)


def ui_from_options(options: TrainOptions) -> dict:
    """Component values (by UI key) that show `options`."""
    values = {key: getattr(options, key) for key in UI_KEYS if hasattr(options, key)}
    values["beta1"], values["beta2"] = options.betas
    values["grad_clip"] = options.grad_clip or 0
    values["gpus"] = "-".join(map(str, options.gpus))
    for key in _OPTIONAL_TEXTS:
        values[key] = values[key] or ""
    return values


def saved_precision() -> str:
    """The precision chosen in the Settings tab: the Precision shown when the page loads."""
    return settings_tab.current().precision


def list_runs() -> list[str]:
    """Run folders in the logs folder."""
    root = paths.logs_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def list_presets() -> list[str]:
    """Preset names (JSON files in the presets folder)."""
    return sorted(p.stem for p in PRESETS_DIR.glob("*.json")) if PRESETS_DIR.is_dir() else []


def save_preset(preset: str, name: str, *values) -> tuple[str, dict]:
    """Write the current training options as `<preset>.json`; return the result line and the refreshed list."""
    try:
        preset = (preset or "").strip()
        if not preset or "/" in preset or "\\" in preset or preset.startswith("."):
            raise RVCError("enter a preset name (a plain file name without slashes)")
        options = options_from_ui(name or "preset", dict(zip(UI_KEYS, values, strict=True)))
        path = options.save(PRESETS_DIR / f"{preset}.json")
    except (RVCError, OSError) as error:
        return f"❌ Preset not saved: {error}", gr.update()
    return f"✅ Preset saved: `{path}`", gr.update(choices=list_presets(), value=preset)


def load_preset(preset: str | None) -> list:
    """The training component values of preset `preset` (the run name stays), then the result line."""
    try:
        if not preset:
            raise RVCError("choose a preset")
        options = TrainOptions.load(PRESETS_DIR / f"{preset}.json", name="preset")
    except RVCError as error:
        return [gr.update() for _ in UI_KEYS] + [f"❌ {error}"]
    values = ui_from_options(options)
    return [values[key] for key in UI_KEYS] + [f"✅ Loaded preset `{preset}`."]


def start_training(name: str, *values) -> tuple[str, gr.Timer]:
    """Start training with the page's options; the result line, and the progress timer switched on."""
    try:
        options = options_from_ui(name, dict(zip(UI_KEYS, values, strict=True)))
        notice = options.pretrained_notice()
        job = launcher.start_training(options)
    except (RVCError, OSError) as error:
        return f"❌ {error}", gr.Timer(active=False)
    message = f"✅ Training of `{options.name}` started (pid {job.pid}); log: `{job.log_file}`."
    if notice:
        message += f"\n\n⚠️ {notice}"
    return message, gr.Timer(active=True)


def resume_training(name: str) -> tuple[str, gr.Timer]:
    """Start the run again with the options it was last started with; the trainer resumes from its checkpoint."""
    try:
        name = _run_name(name)
        saved = RunLayout.named(name).train_options
        if not saved.is_file():
            raise RVCError(f"run {name!r} was never started here ({saved} is missing); press Start training")
        job = launcher.start_training(TrainOptions.load(saved, name=name))
    except (RVCError, OSError) as error:
        return f"❌ {error}", gr.Timer(active=False)
    return f"✅ Training of `{name}` resumed (pid {job.pid}) from its latest checkpoint.", gr.Timer(active=True)


def stop_training(name: str) -> str:
    """Stop the run's training process tree."""
    try:
        name = _run_name(name)
        stopped = launcher.stop_training(name)
    except RVCError as error:
        return f"❌ {error}"
    if not stopped:
        return f"Nothing is training for `{name}`."
    return f"⏹️ Training of `{name}` stopped. Press Resume to continue from the last saved checkpoint."


def open_tensorboard(name: str) -> str:
    """Start (or find) TensorBoard on the run's `eval/` folder; a link to it."""
    try:
        name = _run_name(name)
        if not RunLayout.named(name).root.is_dir():
            raise RVCError(f"run {name!r} does not exist yet in {paths.logs_dir()}")
        url = launcher.start_tensorboard(name)
    except (RVCError, OSError) as error:
        return f"❌ {error}"
    return f"📈 TensorBoard for `{name}`: [{url}]({url}) (give it a few seconds to start)."


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def progress_markdown(name: str, progress: TrainingProgress | None, running: bool) -> str:
    """Status, epoch, step, ETA and a table of the latest and averaged losses."""
    if progress is None:
        return f"`{name}` is starting…" if running else f"No training progress for `{name}` yet."
    status = progress.status
    if not running and progress.active:
        status = "stopped (press Resume to continue)"
    parts = [f"**{status.capitalize()}**"]
    if progress.epoch is not None:
        parts.append(f"epoch {progress.epoch}/{progress.epochs if progress.epochs is not None else '?'}")
    if progress.step is not None:
        per_epoch = f" ({progress.steps_per_epoch} per epoch)" if progress.steps_per_epoch else ""
        parts.append(f"step {progress.step}{per_epoch}")
    if running and progress.eta_seconds is not None:
        parts.append(f"ETA {_duration(progress.eta_seconds)}")
    lines = [" · ".join(parts)]
    losses, averaged = progress.losses, progress.averaged
    if losses or averaged:
        lines += ["", "| loss | latest | running average |", "|---|---|---|"]
        for tag in sorted(set(losses) | set(averaged)):
            cells = [f"{table[tag]:.4f}" if tag in table else "–" for table in (losses, averaged)]
            lines.append(f"| {tag} | {cells[0]} | {cells[1]} |")
    if progress.message:
        lines += ["", progress.message]
    return "\n".join(lines)


def loss_frame(progress: TrainingProgress | None):
    """The progress history as a long table (step, loss, value) for the loss plot."""
    import pandas as pd

    history = progress.history if progress is not None else ()
    rows = [(record.step, tag, value) for record in history for tag, value in record.values.items()]
    return pd.DataFrame(rows, columns=["step", "loss", "value"]).astype({"step": "int64", "value": "float64"})


def refresh_progress(name: str) -> tuple[str, object, str, gr.Timer]:
    """Progress text, loss plot data, log tail, and the timer kept on only while training runs."""
    try:
        name = _run_name(name)
    except RVCError:
        return "Choose a run to see its progress.", loss_frame(None), "", gr.Timer(active=False)
    running = launcher.is_training(name)
    progress = launcher.read_progress(name)
    return (
        progress_markdown(name, progress, running),
        loss_frame(progress),
        launcher.tail_log(name, LOG_LINES),
        gr.Timer(active=running),
    )


def run_preprocess(
    name: str,
    dataset: str,
    sample_rate: int,
    cut_mode: str,
    chunk: float,
    overlap: float,
    high_pass: bool,
    normalize: str,
    noise_reduction: bool,
    noise_strength: float,
    workers: int,
    progress: gr.Progress = gr.Progress(),  # noqa: B008 - gradio injects it
) -> str:
    """Slice the dataset folder into the run (as `python -m rvc preprocess`)."""
    from rvc.train.preprocess import PreprocessOptions, format_duration, preprocess_dataset

    try:
        options = PreprocessOptions(
            sample_rate=int(sample_rate),
            cut_mode=cut_mode,
            chunk_seconds=float(chunk),
            overlap_seconds=float(overlap),
            high_pass=bool(high_pass),
            normalize=normalize,
            noise_reduction=bool(noise_reduction),
            noise_strength=float(noise_strength),
        )
        if not (dataset or "").strip():
            raise RVCError("enter the dataset folder (one sub-folder per speaker, or audio files directly)")
        result = preprocess_dataset(
            _run_name(name),
            dataset.strip(),
            options,
            workers=int(workers),
            progress=lambda done, total: progress((done, total), desc="Preprocessing", unit="files"),
        )
    except (RVCError, OSError) as error:
        return f"❌ {error}"
    summary = (
        f"✅ {result.slices} slices from {result.files} files ({format_duration(result.seconds)} of audio, "
        f"{len(result.speakers)} speaker(s)) in `{result.run_dir}`."
    )
    lines = [summary]
    lines += [f"- skipped: {reason}" for _path, reason in result.failures]
    return "\n".join(lines)


def run_extract(
    name: str,
    sample_rate: int,
    version: str,
    use_f0: bool,
    f0_method: str,
    hop: int,
    embedder: str,
    mute_files: int,
    device: str,
    progress: gr.Progress = gr.Progress(),  # noqa: B008 - gradio injects it
) -> str:
    """Pitch and content features, then the filelist (as `python -m rvc extract`)."""
    from rvc.train.extract import ExtractOptions, extract_run

    try:
        options = ExtractOptions(
            sample_rate=int(sample_rate),
            f0_method=f0_method,
            hop=int(hop),
            embedder=embedder,
            version=version,
            use_f0=bool(use_f0),
            mute_files=int(mute_files),
            device=device,
        )
        result = extract_run(
            _run_name(name),
            options,
            progress=lambda done, total: progress((done, total), desc="Extracting", unit="slices"),
        )
    except (RVCError, OSError) as error:
        return f"❌ {error}"
    summary = (
        f"✅ pitch: {result.pitch_done} new, features: {result.features_done} new, {result.skipped} already done; "
        f"filelist: {result.filelist_items} items."
    )
    lines = [summary]
    lines += [f"- failed: {slice_name}: {reason}" for slice_name, reason in result.failures]
    return "\n".join(lines)


def run_index(name: str) -> str:
    """Build the run's faiss index (as `python -m rvc index`)."""
    from rvc.train.index import build_index_file

    try:
        layout = RunLayout.named(_run_name(name))
        path = build_index_file(layout.features, layout.index_path())
    except (RVCError, OSError) as error:
        return f"❌ {error}"
    return f"✅ Index written: `{path}` (pick it in the Inference tab after Refresh)."


def _training_components(default: TrainOptions) -> dict[str, gr.components.Component]:
    """The components of every training option, keyed as in UI_KEYS, showing `default`."""
    values = ui_from_options(default)
    c: dict[str, gr.components.Component] = {}
    with gr.Row():
        c["epochs"] = gr.Slider(1, 10000, values["epochs"], step=1, label="Total epochs")
        c["batch_size"] = gr.Slider(1, 64, values["batch_size"], step=1, label="Batch size (per process)")
        c["save_every"] = gr.Slider(1, 500, values["save_every"], step=1, label="Save every N epochs")
    with gr.Row():
        c["keep_latest_only"] = gr.Checkbox(values["keep_latest_only"], label="Keep only the latest checkpoint")
        c["export_every_save"] = gr.Checkbox(values["export_every_save"], label="Export a voice at each save")
        c["cache_in_memory"] = gr.Checkbox(values["cache_in_memory"], label="Cache dataset in memory")
    with gr.Row():
        c["pretrained"] = gr.Checkbox(values["pretrained"], label="Start from pretrained G/D")
        c["pretrained_g"] = gr.Textbox(values["pretrained_g"], label="Custom pretrained G (.pth)", placeholder="auto")
        c["pretrained_d"] = gr.Textbox(values["pretrained_d"], label="Custom pretrained D (.pth)", placeholder="auto")
    with gr.Accordion("Optimizer and schedule", open=False):
        with gr.Row():
            c["optimizer"] = gr.Radio(
                list(OPTIMIZERS), value=values["optimizer"], label="Optimizer",
                info="Ranger2020 = RAdam + LookAhead (k=6, α=0.5)",
            )  # fmt: skip
            c["gradient_centralization"] = gr.Checkbox(
                values["gradient_centralization"], label="Gradient centralization (Ranger2020)"
            )
        with gr.Row():
            c["lr_g"] = gr.Number(values["lr_g"], label="Initial LR of the generator")
            c["lr_d"] = gr.Number(values["lr_d"], label="Initial LR of the discriminator")
            c["lr_decay"] = gr.Number(values["lr_decay"], label="LR decay per epoch (γ)")
        with gr.Row():
            c["beta1"] = gr.Number(values["beta1"], label="β1")
            c["beta2"] = gr.Number(values["beta2"], label="β2")
            c["eps"] = gr.Number(values["eps"], label="ε")
            c["weight_decay"] = gr.Number(values["weight_decay"], label="Weight decay")
        with gr.Row():
            c["warmup_epochs"] = gr.Slider(0, 100, values["warmup_epochs"], step=1, label="Warmup epochs (0 = off)")
            c["warmup_shape"] = gr.Radio(list(WARMUP_SHAPES), value=values["warmup_shape"], label="Warmup shape")
        with gr.Row():
            c["grad_clip"] = gr.Number(values["grad_clip"], minimum=0, label="Gradient-norm limit (0 = off)")
            c["head_start"] = gr.Radio(
                list(HEAD_STARTS), value=values["head_start"], label="Head start: train only G or only D first"
            )
            c["head_start_steps"] = gr.Number(
                values["head_start_steps"], precision=0, minimum=0, label="Head-start steps"
            )
    with gr.Accordion("Losses, precision and devices", open=False):
        with gr.Row():
            c["running_loss_window"] = gr.Slider(
                1, 10000, values["running_loss_window"], step=1, label="Average running loss window (steps)",
                info="about 15-25 % of the steps per epoch",
            )  # fmt: skip
            c["mel_loss"] = gr.Radio(list(MEL_LOSSES), value=values["mel_loss"], label="Mel loss")
            c["precision"] = gr.Radio(
                list(PRECISIONS),
                value=saved_precision,
                label="Precision",
                info="default from the Settings tab; falls back to fp32 where unsupported",
            )
        with gr.Row():
            c["device"] = gr.Radio(["cpu", "cuda"], value=values["device"], label="Device")
            c["gpus"] = gr.Textbox(values["gpus"], label="GPUs", placeholder="0 or 0-1 (one DDP process each)")
            c["cpu_processes"] = gr.Slider(
                1, max(os.cpu_count() or 1, 1), values["cpu_processes"], step=1, label="CPU processes (DDP with gloo)"
            )
        with gr.Row():
            c["seed"] = gr.Number(values["seed"], precision=0, label="Seed")
            c["holdout"] = gr.Number(
                values["holdout"], precision=0, minimum=0, label="Held-out slices scored per epoch"
            )
            c["author"] = gr.Textbox(values["author"], label="Author (stored in the voice)")
    return c


def build() -> None:
    """Add the tab's components to the current `gr.Tab`."""
    from rvc.features.f0 import METHODS
    from rvc.prerequisites import DEFAULT_EMBEDDER, EMBEDDERS

    default = TrainOptions(name="preset")
    values = ui_from_options(default)
    gr.Markdown("Dataset folder → preprocess → extract → train → index. The voice and index land in the run folder.")
    with gr.Row():
        name = gr.Dropdown(list_runs(), value=None, allow_custom_value=True, label="Run name", scale=3)
        refresh_runs = gr.Button("🔄", scale=0, min_width=60)
    c: dict[str, gr.components.Component] = {}
    with gr.Row():
        c["sample_rate"] = gr.Radio(list(SAMPLE_RATES), value=values["sample_rate"], label="Sample rate")
        c["vocoder"] = gr.Radio(list(VOCODERS), value=values["vocoder"], label="Vocoder")
        c["version"] = gr.Radio(["v2", "v1"], value=values["version"], label="Version")
        c["use_f0"] = gr.Checkbox(values["use_f0"], label="Pitch guidance")

    with gr.Accordion("1. Preprocess", open=True):
        with gr.Row():
            dataset = gr.Textbox(label="Dataset folder", placeholder="folder of recordings; one sub-folder per speaker")
            workers = gr.Slider(1, max(os.cpu_count() or 1, 1), os.cpu_count() or 1, step=1, label="Worker processes")
        with gr.Row():
            cut_mode = gr.Radio(["automatic", "simple", "skip"], value="automatic", label="Audio cutting")
            chunk = gr.Slider(0.5, 30.0, 3.0, step=0.1, label="Chunk length (s)")
            overlap = gr.Slider(0.0, 0.4, 0.3, step=0.1, label="Overlap (s)")
        with gr.Row():
            high_pass = gr.Checkbox(True, label="48 Hz high-pass")
            normalize = gr.Radio(["pre", "post", "none"], value="pre", label="Normalisation")
            noise_reduction = gr.Checkbox(False, label="Noise reduction")
            noise_strength = gr.Slider(0.0, 1.0, 0.7, step=0.05, label="Noise-reduction strength")
        preprocess_button = gr.Button("Preprocess dataset", variant="primary")
        preprocess_result = gr.Markdown()

    with gr.Accordion("2. Extract features", open=True):
        with gr.Row():
            f0_method = gr.Dropdown(list(METHODS), value="rmvpe", allow_custom_value=True, label="Pitch method")
            hop = gr.Slider(1, 512, 160, step=1, label="Pitch hop (16 kHz samples)")
            embedder = gr.Dropdown(list(EMBEDDERS), value=DEFAULT_EMBEDDER, allow_custom_value=True, label="Embedder")
        with gr.Row():
            mute_files = gr.Slider(0, 10, 2, step=1, label="Silent (mute) files per speaker")
            extract_device = gr.Radio(["cpu", "cuda"], value="cpu", label="Extraction device")
        extract_button = gr.Button("Extract features", variant="primary")
        extract_result = gr.Markdown()

    with gr.Accordion("3. Train", open=True):
        c.update(_training_components(default))
        with gr.Row():
            preset = gr.Dropdown(list_presets(), value=None, allow_custom_value=True, label="Preset", scale=3)
            load_button = gr.Button("Load preset", scale=1)
            save_button = gr.Button("Save preset", scale=1)
        preset_result = gr.Markdown()
        with gr.Row():
            start_button = gr.Button("Start training", variant="primary")
            resume_button = gr.Button("Resume")
            stop_button = gr.Button("Stop", variant="stop")
            tensorboard_button = gr.Button("Open TensorBoard")
        train_result = gr.Markdown()
        status = gr.Markdown()
        plot = gr.LinePlot(loss_frame(None), x="step", y="value", color="loss", label="Losses", height=300)
        refresh_button = gr.Button("Refresh progress", size="sm")
        log = gr.Textbox(label="Training log (latest lines)", lines=10, max_lines=10, interactive=False)
        timer = gr.Timer(POLL_SECONDS, active=False)

    with gr.Accordion("4. Index", open=True):
        index_button = gr.Button("Build index", variant="primary")
        index_result = gr.Markdown()

    training = [c[key] for key in UI_KEYS]
    progress_outputs = [status, plot, log, timer]
    private = {"api_visibility": "private"}
    refresh_runs.click(lambda: gr.update(choices=list_runs()), outputs=name, **private)
    name.change(refresh_progress, inputs=name, outputs=progress_outputs, **private)
    preprocess_button.click(
        run_preprocess,
        inputs=[name, dataset, c["sample_rate"], cut_mode, chunk, overlap, high_pass, normalize, noise_reduction,
                noise_strength, workers],
        outputs=preprocess_result,
        **private,
    )  # fmt: skip
    extract_button.click(
        run_extract,
        inputs=[
            name,
            c["sample_rate"],
            c["version"],
            c["use_f0"],
            f0_method,
            hop,
            embedder,
            mute_files,
            extract_device,
        ],
        outputs=extract_result,
        **private,
    )
    save_button.click(save_preset, inputs=[preset, name, *training], outputs=[preset_result, preset], **private)
    load_button.click(load_preset, inputs=preset, outputs=[*training, preset_result], **private)
    start_button.click(start_training, inputs=[name, *training], outputs=[train_result, timer], **private)
    resume_button.click(resume_training, inputs=name, outputs=[train_result, timer], **private)
    stop_button.click(stop_training, inputs=name, outputs=train_result, **private).then(
        refresh_progress, inputs=name, outputs=progress_outputs, **private
    )
    tensorboard_button.click(open_tensorboard, inputs=name, outputs=train_result, **private)
    refresh_button.click(refresh_progress, inputs=name, outputs=progress_outputs, **private)
    timer.tick(refresh_progress, inputs=name, outputs=progress_outputs, **private)
    index_button.click(run_index, inputs=name, outputs=index_result, **private)
