"""Optimizers for training: Ranger2020 (the default), AdamW, RAdam, AdamW with bf16 state, and from
`pytorch-optimizer` Prodigy, DiffGrad and Ranger21.

Learning rate, epsilon and weight decay default per optimizer (`OPTIMIZER_DEFAULTS`): AdamW as Applio runs
it (eps 1e-9, torch's weight decay 0.01), Ranger2020 and RAdam as the Codename fork (eps 1e-8, no weight
decay), Prodigy with LR 1.0 (it learns the step size itself; the LR only scales it), as the fork's v4.

Ranger2020 is RAdam (rectified Adam) + LookAhead + gradient centralization (GC), as in the
Codename fork. We write it here instead of taking `pytorch_optimizer.Ranger` because that one
centralizes every tensor with more than one dimension: a weight-norm magnitude (`[out, 1, 1]`)
is then centralized over a single element, which zeroes its update, so those layers never learn
their scale. Here GC touches only gradients with a fan-in above one (the mean over a single
element is the element itself), which leaves biases, norms and weight-norm magnitudes alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

import torch

from rvc.errors import RVCError

OPTIMIZER_NAMES = ("Ranger2020", "AdamW", "RAdam", "AdamW-bf16", "Prodigy", "DiffGrad", "Ranger21")


@dataclass(frozen=True)
class OptimizerDefaults:
    """What an optimizer uses where the user leaves the learning rate, epsilon or weight decay unset."""

    lr: float
    eps: float
    weight_decay: float


_ADAM_APPLIO = OptimizerDefaults(lr=1e-4, eps=1e-9, weight_decay=0.01)
"""Applio: `torch.optim.AdamW(lr=1e-4, eps=config 1e-9)`, so torch's default weight decay 0.01 applies."""
_FORK = OptimizerDefaults(lr=1e-4, eps=1e-8, weight_decay=0.0)
"""The Codename fork: lr 1e-4, eps 1e-8 hard-coded, no weight decay."""
OPTIMIZER_DEFAULTS = {
    "Ranger2020": _FORK,
    "AdamW": _ADAM_APPLIO,
    "RAdam": _FORK,
    "AdamW-bf16": _ADAM_APPLIO,
    "Prodigy": OptimizerDefaults(lr=1.0, eps=1e-8, weight_decay=0.0),
    "DiffGrad": _FORK,
    "Ranger21": _FORK,
}


def centralize_gradient(grad: torch.Tensor) -> torch.Tensor:
    """Subtract from `grad` (in place) its mean over all dims but dim 0, when that fan-in exceeds one."""
    if grad.dim() > 1 and grad[0].numel() > 1:
        grad.sub_(grad.mean(dim=tuple(range(1, grad.dim())), keepdim=True))
    return grad


class Ranger2020(torch.optim.Optimizer):
    """RAdam + LookAhead (every `k` steps, blend `alpha`) + gradient centralization.

    Per parameter p with gradient g (t = step):
    g <- GC(g) if `use_gc`; m <- b1 m + (1-b1) g; v <- b2 v + (1-b2) g^2; rho_t = rho_inf - 2 t b2^t / (1 - b2^t);
    if rho_t > `n_sma_threshold`: p -= lr r_t / (1-b1^t) * m / (sqrt(v) + eps), else p -= lr / (1-b1^t) * m;
    decoupled weight decay p -= lr wd p; every k steps: slow += alpha (p - slow), p <- slow.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-4,
        betas: tuple[float, float] = (0.8, 0.99),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        alpha: float = 0.5,
        k: int = 6,
        n_sma_threshold: float = 5.0,
        use_gc: bool = True,
    ):
        if lr <= 0 or eps < 0 or weight_decay < 0 or not 0 <= alpha <= 1 or k < 1:
            raise ValueError(
                f"invalid Ranger2020 settings: lr={lr}, eps={eps}, wd={weight_decay}, alpha={alpha}, k={k}"
            )
        if not all(0 <= beta < 1 for beta in betas):
            raise ValueError(f"betas must lie in [0, 1): {betas}")
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "alpha": alpha,
            "k": k,
            "n_sma_threshold": n_sma_threshold,
            "use_gc": use_gc,
        }
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss if given."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            rho_inf = 2.0 / (1.0 - beta2) - 1.0
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.is_sparse:
                    raise RuntimeError("Ranger2020 does not support sparse gradients")
                grad = p.grad
                if group["use_gc"]:
                    centralize_gradient(grad)
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    state["slow_buffer"] = p.detach().clone()
                state["step"] += 1
                t = state["step"]
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg.mul_(beta1).add_(grad, alpha=1.0 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1.0 - beta2)

                beta2_t = beta2**t
                rho_t = rho_inf - 2.0 * t * beta2_t / (1.0 - beta2_t)
                bias_correction1 = 1.0 - beta1**t
                if group["weight_decay"]:
                    p.mul_(1.0 - group["lr"] * group["weight_decay"])
                if rho_t > group["n_sma_threshold"]:
                    rectifier = math.sqrt(
                        (1.0 - beta2_t) * (rho_t - 4) / (rho_inf - 4) * (rho_t - 2) / rho_t * rho_inf / (rho_inf - 2)
                    )
                    denom = exp_avg_sq.sqrt().add_(group["eps"])
                    p.addcdiv_(exp_avg, denom, value=-group["lr"] * rectifier / bias_correction1)
                else:
                    p.add_(exp_avg, alpha=-group["lr"] / bias_correction1)

                if t % group["k"] == 0:
                    slow = state["slow_buffer"]
                    slow.add_(p - slow, alpha=group["alpha"])
                    p.copy_(slow)
        return loss


class AdamWBF16(torch.optim.Optimizer):
    """AdamW whose moments are stored in bfloat16 (half the optimizer memory); the update is computed in fp32.

    Per parameter p with gradient g (t = step): m <- b1 m + (1-b1) g; v <- b2 v + (1-b2) g^2 (both kept in
    bf16 between steps); p -= lr wd p; p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps).
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-4,
        betas: tuple[float, float] = (0.8, 0.99),
        eps: float = 1e-9,
        weight_decay: float = 0.01,
    ):
        if lr <= 0 or eps < 0 or weight_decay < 0 or not all(0 <= beta < 1 for beta in betas):
            raise ValueError(f"invalid AdamW-bf16 settings: lr={lr}, betas={betas}, eps={eps}, wd={weight_decay}")
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay})

    def load_state_dict(self, state_dict: dict) -> None:
        """Load as torch does (which casts the moments to each parameter's dtype), then store them in bf16 again."""
        super().load_state_dict(state_dict)
        for state in self.state.values():
            for key in ("exp_avg", "exp_avg_sq"):
                if key in state:
                    state[key] = state[key].to(torch.bfloat16)

    @torch.no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss if given."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p, dtype=torch.bfloat16)
                    state["exp_avg_sq"] = torch.zeros_like(p, dtype=torch.bfloat16)
                state["step"] += 1
                t = state["step"]
                grad = p.grad.float()
                exp_avg = state["exp_avg"].float().mul_(beta1).add_(grad, alpha=1.0 - beta1)
                exp_avg_sq = state["exp_avg_sq"].float().mul_(beta2).addcmul_(grad, grad, value=1.0 - beta2)
                state["exp_avg"].copy_(exp_avg)
                state["exp_avg_sq"].copy_(exp_avg_sq)
                if group["weight_decay"]:
                    p.mul_(1.0 - group["lr"] * group["weight_decay"])
                denom = (exp_avg_sq / (1.0 - beta2**t)).sqrt_().add_(group["eps"])
                update = exp_avg.div_(denom).mul_(group["lr"] / (1.0 - beta1**t))
                p.sub_(update.to(p.dtype))
        return loss


@dataclass(frozen=True)
class OptimizerSettings:
    """What the user chose for one optimizer (generator or discriminator); None = the optimizer's default."""

    name: str = "Ranger2020"
    lr: float | None = None
    betas: tuple[float, float] = (0.8, 0.99)
    eps: float | None = None
    weight_decay: float | None = None
    use_gc: bool = True

    def resolved(self) -> OptimizerSettings:
        """These settings with every None replaced by the optimizer's default (`OPTIMIZER_DEFAULTS`)."""
        if self.name not in OPTIMIZER_DEFAULTS:
            raise RVCError(f"unknown optimizer {self.name!r}; choose one of {', '.join(OPTIMIZER_NAMES)}")
        defaults = OPTIMIZER_DEFAULTS[self.name]
        return replace(
            self,
            lr=defaults.lr if self.lr is None else self.lr,
            eps=defaults.eps if self.eps is None else self.eps,
            weight_decay=defaults.weight_decay if self.weight_decay is None else self.weight_decay,
            betas=tuple(self.betas),
        )


def optimizer_settings(options, network: str) -> OptimizerSettings:
    """The resolved settings of the generator's (`network` "g") or discriminator's ("d") optimizer in `options`."""
    return OptimizerSettings(
        name=options.optimizer,
        lr=options.lr_g if network == "g" else options.lr_d,
        betas=options.betas,
        eps=options.eps,
        weight_decay=options.weight_decay,
        use_gc=options.gradient_centralization,
    ).resolved()


def _fusable(params: list[torch.nn.Parameter]) -> bool:
    """Whether torch's fused Adam kernels take these parameters (floating point, all on the CPU or on CUDA)."""
    devices = {p.device.type for p in params}
    return bool(params) and devices in ({"cpu"}, {"cuda"}) and all(p.is_floating_point() for p in params)


def build_optimizer(params: Iterable[torch.nn.Parameter], settings: OptimizerSettings) -> torch.optim.Optimizer:
    """The optimizer `settings.name` over `params` (unset values take the optimizer's defaults)."""
    settings = settings.resolved()
    params = [p for p in params if p.requires_grad]
    common = {"lr": settings.lr, "betas": settings.betas, "eps": settings.eps, "weight_decay": settings.weight_decay}
    if settings.name == "Ranger2020":
        return Ranger2020(params, use_gc=settings.use_gc, **common)
    if settings.name == "AdamW":
        # fused: one pass over each tensor instead of one per arithmetic step (the same update, up to rounding)
        return torch.optim.AdamW(params, fused=_fusable(params), **common)
    if settings.name == "RAdam":
        return torch.optim.RAdam(params, decoupled_weight_decay=True, **common)
    if settings.name == "AdamW-bf16":
        return AdamWBF16(params, **common)
    return _from_pytorch_optimizer(params, settings.name, common, settings.use_gc)


def _from_pytorch_optimizer(params: list, name: str, common: dict, use_gc: bool) -> torch.optim.Optimizer:
    """Prodigy, DiffGrad or Ranger21 from `pytorch-optimizer`, with decoupled weight decay."""
    import pytorch_optimizer

    if name == "Prodigy":
        return pytorch_optimizer.Prodigy(params, weight_decouple=True, **common)
    if name == "DiffGrad":
        return pytorch_optimizer.DiffGrad(params, weight_decouple=True, **common)
    # Ranger21 as the fork's H runs it: Lookahead and adaptive gradient clipping on; its own LR warmup and
    # warmdown off (our schedule sets the LR), no softplus, no norm loss.
    return pytorch_optimizer.Ranger21(
        params, num_iterations=1, disable_lr_scheduler=True, num_warm_up_iterations=0, num_warm_down_iterations=0,
        use_softplus=False, norm_loss_factor=0.0, centralize_gradients=use_gc, weight_decouple=True, **common,
    )  # fmt: skip
