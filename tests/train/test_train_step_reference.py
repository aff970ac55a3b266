"""The training step's shortcuts change nothing that is learned: losses, gradients and updates equal a plain step."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

from rvc.configs import load_config, segment_frames
from rvc.train.dataset import Batch
from rvc.train.mel import mel_spectrogram
from rvc.train.options import TrainOptions
from rvc.train.trainer import Trainer

SR, FRAMES, BATCH = 32000, 30, 2
# The 32 kHz config with narrow layers and 10-frame slices: the step's bookkeeping is what is compared, not the size.
SMALL = {
    "inter_channels": 32,
    "hidden_channels": 32,
    "filter_channels": 64,
    "n_layers": 2,
    "gin_channels": 32,
    "upsample_initial_channel": 64,
}
APPLIO = {"optimizer": "AdamW", "eps": 1e-9, "weight_decay": 0.01, "mel_loss": "single-scale", "grad_clip": None}


def _trainer(name: str) -> Trainer:
    from rvc.paths import run_dir

    run_dir(name).mkdir(parents=True)
    config = load_config(SR)
    config["model"].update(SMALL)
    config["train"]["segment_size"] = 10 * config["data"]["hop_length"]
    (run_dir(name) / "config.json").write_text(json.dumps(config))
    trainer = Trainer(TrainOptions(name=name, sample_rate=SR, pretrained=False, batch_size=BATCH, **APPLIO))
    torch.manual_seed(0)
    trainer.build_models(speakers=1)
    trainer.step = 0
    return trainer


def _batch() -> Batch:
    g = torch.Generator().manual_seed(1)
    lengths = torch.tensor([FRAMES, FRAMES - 6])
    return Batch(
        phone=torch.randn(BATCH, FRAMES, 768, generator=g),
        phone_lengths=lengths,
        pitch=torch.randint(1, 256, (BATCH, FRAMES), generator=g),
        pitchf=150 + 50 * torch.rand(BATCH, FRAMES, generator=g),
        spec=torch.rand(BATCH, 513, FRAMES, generator=g),
        spec_lengths=lengths,
        wave=0.1 * torch.randn(BATCH, 1, FRAMES * 320, generator=g),
        wave_lengths=lengths * 320,
        sid=torch.zeros(BATCH, dtype=torch.long),
    )


def _plain_step(trainer: Trainer, batch: Batch) -> tuple[dict[str, float], list[torch.Tensor], list[torch.Tensor]]:
    """The step written out plainly: D on (real, fake) for both updates, every loss term by hand, per-tensor AdamW.

    Returns the losses and the gradients each optimizer applied (no norm limit, as Applio), G's then D's.
    """
    G, D, config = trainer.generator, trainer.discriminator, trainer.config
    settings = {"lr": 1e-4, "betas": (0.8, 0.99), "eps": 1e-9, "weight_decay": 0.01, "foreach": False, "fused": False}
    optim_g, optim_d = torch.optim.AdamW(G.parameters(), **settings), torch.optim.AdamW(D.parameters(), **settings)
    hop, segment = config["data"]["hop_length"], segment_frames(config) * config["data"]["hop_length"]
    y_hat, ids, _, z_mask, (_, z_p, m_p, logs_p, _, logs_q) = G(
        batch.phone, batch.phone_lengths, batch.pitch, batch.pitchf, batch.spec, batch.spec_lengths, batch.sid
    )
    wave = torch.stack([batch.wave[i, :, int(s) * hop : int(s) * hop + segment] for i, s in enumerate(ids)])

    real, fake, _, _ = D(wave, y_hat.detach())
    loss_d = sum(torch.mean((1 - r) ** 2) + torch.mean(f**2) for r, f in zip(real, fake, strict=True))
    optim_d.zero_grad()
    loss_d.backward()
    grads_d = [p.grad.clone() for p in D.parameters()]
    optim_d.step()

    _, fake, maps_real, maps_fake = D(wave, y_hat)
    data = config["data"]

    def mel(x):
        return mel_spectrogram(
            x.squeeze(1), SR, data["filter_length"], hop, data["win_length"], data["n_mel_channels"], 0.0, None
        )

    loss_mel = F.l1_loss(mel(wave), mel(y_hat)) * config["train"]["c_mel"]
    kl = logs_p - logs_q - 0.5 + 0.5 * (z_p - m_p) ** 2 * torch.exp(-2 * logs_p)
    loss_kl = torch.sum(kl * z_mask) / torch.sum(z_mask) * config["train"]["c_kl"]
    loss_fm = 2 * sum(
        torch.mean(torch.abs(r.detach() - f))
        for rs, fs in zip(maps_real, maps_fake, strict=True)
        for r, f in zip(rs, fs, strict=True)
    )
    loss_adv = sum(torch.mean((1 - f) ** 2) for f in fake)
    total = loss_adv + loss_fm + loss_mel + loss_kl
    optim_g.zero_grad()
    total.backward()
    grads_g = [p.grad.clone() for p in G.parameters()]
    optim_g.step()
    losses = {
        "loss/d/total": loss_d.item(),
        "loss/g/total": total.item(),
        "loss/g/adv": loss_adv.item(),
        "loss/g/fm": loss_fm.item(),
        "loss/g/mel": loss_mel.item(),
        "loss/g/kl": loss_kl.item(),
    }
    return losses, grads_g, grads_d


def _grad_recorder(optimizer: torch.optim.Optimizer) -> list[list[torch.Tensor]]:
    """Record the gradients `optimizer` applies at each of its steps."""
    seen = []
    optimizer.register_step_pre_hook(
        lambda opt, *_: seen.append([p.grad.clone() for group in opt.param_groups for p in group["params"]])
    )
    return seen


def _assert_close(actual: list[torch.Tensor], expected: list[torch.Tensor], what: str) -> None:
    assert len(actual) == len(expected)
    for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
        scale = e.abs().max().item() + 1e-12
        assert torch.allclose(a, e, rtol=1e-4, atol=1e-5 * scale), f"{what} {index} differs"


def test_train_step_matches_a_plain_step_in_fp32():
    fast, plain = _trainer("fast"), _trainer("plain")
    seen_g, seen_d = _grad_recorder(fast.optim_g), _grad_recorder(fast.optim_d)
    torch.manual_seed(7)
    losses = fast.train_step(_batch())
    torch.manual_seed(7)
    expected, grads_g, grads_d = _plain_step(plain, _batch())

    for name, value in expected.items():
        assert losses[name] == pytest.approx(value, rel=1e-5), name
    _assert_close(seen_g[0], grads_g, "generator gradient")
    _assert_close(seen_d[0], grads_d, "discriminator gradient")
    # One AdamW step moves each weight by about lr * sign(gradient); both updates land on the same weights.
    for model in ("generator", "discriminator"):
        after = [p.detach() for p in getattr(fast, model).parameters()]
        reference = [p.detach() for p in getattr(plain, model).parameters()]
        _assert_close(after, reference, f"{model} weight")
