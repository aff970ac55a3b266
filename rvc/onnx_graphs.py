"""Torch modules run in ONNX Runtime on the CPU: export once, keep the graph on disk, open a session.

The CPU speed paths (vocoder body, content embedder, RMVPE network) trace a module to an ONNX graph the first
time it is used. Exporting a real-size model takes seconds, so the graph is kept under
`<weights>/onnx-graphs/<key>.onnx`, the key a hash of the module's class, its weights, the caller's variant and
the exporter's version: a later process (or a reload of the same voice) opens the graph without exporting. At
most `KEPT_GRAPHS` graphs are kept; the least recently used go first.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import torch
from torch import nn

from rvc.atomic_files import atomic_path
from rvc.paths import weights_dir

ENABLED = True
"""Run the CPU speed paths in ONNX Runtime where it is installed (`bench/infer.py --backend torch` turns it off)."""
OPSET = 18
KEPT_GRAPHS = 12
"""Graphs kept on disk (a voice's vocoder body, each embedder depth and RMVPE count one each)."""


def cpu_onnx_applies(module: nn.Module) -> bool:
    """Whether `module` may run in ONNX Runtime: turned on (`ENABLED`), onnxruntime installed, float32 on the CPU."""
    if not ENABLED:
        return False
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    parameter = next(module.parameters())
    return parameter.dtype == torch.float32 and parameter.device.type == "cpu"


def graphs_dir() -> Path:
    """Folder of the exported graphs (under the weights folder, so `RVC_WEIGHTS_DIR` moves it)."""
    return weights_dir() / "onnx-graphs"


def graph_key(module: nn.Module, variant: str) -> str:
    """Hash of what decides the graph: the module's class, its weights and buffers, `variant` and the versions."""
    digest = hashlib.sha256(f"{type(module).__qualname__}|{variant}|{torch.__version__}|{OPSET}".encode())
    for name, tensor in module.state_dict().items():
        digest.update(f"{name}:{tuple(tensor.shape)}:{tensor.dtype}".encode())
        digest.update(tensor.detach().cpu().reshape(-1).contiguous().view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()[:32]


def _export(
    module: nn.Module,
    example: tuple[torch.Tensor, ...],
    input_names: list[str],
    output_names: list[str],
    dynamic_axes: dict[str, dict[int, str]],
) -> bytes:
    """The ONNX graph of `module` traced on `example`, with the named dynamic axes."""
    buffer = io.BytesIO()
    with torch.inference_mode():
        torch.onnx.export(
            module,
            example,
            buffer,
            input_names=input_names,
            output_names=output_names,
            dynamic_axes=dynamic_axes,
            opset_version=OPSET,
            dynamo=False,
        )
    return buffer.getvalue()


def _prune(folder: Path, keep: int) -> None:
    """Remove all but the `keep` most recently used graphs in `folder`."""
    graphs = sorted(folder.glob("*.onnx"), key=lambda path: path.stat().st_mtime, reverse=True)
    for old in graphs[keep:]:
        old.unlink(missing_ok=True)


def cpu_session(
    module: nn.Module,
    example: tuple[torch.Tensor, ...],
    input_names: list[str],
    output_names: list[str],
    dynamic_axes: dict[str, dict[int, str]],
    threads: int,
    variant: str = "",
):
    """An ONNX Runtime CPU session running `module` (`threads` intra-op threads), its graph from the disk cache
    when one matches, else exported now and kept there (a cache that cannot be written only costs the export)."""
    import onnxruntime
    from onnxruntime.capi.onnxruntime_pybind11_state import Fail, InvalidGraph, InvalidProtobuf

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    folder = graphs_dir()
    path = folder / f"{graph_key(module, variant)}.onnx"
    if path.is_file():
        try:
            session = onnxruntime.InferenceSession(path.read_bytes(), options, providers=["CPUExecutionProvider"])
        except (InvalidProtobuf, InvalidGraph, Fail):  # a damaged cached graph is exported again below
            path.unlink(missing_ok=True)
        else:
            os.utime(path)
            return session
    graph = _export(module, example, input_names, output_names, dynamic_axes)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as temp:
            temp.write_bytes(graph)
        _prune(folder, KEPT_GRAPHS)
    except OSError:  # a read-only weights folder only costs the export next time
        pass
    return onnxruntime.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
