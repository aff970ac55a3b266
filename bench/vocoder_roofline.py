"""How close the CPU vocoder body is to this machine's fp32 limit, and whether FFT convolution could lower it.

    python bench/vocoder_roofline.py [--sr 40000] [--seconds 2] [--rounds 3] [--threads N] [--int8]

Prints three (four) things for a real-size HiFi-GAN NSF voice with random weights (speed does not depend on the values):
1. the vocoder body's arithmetic: GFLOP per second of audio (torch's FLOP counter over `_decode`);
2. the ONNX Runtime body's throughput against a 2048³ float32 matrix product in the same process, alternated
   (A, B, A, B...) so a loaded machine slows both alike: a ratio near 1 means the body already runs at the
   speed of the CPU's best dense kernel, so only less arithmetic can make it faster;
3. per up-sampling stage, the widest residual-block convolutions (kernels 7 and 11, dilations 1 and 5) as one
   ONNX Runtime `Conv` against an FFT overlap-save convolution in torch (kernel spectra made once; per frequency
   a complex `[Cout, Cin] @ [Cin, blocks]` product), alternated, with the FFT's largest error. The FFT version does
   3-5x fewer multiply-adds; the ratio shows what is left of that after the transforms and layout copies;
4. with `--int8`, the body quantized to int8 by ONNX Runtime (static: per-channel int8 weights, uint8 activations
   calibrated on other inputs of the same kind; every `Conv`) against the float32 body: speed-up and SNR. AVX2 has
   int8 dot products, so this is the low-precision path such CPUs have (they lack native bf16).

On a loaded machine pass `--threads 1`: with two threads on two busy cores every parallel region waits for a
descheduled thread, and the FFT path's many small regions then ran 5-30x slower than with one thread.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MATMUL_SIZE = 2048
FFT_SIZES = (256, 512)
WIDE_CONVS = ((11, 5), (11, 1), (7, 5), (7, 1))
"""(kernel, dilation) of the residual-block convolutions that carry most of the vocoder's multiply-adds."""


def seconds_of(call, rounds: int, *args) -> float:
    """Second-fastest of `rounds` timed `call(*args)` after one untimed one (the fastest is often a lucky slot on a
    loaded machine, the slowest an unlucky one)."""
    call(*args)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call(*args)
        times.append(time.perf_counter() - started)
    return sorted(times)[min(1, rounds - 1)]


def kernel_spectra(weight: torch.Tensor, dilation: int, size: int) -> tuple[torch.Tensor, int]:
    """Conjugate spectra `[size//2+1, Cout, Cin]` of the dilated kernel `weight` `[Cout, Cin, K]`, and its span."""
    cout, cin, kernel = weight.shape
    span = (kernel - 1) * dilation + 1
    taps = torch.zeros(cout, cin, size)
    taps[:, :, 0:span:dilation] = weight
    return torch.fft.rfft(taps).conj().permute(2, 0, 1).contiguous(), span


def overlap_save_conv(x: torch.Tensor, spectra: torch.Tensor, span: int, size: int) -> torch.Tensor:
    """`F.conv1d(x, w, padding='same', dilation=d)` of `x` `[Cin, T]` by FFT blocks of `size` -> `[Cout, T]`."""
    length = x.shape[-1]
    step = size - span + 1
    blocks = math.ceil(length / step)
    left = (span - 1) // 2
    padded = F.pad(x, (left, blocks * step + span - 1 - length - left))
    spectrum = torch.fft.rfft(padded.unfold(-1, size, step)).permute(2, 0, 1)
    out = torch.fft.irfft(torch.matmul(spectra, spectrum).permute(1, 2, 0), n=size)[..., :step]
    return out.reshape(out.shape[0], -1)[:, :length]


def onnx_conv(weight: torch.Tensor, dilation: int, threads: int):
    """An ONNX Runtime session of one bias-free 'same' `Conv1d` with `weight`: feed `x` `[1, Cin, T]`."""
    import onnxruntime

    cout, cin, kernel = weight.shape
    conv = torch.nn.Conv1d(cin, cout, kernel, dilation=dilation, padding=(kernel - 1) * dilation // 2, bias=False)
    conv.weight.data.copy_(weight)
    buffer = io.BytesIO()
    torch.onnx.export(
        conv,
        (torch.randn(1, cin, 1000),),
        buffer,
        input_names=["x"],
        output_names=["y"],
        dynamic_axes={"x": {2: "samples"}},
        dynamo=False,
    )
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(buffer.getvalue(), options, providers=["CPUExecutionProvider"])


def load_bench_voice(folder: Path, rate: int):
    """A real-size random v2 HiFi-GAN NSF voice at `rate`, loaded for inference."""
    from rvc.models import load_voice
    from rvc.testing.model_fixtures import save_random_voice

    return load_voice(save_random_voice(folder / f"v2_{rate}.pth", rate), "cpu")


def body_against_matmul(dec: torch.nn.Module, seconds: float, rounds: int, threads: int) -> None:
    """Print the body's GFLOP per audio second and its ONNX Runtime throughput next to a float32 matmul's."""
    from torch.utils.flop_counter import FlopCounterMode

    from rvc.infer.onnx_vocoder import OnnxBody

    frames = max(int(seconds * 100), 20)
    x, g = torch.randn(1, dec.conv_pre.in_channels, frames), torch.randn(1, dec.cond.in_channels, 1)
    source = torch.randn(1, 1, frames * dec.upp)
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        dec._decode(x, g, source)
    flops = counter.get_total_flops()
    print(f"vocoder body: {flops / 1e9 / (frames / 100):.1f} GFLOP per second of audio")
    body = OnnxBody(dec, with_source=True, threads=threads)
    a, b = torch.randn(MATMUL_SIZE, MATMUL_SIZE), torch.randn(MATMUL_SIZE, MATMUL_SIZE)
    for number in range(rounds):
        matmul = 2 * MATMUL_SIZE**3 / seconds_of(torch.matmul, 2, a, b) / 1e9
        vocoder = flops / seconds_of(body, 2, x, g, source) / 1e9
        print(
            f"round {number}: {MATMUL_SIZE}³ matmul {matmul:.0f} GFLOP/s, ONNX Runtime body {vocoder:.0f} GFLOP/s "
            f"({vocoder / matmul:.2f} of the matmul)"
        )


def body_inputs(dec: torch.nn.Module, frames: int, seed: int) -> dict[str, np.ndarray]:
    """Inputs of the body like a conversion's: latent `[1, C, frames]`, speaker `[1, gin, 1]` and the sine source of
    a pitch glide between 100 and 300 Hz, all drawn from `seed`."""
    from rvc.devices import seeded_draws

    generator = torch.Generator().manual_seed(seed)
    low, high = (
        100 + 60 * torch.rand(1, generator=generator).item(),
        220 + 80 * torch.rand(1, generator=generator).item(),
    )
    f0 = torch.from_numpy(np.geomspace(low, high, frames)).float()[None]
    with torch.inference_mode(), seeded_draws(seed, torch.device("cpu")):
        source = dec.m_source(f0, dec.upp)
    return {
        "x": torch.randn(1, dec.conv_pre.in_channels, frames, generator=generator).numpy(),
        "g": torch.randn(1, dec.cond.in_channels, 1, generator=generator).numpy(),
        "source": source.numpy(),
    }


def int8_against_fp32(dec: torch.nn.Module, seconds: float, rounds: int, threads: int, folder: Path) -> None:
    """Print the int8 body's speed-up over the float32 body (both ONNX Runtime) and the SNR of its audio."""
    import onnxruntime
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    from rvc.infer.onnx_vocoder import OnnxBody
    from rvc.onnx_graphs import graphs_dir

    frames = max(int(seconds * 100), 20)
    body = OnnxBody(dec, with_source=True, threads=threads)
    (graph,) = graphs_dir().glob("*.onnx")

    class Calibration(CalibrationDataReader):
        """Four other inputs of the same kind (seeds 1-4)."""

        def __init__(self) -> None:
            self.feeds = [body_inputs(dec, frames, seed) for seed in range(1, 5)]

        def get_next(self) -> dict[str, np.ndarray] | None:
            return self.feeds.pop() if self.feeds else None

    quantized = folder / "body_int8.onnx"
    quantize_static(
        graph, quantized, Calibration(), quant_format=QuantFormat.QDQ, activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["Conv"],
    )  # fmt: skip
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    int8 = onnxruntime.InferenceSession(str(quantized), options, providers=["CPUExecutionProvider"])
    feed = body_inputs(dec, frames, 0)
    reference = body.session.run(None, feed)[0]
    error = int8.run(None, feed)[0] - reference
    snr = 10 * math.log10(
        float(np.sum(reference.astype(np.float64) ** 2)) / float(np.sum(error.astype(np.float64) ** 2))
    )
    for number in range(rounds):
        fp32_seconds = seconds_of(body.session.run, 2, None, feed)
        int8_seconds = seconds_of(int8.run, 2, None, feed)
        print(
            f"round {number}: int8 body {fp32_seconds / int8_seconds:.2f}x the float32 body's speed "
            f"({fp32_seconds:.2f} s -> {int8_seconds:.2f} s), SNR {snr:.1f} dB against it"
        )


def stage_geometry(rate: int) -> list[tuple[int, int]]:
    """(channels, samples per second of audio) of each up-sampling stage of the v2 voice at `rate`."""
    from rvc.configs import load_config

    model = load_config(rate, "v2")["model"]
    frames_per_second = rate / math.prod(model["upsample_rates"])
    out, samples = [], frames_per_second
    for stage, up in enumerate(model["upsample_rates"]):
        samples *= up
        out.append((model["upsample_initial_channel"] // 2 ** (stage + 1), round(samples)))
    return out


def fft_against_direct(rate: int, seconds: float, rounds: int, threads: int) -> None:
    """Print, per stage and wide convolution, ONNX Runtime's time over the best FFT overlap-save time."""
    for channels, per_second in stage_geometry(rate):
        x = torch.randn(channels, round(per_second * seconds))
        row = []
        for kernel, dilation in WIDE_CONVS:
            weight = torch.randn(channels, channels, kernel) / math.sqrt(channels * kernel)
            session = onnx_conv(weight, dilation, threads)
            feed = {"x": x[None].numpy()}
            direct = seconds_of(session.run, rounds, None, feed)
            reference = torch.from_numpy(session.run(None, feed)[0][0])
            best, error = math.inf, 0.0
            for size in FFT_SIZES:
                spectra, span = kernel_spectra(weight, dilation, size)
                if span > size // 2:
                    continue
                took = seconds_of(overlap_save_conv, rounds, x, spectra, span, size)
                if took < best:
                    best = took
                    error = (overlap_save_conv(x, spectra, span, size) - reference).abs().max().item()
            row.append(f"k{kernel} d{dilation} {direct / best:.2f}x (err {error:.0e})")
        print(f"{channels:>3} ch @ {per_second / 1000:g} kHz: FFT speed-up " + "  ".join(row))


def main() -> None:
    """Parse arguments, build the voice in a temporary folder and print the three figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sr", type=int, default=40000)
    parser.add_argument("--seconds", type=float, default=2.0, help="audio seconds per timed call")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: torch's choice)")
    parser.add_argument("--int8", action="store_true", help="also time the body quantized to int8, with its SNR")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()
    print(f"{args.sr} Hz HiFi-GAN NSF, {threads} threads, {args.seconds:g} s of audio per call")
    with tempfile.TemporaryDirectory(prefix="rvc-bench-roofline-") as folder:
        os.environ["RVC_WEIGHTS_DIR"] = folder  # the body's ONNX graph is written here, not to the user's weights
        dec = load_bench_voice(Path(folder), args.sr).model.dec
        body_against_matmul(dec, args.seconds, args.rounds, threads)
        with torch.inference_mode():
            fft_against_direct(args.sr, args.seconds, args.rounds, threads)
        if args.int8:
            int8_against_fp32(dec, args.seconds, args.rounds, threads, Path(folder))


if __name__ == "__main__":
    main()
