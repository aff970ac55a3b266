"""Train tab: preprocess → extract → train (child process, live progress) → index, with JSON presets.

Each section calls the same functions as `python -m rvc preprocess|extract|train|index`; this
module only turns component values into their arguments and results into page text.
"""

from __future__ import annotations

import functools
import os

import gradio as gr

from rvc import paths
from rvc.errors import RVCError
from rvc.option_spec import option_fields
from rvc.presets import preset_file, preset_names
from rvc.tools.custom_pretrained import custom_pretrained_dir, custom_pretrained_names
from rvc.train import launcher
from rvc.train.heldout import SCORES, TAG_PREFIX
from rvc.train.layout import RunLayout
from rvc.train.options import TrainOptions
from rvc.train.progress import TrainingProgress
from tabs import settings as settings_tab
from tabs.dataset_check_ui import build_dataset_check
from tabs.dataset_upload_ui import build_dataset_upload, dataset_choices
from tabs.option_controls import control_value, option_control, option_value, ui_option_names

POLL_SECONDS = 2.0
LOG_LINES = 30
TRAINING_FIELDS = tuple(ui_option_names(TrainOptions))
"""The training options the page shows, in the order of their components' values in event inputs and outputs."""
SHARED_FIELDS = ("sample_rate", "vocoder", "version", "use_f0")
"""Training options shown above the steps, because preprocess and extract use them too."""
_OPEN_GROUPS = ("schedule", "model")
_PER_ROW = 4
UNPLOTTED_PREFIXES = (TAG_PREFIX, "grad/")
"""History tags left out of the Losses plot: held-out scores (their own plot) and gradient norms, which reach
thousands and would flatten every loss curve (the progress table still lists them)."""
DEFAULT_SCORE = TrainOptions.__dataclass_fields__["best_score"].default
"""The held-out score plotted until the user picks another: the one that picks the best voice by default."""


def _run_name(name: str | None) -> str:
    return paths.check_run_name((name or "").strip())


def options_from_ui(name: str, values: dict) -> TrainOptions:
    """The TrainOptions the page's training components describe (validated); `values` by field name."""
    data = {key: option_value(TrainOptions, key, values[key]) for key in TRAINING_FIELDS}
    return TrainOptions(name=_run_name(name), **data)


def ui_from_options(options: TrainOptions) -> dict:
    """Component values (by field name) that show `options`."""
    return {key: control_value(TrainOptions, key, getattr(options, key)) for key in TRAINING_FIELDS}


def saved_precision() -> str:
    """The precision chosen in the Settings tab: the Precision shown when the page loads."""
    return settings_tab.current().precision


def list_runs() -> list[str]:
    """Run folders in the logs folder."""
    root = paths.logs_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def use_custom_pretrained(name: str | None) -> tuple[dict, dict, dict]:
    """Pretrained on, and the G and D paths of custom pair `name` (nothing changes without a pair)."""
    if not name:
        return gr.update(), gr.update(), gr.update()
    folder = custom_pretrained_dir(name)
    return gr.update(value=True), gr.update(value=str(folder / "G.pth")), gr.update(value=str(folder / "D.pth"))


def list_presets() -> list[str]:
    """Training preset names (JSON files in the presets folder)."""
    return preset_names(paths.presets_dir())


def save_preset(preset: str, name: str, *values) -> tuple[str, dict]:
    """Write the current training options as `<preset>.json`; return the result line and the refreshed list."""
    try:
        path = preset_file(paths.presets_dir(), preset)
        options = options_from_ui(name or "preset", dict(zip(TRAINING_FIELDS, values, strict=True)))
        path = options.save(path)
        preset = path.stem
    except (RVCError, OSError) as error:
        return f"❌ Preset not saved: {error}", gr.update()
    return f"✅ Preset saved: `{path}`", gr.update(choices=list_presets(), value=preset)


def load_preset(preset: str | None) -> list:
    """The training component values of preset `preset` (the run name stays), then the result line."""
    try:
        if not preset:
            raise RVCError("choose a preset")
        options = TrainOptions.load(preset_file(paths.presets_dir(), preset), name="preset")
    except RVCError as error:
        return [gr.update() for _ in TRAINING_FIELDS] + [f"❌ {error}"]
    values = ui_from_options(options)
    return [values[key] for key in TRAINING_FIELDS] + [f"✅ Loaded preset `{preset}`."]


def start_training(name: str, *values) -> tuple[str, gr.Timer]:
    """Start training with the page's options; the result line, and the progress timer switched on."""
    try:
        options = options_from_ui(name, dict(zip(TRAINING_FIELDS, values, strict=True)))
        notice = options.pretrained_notice()
        launcher.check_can_train(options)
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
        options = TrainOptions.load(saved, name=name)
        launcher.check_can_train(options)
        job = launcher.start_training(options)
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
    """Status, epoch, step, ETA and a table of the latest and averaged losses.

    A run started again keeps its last run's finished (or failed) record until its first step: while the process
    runs, that record says nothing about it.
    """
    if progress is None or (running and not progress.active):
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
    if progress.warning:
        lines += ["", f"⚠️ **{progress.warning}**"]
    best = progress.best
    if best is not None:
        label = SCORES[best.score].label
        lines += [
            "",
            f"Best held-out voice `{name}_best.pth`: epoch {best.epoch}, step {best.step}, {label} {best.value:.4f}",
        ]
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
    """The progress history's losses (held-out scores and gradient norms left out) as a long table (step, loss,
    value)."""
    import pandas as pd

    history = progress.history if progress is not None else ()
    rows = [
        (record.step, tag, value)
        for record in history
        for tag, value in record.values.items()
        if not tag.startswith(UNPLOTTED_PREFIXES)
    ]
    return pd.DataFrame(rows, columns=["step", "loss", "value"]).astype({"step": "int64", "value": "float64"})


def heldout_frame(progress: TrainingProgress | None, score: str = DEFAULT_SCORE):
    """The history of held-out score `score` as a table (step, score label, value) for the held-out plot."""
    import pandas as pd

    history = progress.history if progress is not None else ()
    tag, label = TAG_PREFIX + score, SCORES[score].label
    rows = [(record.step, label, record.values[tag]) for record in history if tag in record.values]
    return pd.DataFrame(rows, columns=["step", "score", "value"]).astype({"step": "int64", "value": "float64"})


def curves_image(frame, column: str, title: str):
    """`frame` (step, `column`, value) drawn as one line per `column` category: `[H, W, 3]` uint8.

    Drawn here rather than by Gradio's LinePlot, which keeps the colour scale of its first (empty) data and then
    draws no line for the categories that arrive later.
    """
    return _drawn_curves(tuple(frame[["step", column, "value"]].itertuples(index=False, name=None)), title)


@functools.lru_cache(maxsize=8)
def _drawn_curves(rows: tuple[tuple[int, str, float], ...], title: str):
    """The image of `rows` (step, label, value); cached, as the progress timer asks again every few seconds while
    the history changes only at each save, and drawing costs the training CPU time."""
    from rvc.tools import plots

    curves: dict[str, tuple[list[int], list[float]]] = {}
    for step, label, value in rows:
        steps, values = curves.setdefault(label, ([], []))
        steps.append(step)
        values.append(value)
    image = plots.figure_pixels(plots.curves_figure(curves, title))
    image.flags.writeable = False
    return image


def _plots(progress: TrainingProgress | None, score: str) -> tuple[object, object]:
    """Loss and held-out (`score`) plot images of `progress`."""
    return (
        curves_image(loss_frame(progress), "loss", "Losses"),
        curves_image(heldout_frame(progress, score), "score", "Held-out scores"),
    )


def refresh_progress(name: str, score: str = DEFAULT_SCORE) -> tuple[str, object, object, str, gr.Timer]:
    """Progress text, loss and held-out (`score`) plot images, log tail, and the timer kept on only while training."""
    score = score if score in SCORES else DEFAULT_SCORE
    try:
        name = _run_name(name)
    except RVCError:
        return "Choose a run to see its progress.", *_plots(None, score), "", gr.Timer(active=False)
    running = launcher.is_training(name)
    progress = launcher.read_progress(name)
    return (
        progress_markdown(name, progress, running),
        *_plots(progress, score),
        launcher.tail_log(name, LOG_LINES),
        gr.Timer(active=running),
    )


def _step_options(cls: type, values: tuple, **shared) -> object:
    """`cls` (PreprocessOptions or ExtractOptions) from its controls' `values`, in field order, and `shared` ones."""
    names = ui_option_names(cls)
    return cls(**shared, **{key: option_value(cls, key, raw) for key, raw in zip(names, values, strict=True)})


def run_preprocess(
    name: str,
    dataset: str,
    workers: int,
    sample_rate: int,
    progress: gr.Progress = gr.Progress(),  # noqa: B008 - gradio injects it (before the option values)
    *values,
) -> str:
    """Slice the dataset folder into the run (as `python -m rvc preprocess`); `values` of the Preprocess controls."""
    from rvc.train.preprocess import PreprocessOptions, format_duration, preprocess_dataset

    try:
        sample_rate = option_value(TrainOptions, "sample_rate", sample_rate)
        options = _step_options(PreprocessOptions, values, sample_rate=sample_rate)
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
    progress: gr.Progress = gr.Progress(),  # noqa: B008 - gradio injects it (before the option values)
    *values,
) -> str:
    """Pitch and content features, then the filelist (as `python -m rvc extract`); `values` of the Extract controls."""
    from rvc.train.extract import ExtractOptions, extract_run

    try:
        shared = {key: option_value(TrainOptions, key, raw) for key, raw in
                  (("sample_rate", sample_rate), ("version", version), ("use_f0", use_f0))}  # fmt: skip
        options = _step_options(ExtractOptions, values, **shared)
        result = extract_run(
            _run_name(name),
            options,
            progress=lambda done, total: progress((done, total), desc="Extracting", unit="slices"),
        )
    except (RVCError, OSError) as error:
        return f"❌ {error}"
    summary = (
        f"✅ pitch: {result.pitch_done} new, features: {result.features_done} new, {result.skipped} already done; "
        f"filelist: {result.filelist_items} items; {result.device}."
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


def _option_rows(names: list[str], components: dict[str, gr.components.Component]) -> None:
    """The controls of training options `names`, `_PER_ROW` to a row, added to `components` by field name."""
    for start in range(0, len(names), _PER_ROW):
        with gr.Row():
            for key in names[start : start + _PER_ROW]:
                value = saved_precision if key == "precision" else None
                components[key] = option_control(TrainOptions, key, value)


def _training_components() -> dict[str, gr.components.Component]:
    """The controls of every training option but the shared ones, by option group, keyed by field name."""
    groups: dict[str, list[str]] = {}
    for item in option_fields(TrainOptions):
        if item.spec.ui and item.name not in SHARED_FIELDS:
            groups.setdefault(item.spec.group, []).append(item.name)
    components: dict[str, gr.components.Component] = {}
    for group, names in groups.items():
        if group in _OPEN_GROUPS:
            _option_rows(names, components)
            continue
        with gr.Accordion(group.capitalize(), open=False):
            _option_rows(names, components)
    return components


def _step_controls(cls: type) -> list[gr.components.Component]:
    """The controls of a step's options (PreprocessOptions or ExtractOptions) in field order, `_PER_ROW` to a row."""
    names = ui_option_names(cls)
    controls = []
    for start in range(0, len(names), _PER_ROW):
        with gr.Row():
            controls += [option_control(cls, key) for key in names[start : start + _PER_ROW]]
    return controls


def build() -> None:
    """Add the tab's components to the current `gr.Tab`."""
    from rvc.train.extract import ExtractOptions
    from rvc.train.preprocess import PreprocessOptions

    gr.Markdown("Dataset folder → preprocess → extract → train → index. The voice and index land in the run folder.")
    with gr.Row():
        name = gr.Dropdown(list_runs(), value=None, allow_custom_value=True, label="Run name", scale=3)
        refresh_runs = gr.Button("🔄", scale=0, min_width=60)
    with gr.Row():
        c = {key: option_control(TrainOptions, key) for key in SHARED_FIELDS}

    with gr.Accordion("1. Preprocess", open=True):
        with gr.Row():
            dataset = gr.Dropdown(
                dataset_choices(), value=None, allow_custom_value=True, label="Dataset folder",
                info="A folder of recordings (one sub-folder per speaker): type its path, or pick an uploaded dataset.",
            )  # fmt: skip
            cores = max(os.cpu_count() or 1, 1)
            workers = gr.Slider(1, cores, cores, step=1, label="Worker processes")
        build_dataset_upload(dataset)
        build_dataset_check(dataset)
        preprocess_controls = _step_controls(PreprocessOptions)
        preprocess_button = gr.Button("Preprocess dataset", variant="primary")
        preprocess_result = gr.Markdown()

    with gr.Accordion("2. Extract features", open=True):
        extract_controls = _step_controls(ExtractOptions)
        extract_button = gr.Button("Extract features", variant="primary")
        extract_result = gr.Markdown()

    with gr.Accordion("3. Train", open=True):
        c.update(_training_components())
        with gr.Row(equal_height=True):
            custom_pair = gr.Dropdown(
                custom_pretrained_names(), value=None, label="Custom pretrained pair", scale=3,
                info="Pairs fetched in the Download tab (pretrained/custom/<name>/); Use fills the G and D paths.",
            )  # fmt: skip
            use_pair = gr.Button("Use it", scale=1)
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
        with gr.Row():
            empty_losses, empty_scores = _plots(None, DEFAULT_SCORE)
            image = {
                "type": "numpy",
                "interactive": False,
                "format": "png",
                "show_label": False,
                "buttons": ["download"],
            }
            plot = gr.Image(empty_losses, label="Losses", elem_id="train-losses-plot", **image)
            with gr.Column():
                heldout_plot = gr.Image(empty_scores, label="Held-out scores", elem_id="train-heldout-plot", **image)
                heldout_score = gr.Dropdown(
                    [(score.label, key) for key, score in SCORES.items()], value=DEFAULT_SCORE,
                    label="Held-out score to plot",
                )  # fmt: skip
        refresh_button = gr.Button("Refresh progress", size="sm")
        log = gr.Textbox(label="Training log (latest lines)", lines=10, max_lines=10, interactive=False)
        timer = gr.Timer(POLL_SECONDS, active=False)

    with gr.Accordion("4. Index", open=True):
        index_button = gr.Button("Build index", variant="primary")
        index_result = gr.Markdown()

    training = [c[key] for key in TRAINING_FIELDS]
    progress_outputs = [status, plot, heldout_plot, log, timer]
    progress_inputs = [name, heldout_score]
    private = {"api_visibility": "private"}
    gr.on(None, lambda: gr.update(choices=list_runs()), None, name, **private)  # page load
    gr.on(None, lambda: gr.update(choices=custom_pretrained_names()), None, custom_pair, **private)
    gr.on(None, lambda: gr.update(choices=dataset_choices()), None, dataset, **private)
    use_pair.click(
        use_custom_pretrained, custom_pair, [c["pretrained"], c["pretrained_g"], c["pretrained_d"]], **private
    )
    refresh_runs.click(lambda: gr.update(choices=list_runs()), outputs=name, **private)
    name.change(refresh_progress, inputs=progress_inputs, outputs=progress_outputs, **private)
    heldout_score.change(refresh_progress, inputs=progress_inputs, outputs=progress_outputs, **private)
    preprocess_button.click(
        run_preprocess,
        inputs=[name, dataset, workers, c["sample_rate"], *preprocess_controls],
        outputs=preprocess_result,
        **private,
    )
    extract_button.click(
        run_extract,
        inputs=[name, c["sample_rate"], c["version"], c["use_f0"], *extract_controls],
        outputs=extract_result,
        **private,
    )
    save_button.click(save_preset, inputs=[preset, name, *training], outputs=[preset_result, preset], **private)
    load_button.click(load_preset, inputs=preset, outputs=[*training, preset_result], **private)
    start_button.click(start_training, inputs=[name, *training], outputs=[train_result, timer], **private)
    resume_button.click(resume_training, inputs=name, outputs=[train_result, timer], **private)
    stop_button.click(stop_training, inputs=name, outputs=train_result, **private).then(
        refresh_progress, inputs=progress_inputs, outputs=progress_outputs, **private
    )
    tensorboard_button.click(open_tensorboard, inputs=name, outputs=train_result, **private)
    refresh_button.click(refresh_progress, inputs=progress_inputs, outputs=progress_outputs, **private)
    timer.tick(refresh_progress, inputs=progress_inputs, outputs=progress_outputs, **private)
    index_button.click(run_index, inputs=name, outputs=index_result, **private)
