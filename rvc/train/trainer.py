"""The training process: synthesizer + vocoder against the discriminators, on one or several devices.

Run as `python -m rvc.train.trainer --options logs/<name>/train_options.json` (the launcher in
`rvc.train.launcher` does that). It resumes from the run's latest G_/D_ pair by itself, saves atomically,
exports voices, logs to TensorBoard in `logs/<name>/eval/` and keeps `logs/<name>/progress.json`
(`rvc.train.progress`) current for the UI. Several processes (`gpus`, or `cpu_processes` on the CPU) train with DDP.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import math
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist

from rvc.configs import segment_frames
from rvc.devices import seeded_draws
from rvc.errors import RVCError
from rvc.train.checkpoint_files import LATEST_TAG, prune_after_save, resume_pair
from rvc.train.device_choice import training_device
from rvc.train.divergence import OTHER_PROCESS, DivergenceGuard
from rvc.train.layout import RunLayout
from rvc.train.optimizer_state import SETTINGS_KEY, mark_initial_lr, recorded_settings, restore_optimizer
from rvc.train.options import TrainOptions
from rvc.train.progress import FAILED, FINISHED, TRAINING, EpochRecord, TrainingProgress, read_progress, write_progress
from rvc.train.run_config import check_version
from rvc.train.running_loss import EpochMean, WindowAverage

RUNNING_LOSS_KEY = "running_loss"
"""G checkpoint entry with the partial window of the average running loss."""
STEP_PROGRESS_SECONDS = 10.0
"""Within an epoch, progress.json is rewritten after a step at most this often (and after the first step), so
the UI moves on during a long CPU epoch instead of waiting for its end."""
AVERAGE_TAGS = {
    "loss/g/total": "Average_Loss/Generator_Avg_Total",
    "loss/g/adv": "Average_Loss/Generator_Avg_ADV",
    "loss/g/fm": "Average_Loss/Generator_Avg_FM",
    "loss/g/mel": "Average_Loss/Generator_Avg_MEL",
    "loss/g/kl": "Average_Loss/Generator_Avg_KL",
    "loss/d/total": "Average_Loss/Discriminator_Avg_Total",
}


@dataclass
class Precision:
    """Autocast settings actually used, and why they differ from the request (if they do)."""

    name: str
    dtype: torch.dtype | None
    scaler: bool
    note: str = ""


def resolve_precision(requested: str, device: torch.device) -> Precision:
    """fp16 needs CUDA; bf16 needs a CUDA device that supports it; anything else falls back to fp32."""
    if requested == "fp32":
        return Precision("fp32", None, False)
    if device.type != "cuda":
        return Precision("fp32", None, False, f"{requested} needs a CUDA GPU; training in fp32 on {device.type}")
    if requested == "bf16" and not torch.cuda.is_bf16_supported():
        return Precision("fp32", None, False, "this GPU does not support bf16; training in fp32")
    return Precision(requested, torch.float16 if requested == "fp16" else torch.bfloat16, requested == "fp16")


def _split_holdout(entries: list, count: int, seed: int) -> tuple[list, list]:
    """(training entries, held-out entries): `count` real slices (never mute items), only if at least 4x remain."""
    real = sorted((e for e in entries if "mute" not in e.wav.parts), key=lambda e: str(e.wav))
    if count == 0 or len(real) < 5 * count:
        return entries, []
    held = set(random.Random(seed).sample(range(len(real)), count))
    held_paths = {real[i].wav for i in held}
    return [e for e in entries if e.wav not in held_paths], [real[i] for i in sorted(held)]


class Trainer:
    """One training process (rank) of a run."""

    def __init__(self, options: TrainOptions, rank: int = 0, world_size: int = 1, local_rank: int | None = None):
        from rvc.train.backends import set_backend_flags

        self.options, self.rank, self.world_size = options, rank, world_size
        self.layout = RunLayout.named(options.name)
        if not self.layout.config.is_file():
            raise RVCError(f"run {options.name!r} has no config.json; run preprocess and extract first")
        self.config = json.loads(self.layout.config.read_text(encoding="utf-8"))
        if self.config["data"]["sample_rate"] != options.sample_rate:
            raise RVCError(
                f"run {options.name!r} was extracted for {self.config['data']['sample_rate']} Hz, not "
                f"{options.sample_rate} Hz; train at that rate or preprocess a new run"
            )
        check_version(self.config, options.version, options.name)
        self.device, self.device_note = training_device(options, rank, world_size, local_rank)
        if options.gpus:
            torch.cuda.set_device(self.device)
        self.precision = resolve_precision(options.precision, self.device)
        set_backend_flags(
            tf32=options.tf32, cudnn_benchmark=options.cudnn_benchmark, deterministic=options.deterministic
        )
        self.hop = self.config["data"]["hop_length"]
        self.is_main = rank == 0
        self.writer = None
        self.window = WindowAverage(options.running_loss_window)
        self.best_tracker = None
        self.warning = ""

    def log(self, message: str) -> None:
        """Print a line from rank 0 (flushed, so the UI and CLI see it at once)."""
        if self.is_main:
            print(message, flush=True)

    def setup(self) -> None:
        """Data, models, optimizers, schedules; then resume or load pretrained weights."""
        from rvc.train.dataset import BucketSampler, TrainingDataset, collate
        from rvc.train.filelist import read_filelist

        o = self.options
        torch.manual_seed(o.seed)
        entries = read_filelist(self.layout.filelist, self.layout.root)
        if (entries[0].f0_coarse is not None) != o.use_f0:
            raise RVCError(
                f"the filelist of {o.name!r} was made {'with' if not o.use_f0 else 'without'} pitch; "
                "run extract again with the same pitch setting as training"
            )
        train_entries, holdout = _split_holdout(entries, o.holdout, o.seed)
        self.dataset = TrainingDataset(
            train_entries, self.config, cache_in_memory=o.cache_in_memory, cache_device=self.device
        )
        self.holdout = TrainingDataset(holdout, self.config, cache_in_memory=True)
        frames = [self.dataset.frames(i) for i in range(len(self.dataset))]
        self.sampler = BucketSampler(frames, o.batch_size, replicas=self.world_size, rank=self.rank, seed=o.seed)
        dropped = self.sampler.dropped_report(self.options.sample_rate / self.hop)
        if dropped:
            self.log(f"warning: {dropped}")
        self.loader = torch.utils.data.DataLoader(
            self.dataset,
            batch_sampler=self.sampler,
            collate_fn=collate,
            num_workers=0,
            pin_memory=self.device.type == "cuda" and not o.cache_in_memory,
        )

        self.build_models(speakers=max(e.speaker for e in entries) + 1)
        self.start_epoch, self.step = self._restore()

        if self.world_size > 1:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.generator = torch.nn.parallel.DistributedDataParallel(self.generator, device_ids=ids)
            self.discriminator = torch.nn.parallel.DistributedDataParallel(self.discriminator, device_ids=ids)

    def build_models(self, speakers: int) -> None:
        """Generator (speaker table of at least `speakers` rows), discriminator, optimizers, LR schedules, scaler."""
        from rvc.models.discriminators import build_discriminator
        from rvc.models.synthesizer import Synthesizer
        from rvc.models.synthesizer_config import SynthesizerConfig
        from rvc.train.gradient_checkpointing import enable_gradient_checkpointing
        from rvc.train.optimizers import build_optimizer, optimizer_settings
        from rvc.train.schedulers import LRSchedule

        o = self.options
        settings = SynthesizerConfig.from_json_config(self.config, training=True)
        settings = settings.replace(spk_embed_dim=max(settings.spk_embed_dim, speakers))
        self.generator = Synthesizer(
            **settings.as_kwargs(),
            use_f0=o.use_f0,
            text_enc_hidden_dim=self.config["model"]["text_enc_hidden_dim"],
            vocoder=o.vocoder,
        ).to(self.device)
        if o.gradient_checkpointing:
            enable_gradient_checkpointing(self.generator.dec)
        self.discriminator = build_discriminator(o.vocoder, o.version).to(self.device)
        settings_g, settings_d = optimizer_settings(o, "g"), optimizer_settings(o, "d")
        self.optim_g = build_optimizer(self.generator.parameters(), settings_g)
        self.optim_d = build_optimizer(self.discriminator.parameters(), settings_d)
        schedule = (o.lr_decay, o.warmup_epochs, o.warmup_shape, o.lr_schedule, o.lr_min, o.epochs)
        self.schedule_g = LRSchedule(settings_g.lr, *schedule)
        self.schedule_d = LRSchedule(settings_d.lr, *schedule)
        mark_initial_lr(self.optim_g, settings_g.lr)
        mark_initial_lr(self.optim_d, settings_d.lr)
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=self.precision.scaler)

    def _restore(self) -> tuple[int, int]:
        """(first epoch to train, global step): from the latest checkpoint pair, else from pretrained/scratch."""
        from rvc.models.checkpoints import load_checkpoint

        pair = resume_pair(self.layout.root)
        if pair is not None:
            scaler = self.scaler if self.precision.scaler else None
            stored_d = load_checkpoint(pair.discriminator, self.discriminator, scaler=scaler).stored
            state = load_checkpoint(pair.generator, self.generator, scaler=scaler)
            notices = [
                restore_optimizer(self.optim_g, self.options.optimizer, state.stored),
                restore_optimizer(self.optim_d, self.options.optimizer, stored_d),
            ]
            for notice in dict.fromkeys(filter(None, notices)):
                self.log(f"notice: {notice}")
            self.window.load_state_dict(state.stored.get(RUNNING_LOSS_KEY) or {})
            step = state.step if state.step is not None else state.epoch * len(self.sampler)
            self.log(f"resuming {self.options.name} after epoch {state.epoch} (step {step})")
            return state.epoch + 1, step
        self._load_pretrained()
        return 1, 0

    def _load_pretrained(self) -> None:
        """Load the pretrained pair (custom paths, else the public one for this rate/vocoder) or say why not."""
        from rvc.models.checkpoints import load_checkpoint
        from rvc.prerequisites import pretrained_for, pretrained_notice

        o = self.options
        if not o.pretrained:
            self.log("training from scratch (pretrained off)")
            return
        if o.pretrained_g or o.pretrained_d:
            pair = (Path(o.pretrained_g or ""), Path(o.pretrained_d or ""))
            missing = [str(p) for p in pair if not p.is_file()]
            if missing:
                raise RVCError(f"custom pretrained file not found: {missing[0]}; give both a G and a D file")
        else:
            notice = pretrained_notice(o.sample_rate, o.vocoder, o.version, o.use_f0)
            if notice:
                self.log(f"warning: {notice}; training from scratch")
                return
            pair = pretrained_for(o.sample_rate, o.vocoder, o.version, o.use_f0)
        load_checkpoint(pair[0], self.generator, resize_speakers=True)
        load_checkpoint(pair[1], self.discriminator)
        self.log(f"pretrained loaded: {pair[0].name}, {pair[1].name}")

    def _autocast(self):
        if self.precision.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.precision.dtype)

    def _clip(self, model: torch.nn.Module) -> float:
        """Clip to the gradient-norm limit (or only measure it when off); returns the norm before clipping."""
        limit = self.options.grad_clip if self.options.grad_clip is not None else float("inf")
        return float(torch.nn.utils.clip_grad_norm_(model.parameters(), limit))

    def _mel_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """The configured spectral loss between waveforms `[B, 1, N]`, weighted by `c_mel` (/3 for multi-scale)."""
        from rvc.train.losses import multi_resolution_stft_loss, multiscale_mel_loss

        c_mel = self.config["train"]["c_mel"]
        if self.options.mel_loss == "multi-scale":
            return multiscale_mel_loss(real, fake, self.options.sample_rate, self.options.vocoder) * (c_mel / 3)
        if self.options.mel_loss == "multi-resolution-stft":
            return multi_resolution_stft_loss(real.float(), fake.float()) * c_mel
        return torch.nn.functional.l1_loss(self._mel(real), self._mel(fake)) * c_mel

    def _mel(self, audio: torch.Tensor) -> torch.Tensor:
        """Log mel `[B, n_mels, frames]` of `audio` `[B, 1, N]` with the run's STFT and mel settings."""
        from rvc.train.mel import mel_spectrogram

        data = self.config["data"]
        return mel_spectrogram(
            audio.squeeze(1).float(),
            data["sample_rate"],
            data["filter_length"],
            self.hop,
            data["win_length"],
            data["n_mel_channels"],
            data["mel_fmin"],
            data["mel_fmax"],
        )

    def train_step(self, batch) -> dict[str, float]:
        """One generator/discriminator update (respecting the head start); its losses and gradient norms."""
        from rvc.models.commons import slice_segments
        from rvc.train.losses import (
            discriminator_loss,
            feature_matching_loss,
            generator_adversarial_loss,
            kl_loss,
        )

        o = self.options
        batch = batch.to(self.device)
        in_head_start = self.step < o.head_start_steps
        update_d = not (in_head_start and o.head_start == "generator")
        update_g = not (in_head_start and o.head_start == "discriminator")
        losses: dict[str, float] = {}
        grad_context = contextlib.nullcontext() if update_g else torch.no_grad()
        with grad_context, self._autocast():
            y_hat, ids_slice, _x_mask, z_mask, (_z, z_p, m_p, logs_p, _m_q, logs_q) = self.generator(
                batch.phone,
                batch.phone_lengths,
                batch.pitch,
                batch.pitchf,
                batch.spec,
                batch.spec_lengths,
                batch.sid,
            )
        segment = segment_frames(self.config) * self.hop
        wave = slice_segments(batch.wave, ids_slice * self.hop, segment)

        for d_step in range(o.d_steps if update_d else 0):
            if d_step:
                self.scaler.update()  # a loss scaler unscales each optimizer once per update
            with self._autocast():
                real, fake, _, _ = self.discriminator(wave, y_hat.detach())
            loss_d = discriminator_loss(real, fake)
            self.optim_d.zero_grad(set_to_none=True)
            self.scaler.scale(loss_d).backward()
            self.scaler.unscale_(self.optim_d)
            losses["grad/norm_d"] = self._clip(self.discriminator)
            self._step(self.optim_d, losses["grad/norm_d"])
            losses["loss/d/total"] = loss_d.item()

        if update_g:
            # The unwrapped module: this pass gives D no gradients, so DDP must not wait for them.
            discriminator = getattr(self.discriminator, "module", self.discriminator)
            with self._autocast():
                fake, fmap_real, fmap_fake = discriminator.generator_pass(wave, y_hat)
            mel = self._mel_loss(wave, y_hat)
            kl = kl_loss(z_p, logs_q, m_p, logs_p, z_mask) * self.config["train"]["c_kl"]
            fm = feature_matching_loss(fmap_real, fmap_fake)
            adv = generator_adversarial_loss(fake)
            total = adv + fm + mel + kl
            self.optim_g.zero_grad(set_to_none=True)
            self.scaler.scale(total).backward()
            self.scaler.unscale_(self.optim_g)
            losses["grad/norm_g"] = self._clip(self.generator)
            self._step(self.optim_g, losses["grad/norm_g"])
            losses.update(
                {
                    "loss/g/total": total.item(),
                    "loss/g/adv": adv.item(),
                    "loss/g/fm": fm.item(),
                    "loss/g/mel": mel.item(),
                    "loss/g/kl": kl.item(),
                }
            )
        self.scaler.update()
        self.step += 1
        self._last = (wave.detach(), y_hat.detach())
        return losses

    def _step(self, optimizer: torch.optim.Optimizer, norm: float) -> None:
        """Optimizer step; in fp32 a non-finite gradient norm skips the update instead of corrupting weights."""
        if not self.precision.scaler and not math.isfinite(norm):
            optimizer.zero_grad(set_to_none=True)
            self.log(f"warning: non-finite gradient norm at step {self.step}; update skipped")
            return
        self.scaler.step(optimizer)

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        """Held-out scores (`rvc.train.heldout`) of held-out slices converted by the current model, by tag; each slice's
        noise is drawn from a fixed seed, so the scores depend on the weights alone."""
        from rvc.train.dataset import collate
        from rvc.train.heldout import average_scores, score_pair, tagged

        if not len(self.holdout):
            return {}
        generator = getattr(self.generator, "module", self.generator)
        generator.eval()
        scores = []
        for index in range(len(self.holdout)):
            batch = collate([self.holdout[index]]).to(self.device)
            with seeded_draws(self.options.seed + index, self.device):
                audio, _, _ = generator.infer(
                    batch.phone, batch.phone_lengths, batch.pitch, batch.pitchf, batch.sid, noise_scale=0.0
                )
            n = min(audio.shape[-1], batch.wave.shape[-1])
            real, fake = batch.wave[..., :n].float(), audio[..., :n].float()
            scores.append(score_pair(real, fake, self.options.sample_rate, self._mel))
        generator.train()
        self._sample = fake[0].cpu()
        return tagged(average_scores(scores))

    def _watch_heldout(self, epoch: int, validation: dict[str, float]) -> bool:
        """At a save: export `<name>_best.pth` when the held-out score improved, warn while it has stalled
        (log, progress, TensorBoard); True when the run should stop (agreed by every process)."""
        from rvc.train.best_checkpoint import best_metadata, best_voice_path
        from rvc.train.export import export_voice
        from rvc.train.heldout import untagged

        stop = False
        if self.best_tracker is not None:
            verdict = self.best_tracker.update(epoch, self.step, untagged(validation))
            best = verdict.best
            if verdict.improved:
                path, metadata = best_voice_path(self.layout), best_metadata(best)
                export_voice(self.layout, self.generator, self.config, epoch=epoch, step=self.step,
                             author=self.options.author, path=path, extra_metadata=metadata)  # fmt: skip
                self.log(
                    f"held-out {best.score} {best.value:.4g} is the best of the saves so far: exported {path.name}"
                )
            self.warning, stop = verdict.warning, verdict.stop
            if verdict.warning:
                self.log(f"warning: {verdict.warning}")
                self.writer.add_text("overtraining", verdict.warning, self.step)
            if best is not None:
                self.writer.add_scalar("heldout/saves_since_best", best.saves_since, self.step)
        if self.world_size > 1:
            flag = torch.tensor([float(stop)], device=self.device)
            dist.broadcast(flag, src=0)
            stop = bool(flag.item())
        return stop

    def save(self, epoch: int, final: bool) -> None:
        """G_/D_ checkpoints (atomic) and, when asked or at the end, an exported voice."""
        from rvc.models.checkpoints import save_checkpoint
        from rvc.train.export import export_voice

        o = self.options
        tag = LATEST_TAG if o.keep_latest_only else self.step
        scaler = self.scaler if self.precision.scaler else None
        for prefix, model, optimizer, lr in (
            ("G", self.generator, self.optim_g, self.optim_g.param_groups[0]["lr"]),
            ("D", self.discriminator, self.optim_d, self.optim_d.param_groups[0]["lr"]),
        ):
            save_checkpoint(
                self.layout.root / f"{prefix}_{tag}.pth",
                model,
                optimizer,
                epoch=epoch,
                learning_rate=lr,
                step=self.step,
                scaler=scaler,
                extra={
                    SETTINGS_KEY: recorded_settings(o.optimizer, optimizer),
                    **({RUNNING_LOSS_KEY: self.window.state_dict()} if prefix == "G" else {}),
                },
            )
        prune_after_save(self.layout.root, tag, o.keep_latest_only)
        self.log(f"saved checkpoints G_{tag}.pth / D_{tag}.pth (epoch {epoch}, step {self.step})")
        if o.export_every_save or final:
            voice = export_voice(self.layout, self.generator, self.config, epoch=epoch, step=self.step, author=o.author)
            self.log(f"exported voice {voice.name}")

    def _write_progress(
        self,
        status: str,
        epoch: int,
        losses: dict[str, float],
        averaged: dict[str, float] | None,
        eta: float | None,
        history: list[EpochRecord],
        message: str = "",
    ) -> None:
        if not self.is_main:
            return
        write_progress(
            self.layout.progress,
            TrainingProgress(
                status=status,
                epoch=epoch,
                epochs=self.options.epochs,
                step=self.step,
                steps_per_epoch=len(self.sampler),
                losses=losses,
                averaged=averaged or {},
                eta_seconds=eta,
                history=tuple(history),
                message=message,
                updated=datetime.datetime.now().isoformat(timespec="seconds"),
                best=self.best_tracker.best if self.best_tracker is not None else None,
                warning=self.warning,
            ),
        )

    def _check_divergence(self, losses: dict[str, float], epoch: int, history: list[EpochRecord]) -> None:
        """Count this step's non-finite losses/norms (agreed across processes); stop the run once it has diverged."""
        bad = self.guard.bad(losses)
        if self.world_size > 1:
            flag = torch.tensor([float(bool(bad))], device=self.device)
            dist.all_reduce(flag, op=dist.ReduceOp.MAX)
            if flag.item() and not bad:
                bad = [OTHER_PROCESS]
        try:
            self.guard.update(bad, self.step)
        except RVCError as error:
            self.log(f"error: {error}")
            self._write_progress(FAILED, epoch, losses, None, None, history, str(error))
            if self.writer is not None:
                self.writer.close()
            raise

    def _log_images_and_audio(self, save_epoch: bool) -> None:
        """Mel images of the last batch's real and generated slice; at save epochs a held-out audio sample."""
        wave, y_hat = self._last
        mels = [self._mel(x[:1])[0].cpu() for x in (wave, y_hat)]
        for tag, mel in zip(("slice/mel_org", "slice/mel_gen"), mels, strict=True):
            image = (mel - mel.min()) / (mel.max() - mel.min()).clamp_min(1e-5)
            self.writer.add_image(tag, image.flip(0).unsqueeze(0), self.step)
        if save_epoch and getattr(self, "_sample", None) is not None:
            self.writer.add_audio(
                f"gen/audio_{self.step:07d}", self._sample.clamp(-1, 1), self.step, sample_rate=self.options.sample_rate
            )

    def fit(self) -> None:
        """Train from `start_epoch` to `options.epochs`."""
        o = self.options
        if self.is_main:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(log_dir=str(self.layout.eval_dir))
            self.log(self.device_note)
            if self.precision.note:
                self.log(f"warning: {self.precision.note}")
        history: list[EpochRecord] = []
        previous = read_progress(self.layout.progress) if self.is_main and self.start_epoch > 1 else None
        if previous is not None:
            history = [record for record in previous.history if record.epoch < self.start_epoch]
        if self.is_main and len(self.holdout):
            from rvc.train.best_checkpoint import tracker_for_run

            resumed, earlier = self.start_epoch > 1, getattr(previous, "best", None)
            self.best_tracker = tracker_for_run(
                self.layout, o.best_score, o.overtrain_saves, o.overtrain_stop, resumed=resumed, previous=earlier
            )
        elif o.holdout:
            self.log(f"no held-out slices (needs {5 * o.holdout} slices or more): no best voice or overtraining check")
        # With a loss scaler an overflowing gradient norm is routine (the scaler skips the step and lowers the scale).
        self.guard = DivergenceGuard(losses_only=self.precision.scaler)
        averaged = None
        if self.start_epoch > o.epochs:
            self.log(f"{o.name} already trained for {o.epochs} epochs; raise the epoch count to continue")
            self._write_progress(FINISHED, o.epochs, {}, None, 0.0, history, "already complete")
            return
        self.log(
            f"training {o.name}: epochs {self.start_epoch}-{o.epochs}, {len(self.sampler)} steps per epoch, "
            f"{o.vocoder}, {o.optimizer}, {self.precision.name} on {self.device}"
            f"{f' x{self.world_size}' if self.world_size > 1 else ''}; average running loss "
            f"{f'every {o.running_loss_window} steps' if o.running_loss_window else 'off'}"
        )
        started, start_step, written = time.monotonic(), self.step, None
        steps_per_epoch = len(self.sampler)

        def eta(steps_left: int) -> float:
            """Seconds left at this session's pace (steps, evaluations and saves alike) for `steps_left` steps."""
            return (time.monotonic() - started) / max(self.step - start_step, 1) * steps_left

        for epoch in range(self.start_epoch, o.epochs + 1):
            lr_g = self.schedule_g.apply(self.optim_g, epoch)
            lr_d = self.schedule_d.apply(self.optim_d, epoch)
            self.sampler.set_epoch(epoch)
            epoch_mean = EpochMean()
            for index, batch in enumerate(self.loader):
                losses = self.train_step(batch)
                self._check_divergence(losses, epoch, history)
                epoch_mean.add(losses)
                window_means = self.window.add(losses)
                if window_means is not None and self.is_main:
                    averaged = window_means
                    for name, value in window_means.items():
                        if name in AVERAGE_TAGS:
                            self.writer.add_scalar(AVERAGE_TAGS[name], value, self.step)
                    summary = ", ".join(
                        f"{k.split('/')[-1] if 'loss/g' in k else 'd'}={v:.3f}"
                        for k, v in window_means.items()
                        if k.startswith("loss/")
                    )
                    self.log(f"step {self.step}: average of last {o.running_loss_window} steps: {summary}")
                if self.is_main and (written is None or time.monotonic() - written >= STEP_PROGRESS_SECONDS):
                    left = (o.epochs - epoch + 1) * steps_per_epoch - index - 1
                    self._write_progress(TRAINING, epoch, losses, averaged, eta(left), history)
                    written = time.monotonic()
            means = epoch_mean.finish()
            save_epoch = epoch % o.save_every == 0 or epoch == o.epochs
            validation = self.evaluate() if self.is_main else {}
            stop = self._watch_heldout(epoch, validation) if save_epoch else False
            if self.is_main:
                for name, value in {**means, **validation}.items():
                    self.writer.add_scalar(
                        name if name.startswith("validation") else f"loss_avg/{name}", value, self.step
                    )
                for name, value in losses.items():
                    self.writer.add_scalar(name, value, self.step)
                self.writer.add_scalar("learning_rate/g", lr_g, self.step)
                self.writer.add_scalar("learning_rate/d", lr_d, self.step)
                self._log_images_and_audio(save_epoch)
                self.writer.flush()
                history.append(EpochRecord(epoch, self.step, {**means, **validation}))
                seconds_left = eta((o.epochs - epoch) * steps_per_epoch)
                self._write_progress(TRAINING, epoch, losses, averaged, seconds_left, history)
                written = time.monotonic()
                line = " | ".join(f"{k}={v:.3f}" for k, v in {**means, **validation}.items() if "norm" not in k)
                self.log(
                    f"{o.name} | epoch={epoch}/{o.epochs} | step={self.step} | {line} | "
                    f"lr_g={lr_g:.3g} lr_d={lr_d:.3g} | eta={datetime.timedelta(seconds=round(seconds_left))}"
                )
            if save_epoch and self.is_main:
                self.save(epoch, final=epoch == o.epochs or stop)
            if self.world_size > 1:
                dist.barrier()
            if stop:
                break
        if self.is_main:
            done = f"stopped early after epoch {epoch}: {self.warning}" if stop else "training complete"
            self._write_progress(FINISHED, epoch, losses, averaged, 0.0, history, done)
            self.writer.close()
            self.log(f"warning: {done}" if stop else f"training complete: {o.epochs} epochs, {self.step} steps")


def _worker(
    rank: int, options_json: str, world_size: int, port: int, init_method: str = "", local_rank: int | None = None
) -> None:
    """Entry of one training process (also used directly when there is a single process).

    init_method: where the group meets ("env://" under torchrun); default a local port.
    """
    options = TrainOptions.from_json(options_json)
    if world_size > 1:
        backend = "nccl" if options.gpus and sys.platform != "win32" else "gloo"
        init_method = init_method or f"tcp://127.0.0.1:{port}"
        dist.init_process_group(backend, init_method=init_method, rank=rank, world_size=world_size)
    try:
        trainer = Trainer(options, rank, world_size, local_rank)
        trainer.setup()
        trainer.fit()
    finally:
        if world_size > 1:
            dist.destroy_process_group()


def train(options: TrainOptions) -> None:
    """Train in this process, or spawn one process per GPU / CPU process and train with DDP.

    Under torchrun (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT set) this process joins that group instead.
    """
    from rvc.processes import free_port
    from rvc.train.distributed import process_group_env

    group = process_group_env()
    if group is not None:
        _worker(group.rank, options.to_json(), group.world_size, 0, "env://", group.local_rank)
        return
    world = options.world_size
    if world == 1:
        _worker(0, options.to_json(), 1, 0)
        return
    torch.multiprocessing.spawn(_worker, args=(options.to_json(), world, free_port()), nprocs=world, join=True)


def main(argv: list[str] | None = None) -> int:
    """`python -m rvc.train.trainer --options FILE`: train; a user error prints one line and exits 1."""
    parser = argparse.ArgumentParser(prog="python -m rvc.train.trainer", description="Run one training job.")
    parser.add_argument("--options", required=True, help="JSON written by TrainOptions.save")
    args = parser.parse_args(argv)
    layout = None
    try:
        options = TrainOptions.load(Path(args.options))
        layout = RunLayout.named(options.name)
        train(options)
        return 0
    except RVCError as error:
        _record_failure(layout, str(error))
        print(f"error: {error}", file=sys.stderr, flush=True)
        return 1
    except BaseException as error:
        _record_failure(layout, f"training stopped: {type(error).__name__}: {error}")
        raise


def _record_failure(layout: RunLayout | None, message: str) -> None:
    """Tell the UI (through progress.json) that the run ended with `message`."""
    if layout is not None and layout.root.is_dir():
        write_progress(layout.progress, TrainingProgress(status=FAILED, message=message))


if __name__ == "__main__":
    sys.exit(main())
