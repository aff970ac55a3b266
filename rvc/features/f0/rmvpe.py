"""RMVPE: a deep U-Net over a log-mel spectrogram plus a BiGRU, scoring 360 pitch bins per frame.

The module names below follow the layout of the public `rmvpe.pt` state dict (`unet.encoder...`,
`unet.intermediate...`, `unet.decoder...`, `cnn`, `fc.0.gru`, `fc.1`), so it loads unchanged.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from rvc import paths, prerequisites
from rvc.errors import RVCError
from rvc.features.f0.salience import N_BINS, decode
from rvc.features.f0.track import SAMPLE_RATE

N_MELS = 128
N_FFT = 1024
MEL_FMIN = 30.0
MEL_FMAX = 8000.0
LOG_FLOOR = 1e-5
THRESHOLD = 0.03
BN_MOMENTUM = 0.01
TIME_MULTIPLE = 32
REDOWNLOAD = "delete it and run `python -m rvc download --rmvpe` to fetch it again."


class ResidualConv(nn.Module):
    """Two 3×3 conv-BN-ReLU layers plus a skip (1×1 conv when widths differ): [B, Ci, T, F] → [B, Co, T, F]."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels, momentum=BN_MOMENTUM),
            nn.ReLU(),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels, momentum=BN_MOMENTUM),
            nn.ReLU(),
        )
        self.shortcut = nn.Conv2d(in_channels, out_channels, 1) if in_channels != out_channels else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, Ci, T, F] → [B, Co, T, F]."""
        return self.conv(x) + self.shortcut(x)


class ResidualStack(nn.Module):
    """`n_blocks` residual convs in a row, the first changing the width: [B, Ci, T, F] → [B, Co, T, F]."""

    def __init__(self, in_channels: int, out_channels: int, n_blocks: int) -> None:
        super().__init__()
        widths = [in_channels] + [out_channels] * n_blocks
        self.conv = nn.ModuleList(ResidualConv(a, b) for a, b in pairwise(widths))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, Ci, T, F] → [B, Co, T, F]."""
        for block in self.conv:
            x = block(x)
        return x


class Encoder(nn.Module):
    """Input batch-norm, then `n_stages` residual stacks each followed by 2×2 average pooling."""

    def __init__(self, n_stages: int, n_blocks: int, base_channels: int) -> None:
        super().__init__()
        self.bn = nn.BatchNorm2d(1, momentum=BN_MOMENTUM)
        widths = [1] + [base_channels * 2**i for i in range(n_stages)]
        self.layers = nn.ModuleList(ResidualStack(a, b, n_blocks) for a, b in pairwise(widths))
        self.pool = nn.AvgPool2d(2)
        self.out_channels = widths[-1]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """[B, 1, T, F] → ([B, C·2^(n-1), T/2^n, F/2^n], skips at each resolution before pooling)."""
        x = self.bn(x)
        skips = []
        for stack in self.layers:
            x = stack(x)
            skips.append(x)
            x = self.pool(x)
        return x, skips


class Bottleneck(nn.Module):
    """`n_stacks` residual stacks at the lowest resolution, doubling the width once: [B, C, t, f] → [B, 2C, t, f]."""

    def __init__(self, in_channels: int, n_stacks: int, n_blocks: int) -> None:
        super().__init__()
        widths = [in_channels] + [2 * in_channels] * n_stacks
        self.layers = nn.ModuleList(ResidualStack(a, b, n_blocks) for a, b in pairwise(widths))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C, t, f] → [B, 2C, t, f]."""
        for stack in self.layers:
            x = stack(x)
        return x


class UpBlock(nn.Module):
    """2× transposed-conv upsampling, concatenation with the encoder skip, then residual convs."""

    def __init__(self, in_channels: int, n_blocks: int) -> None:
        super().__init__()
        out_channels = in_channels // 2
        self.conv1 = nn.Sequential(
            nn.ConvTranspose2d(in_channels, out_channels, 3, stride=2, padding=1, output_padding=1, bias=False),
            nn.BatchNorm2d(out_channels, momentum=BN_MOMENTUM),
            nn.ReLU(),
        )
        widths = [2 * out_channels] + [out_channels] * n_blocks
        self.conv2 = nn.ModuleList(ResidualConv(a, b) for a, b in pairwise(widths))

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        """[B, C, t, f] and skip [B, C/2, 2t, 2f] → [B, C/2, 2t, 2f]."""
        x = torch.cat((self.conv1(x), skip), dim=1)
        for block in self.conv2:
            x = block(x)
        return x


class Decoder(nn.Module):
    """`n_stages` up-blocks, each halving the width and doubling time and frequency."""

    def __init__(self, in_channels: int, n_stages: int, n_blocks: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList(UpBlock(in_channels // 2**i, n_blocks) for i in range(n_stages))

    def forward(self, x: torch.Tensor, skips: list[torch.Tensor]) -> torch.Tensor:
        """[B, C, t, f] → [B, C/2^n, t·2^n, f·2^n], consuming the skips from the deepest up."""
        for block, skip in zip(self.layers, reversed(skips)):
            x = block(x, skip)
        return x


class DeepUNet(nn.Module):
    """Encoder → bottleneck → decoder: [B, 1, T, F] → [B, base_channels, T, F] (T, F multiples of 2^n)."""

    def __init__(self, n_stages: int = 5, n_bottleneck: int = 4, n_blocks: int = 4, base_channels: int = 16) -> None:
        super().__init__()
        self.encoder = Encoder(n_stages, n_blocks, base_channels)
        self.intermediate = Bottleneck(self.encoder.out_channels, n_bottleneck, n_blocks)
        self.decoder = Decoder(2 * self.encoder.out_channels, n_stages, n_blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, 1, T, F] → [B, base_channels, T, F]."""
        x, skips = self.encoder(x)
        return self.decoder(self.intermediate(x), skips)


class BiGRU(nn.Module):
    """Bidirectional GRU returning only its output sequence: [B, T, C] → [B, T, 2H]."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.gru = nn.GRU(input_size, hidden_size, batch_first=True, bidirectional=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, T, C] → [B, T, 2H]."""
        return self.gru(x)[0]


class RMVPENet(nn.Module):
    """Log-mel [B, 128, T] (T a multiple of 32) → pitch salience [B, T, 360] in 0..1."""

    def __init__(self, n_mels: int = N_MELS, base_channels: int = 16, gru_hidden: int = 256) -> None:
        super().__init__()
        self.unet = DeepUNet(base_channels=base_channels)
        self.cnn = nn.Conv2d(base_channels, 3, 3, padding=1)
        self.fc = nn.Sequential(BiGRU(3 * n_mels, gru_hidden), nn.Linear(2 * gru_hidden, N_BINS))

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        """[B, 128, T] → [B, T, 360]."""
        x = self.cnn(self.unet(mel.transpose(1, 2).unsqueeze(1)))
        return torch.sigmoid(self.fc(x.transpose(1, 2).flatten(2)))


class LogMel(nn.Module):
    """16 kHz audio [B, N] → log mel magnitude [B, 128, N // hop + 1]: window 1024, HTK mel 30-8000 Hz."""

    def __init__(self) -> None:
        super().__init__()
        from torchaudio.functional import melscale_fbanks

        basis = melscale_fbanks(N_FFT // 2 + 1, MEL_FMIN, MEL_FMAX, N_MELS, SAMPLE_RATE, norm="slaney", mel_scale="htk")
        self.register_buffer("basis", basis.T.contiguous(), persistent=False)
        self.register_buffer("window", torch.hann_window(N_FFT), persistent=False)

    def forward(self, audio: torch.Tensor, hop: int) -> torch.Tensor:
        """[B, N] → [B, 128, N // hop + 1]."""
        spec = torch.stft(audio, N_FFT, hop_length=hop, window=self.window, center=True, return_complex=True)
        return torch.log(torch.clamp(self.basis @ spec.abs(), min=LOG_FLOOR))


def pad_frames(mel: torch.Tensor) -> torch.Tensor:
    """Pad mel [B, 128, T] on the right to a multiple of 32 frames (reflected; silence if too short to reflect)."""
    n_frames = mel.shape[-1]
    extra = -n_frames % TIME_MULTIPLE
    if extra == 0:
        return mel
    if extra < n_frames:
        return F.pad(mel, (0, extra), mode="reflect")
    return F.pad(mel, (0, extra), value=float(np.log(LOG_FLOOR)))


def load_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """Read an RMVPE state dict safely (`weights_only`), with a user-facing error when it is missing or broken."""
    if not path.is_file():
        raise RVCError(f"RMVPE weights not found at {path}: {prerequisites.fix_for(prerequisites.rmvpe_items()[0])}.")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise RVCError(f"{path} is not a readable RMVPE state dict ({reason}): {REDOWNLOAD}") from error
    if not isinstance(state, dict):
        raise RVCError(f"{path} is not an RMVPE state dict: {REDOWNLOAD}")
    return state


class RMVPE:
    """The RMVPE pitch estimator: a loaded network and its log-mel front end on `device`."""

    def __init__(self, net: RMVPENet, device: str = "cpu") -> None:
        self.device = torch.device(device)
        self.net = net.eval().to(self.device)
        self.mel = LogMel().to(self.device)

    @torch.inference_mode()
    def salience(self, wav16k: np.ndarray, hop: int = 160) -> np.ndarray:
        """Audio [N] → salience [N // hop + 1, 360]."""
        audio = torch.as_tensor(np.ascontiguousarray(wav16k), dtype=torch.float32, device=self.device)[None]
        mel = self.mel(audio, hop)
        n_frames = mel.shape[-1]
        return self.net(pad_frames(mel))[0, :n_frames].float().cpu().numpy()

    def __call__(self, wav16k: np.ndarray, f0_min: float, f0_max: float, hop: int) -> np.ndarray:
        """Audio [N] → Hz [N // hop + 1] (0 = unvoiced), decoded as the reference with threshold 0.03."""
        return decode(self.salience(wav16k, hop), THRESHOLD)


def load(device: str = "cpu") -> RMVPE:
    """The RMVPE estimator from the weights at `rvc.paths.rmvpe_path()`; on CPU its network runs in ONNX Runtime
    (`rvc.features.f0.rmvpe_onnx`)."""
    path = paths.rmvpe_path()
    net = RMVPENet()
    try:
        net.load_state_dict(load_state_dict(path))
    except RuntimeError as error:
        raise RVCError(
            f"{path} does not match the RMVPE network ({str(error).splitlines()[0]}): {REDOWNLOAD}"
        ) from error
    estimator = RMVPE(net, device)
    if estimator.device.type == "cpu":
        from rvc.features.f0.rmvpe_onnx import use_onnx_net

        use_onnx_net(estimator.net)
    return estimator
