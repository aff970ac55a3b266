"""A voice as an ONNX graph with the inputs and outputs other RVC ONNX clients use (mainline RVC's exporter).

Inputs, T content frames at 100/s (the 50/s features repeated twice, as the conversion does):
    phone          float32 [1, T, 768|256]  content features
    phone_lengths  int64   [1]              T
    pitch          int64   [1, T]           coarse pitch 1..255   (pitch voices only)
    pitchf         float32 [1, T]           f0 in Hz, 0 unvoiced  (pitch voices only)
    ds             int64   [1]              speaker id
    rnd            float32 [1, 192, T]      the prior's noise, already scaled: randn · noise_scale (0.66666)
Output:
    audio          float32 [1, 1, T·hop]    at the voice's rate (hop = rate / 100)

Every vocoder exports (HiFi-GAN NSF, MRF HiFi-GAN, RefineGAN). The vocoder's own random draws (the source's
noise, the MRF harmonics' starting phases, RefineGAN's AdaIN noise) are made inside the graph by ONNX Runtime's
generator (`RandomNormalLike`, `RandomUniformLike`), so a graph and the torch model agree exactly only when those
draws are off (`source_noise=False`, which the parity tests use); the rest of the graph is the same computation
as `Synthesizer.infer`.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from rvc.errors import RVCError
from rvc.models.vocoders.refinegan import AdaIN, RefineGAN
from rvc.models.vocoders.resampling import sinc_kernel
from rvc.models.vocoders.sources import HarmonicSource, MergedSineSource, SineGenerator

OPSET = 18
INPUT_NAMES_F0 = ("phone", "phone_lengths", "pitch", "pitchf", "ds", "rnd")
INPUT_NAMES_NO_F0 = ("phone", "phone_lengths", "ds", "rnd")
OUTPUT_NAMES = ("audio",)
EXAMPLE_FRAMES = 200
NOISY_MODULES = (SineGenerator, HarmonicSource, MergedSineSource, AdaIN)
"""The vocoder parts that draw random numbers, each with a `noise` switch."""


class OnnxSynthesizer(nn.Module):
    """`Synthesizer.infer` with the prior's noise as an input (`rnd`), in mainline RVC's ONNX argument order."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(
        self,
        phone: torch.Tensor,
        phone_lengths: torch.Tensor,
        pitch: torch.Tensor | None,
        pitchf: torch.Tensor | None,
        ds: torch.Tensor,
        rnd: torch.Tensor,
    ) -> torch.Tensor:
        """`phone` [1, T, E], `phone_lengths` [1], `pitch` [1, T] long, `pitchf` [1, T] Hz, `ds` [1], `rnd`
        [1, 192, T] -> audio [1, 1, T·hop]."""
        return self.model.infer(phone, phone_lengths, pitch, pitchf, ds, noise=rnd)[0]


class _NoF0(nn.Module):
    """The four-input signature of voices without pitch."""

    def __init__(self, wrapped: OnnxSynthesizer) -> None:
        super().__init__()
        self.wrapped = wrapped

    def forward(
        self, phone: torch.Tensor, phone_lengths: torch.Tensor, ds: torch.Tensor, rnd: torch.Tensor
    ) -> torch.Tensor:
        """`phone` [1, T, E], `phone_lengths` [1], `ds` [1], `rnd` [1, 192, T] -> audio [1, 1, T·hop]."""
        return self.wrapped(phone, phone_lengths, None, None, ds, rnd)


def example_inputs(voice, frames: int = EXAMPLE_FRAMES, seed: int = 0) -> dict[str, torch.Tensor]:
    """Plausible inputs for `voice` (a loaded `Voice`) by input name: random features, a 120-260 Hz glide with an
    unvoiced stretch, speaker 0 and scaled prior noise."""
    generator = torch.Generator().manual_seed(seed)
    width = 768 if voice.version == "v2" else 256
    pitchf = torch.linspace(120.0, 260.0, frames)[None]
    pitchf[:, frames // 3 : frames // 3 + frames // 10] = 0.0
    coarse = torch.clamp((pitchf / 10).round().long(), 1, 255)
    inputs = {
        "phone": torch.randn(1, frames, width, generator=generator),
        "phone_lengths": torch.tensor([frames], dtype=torch.long),
        "pitch": coarse,
        "pitchf": pitchf,
        "ds": torch.tensor([0], dtype=torch.long),
        "rnd": torch.randn(1, 192, frames, generator=generator) * 0.66666,
    }
    names = INPUT_NAMES_F0 if voice.use_f0 else INPUT_NAMES_NO_F0
    return {name: inputs[name] for name in names}


def set_vocoder_noise(decoder: nn.Module, on: bool) -> None:
    """Switch every random draw of `decoder` on or off: source noise, harmonic phases, RefineGAN's AdaIN noise."""
    for module in decoder.modules():
        if isinstance(module, NOISY_MODULES):
            module.noise = on


def export_module(voice, source_noise: bool = True) -> nn.Module:
    """The module `export_onnx` traces for `voice`: float32, CPU, `source_noise` switching the vocoder's draws."""
    model = voice.model.float().cpu().eval()
    set_vocoder_noise(model.dec, source_noise)
    if isinstance(model.dec, RefineGAN):
        for rate in model.dec.downsample_rates:
            sinc_kernel(rate)  # built now, outside the trace, so the graph holds each kernel as a constant
    wrapped = OnnxSynthesizer(model)
    return wrapped if voice.use_f0 else _NoF0(wrapped)


def export_onnx(voice_path: str | Path, output_path: str | Path, source_noise: bool = True) -> Path:
    """Write the voice in `voice_path` as an ONNX graph to `output_path` (atomically); returns that path.

    The time axis T is dynamic. `source_noise=False` leaves out the vocoder's random draws (deterministic graphs,
    for checks).
    """
    from rvc.models import load_voice

    voice_path = Path(voice_path).expanduser()
    if not voice_path.is_file():
        raise RVCError(f"Voice file not found: {voice_path}. Give the path of a .pth voice.")
    return export_voice(load_voice(voice_path, "cpu"), output_path, source_noise)


def export_voice(
    voice, output_path: str | Path, source_noise: bool = True, example_frames: int = EXAMPLE_FRAMES
) -> Path:
    """`export_onnx` of a loaded `Voice` (its model becomes float32 on the CPU), traced on `example_frames` frames."""
    from rvc.atomic_files import atomic_path

    output_path = Path(output_path).expanduser()
    module = export_module(voice, source_noise)
    inputs = example_inputs(voice, example_frames)
    names = list(inputs)
    dynamic = {name: {1: "frames"} for name in ("phone", "pitch", "pitchf") if name in inputs}
    dynamic["rnd"] = {2: "frames"}
    dynamic["audio"] = {2: "samples"}
    output_path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(output_path) as temporary, torch.inference_mode():
        torch.onnx.export(
            module,
            tuple(inputs.values()),
            str(temporary),
            input_names=names,
            output_names=list(OUTPUT_NAMES),
            dynamic_axes=dynamic,
            opset_version=OPSET,
            dynamo=False,
        )
    return output_path
