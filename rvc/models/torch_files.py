"""Safe reading and atomic writing of torch `.pth` files (voices, checkpoints, pretrained weights).

Reading never runs code from the file: every load is `torch.load(..., weights_only=True)` and a file
that needs more than tensors and plain containers is refused, never retried with full unpickling.
Writing goes to a temporary file in the target folder that replaces the target only once complete.
"""

from __future__ import annotations

import os
import pickle
import re
from pathlib import Path
from typing import Any

from rvc.atomic_files import atomic_path
from rvc.errors import RVCError

ZIP_MAGIC = b"PK\x03\x04"
PICKLE_PROTO = b"\x80"
HTML_STARTS = (b"<!doctype", b"<html", b"<?xml", b"{")


def _refusal(path: Path, error: BaseException) -> RVCError:
    """The message for a file the weights-only unpickler would not accept."""
    wanted = re.search(r"GLOBAL (\S+) was not an allowed global", str(error))
    detail = f" (it asks to run or build {wanted.group(1)!r})" if wanted else ""
    return RVCError(
        f"{path} holds more than weights{detail}: it may contain code and was NOT loaded. "
        "Use model files only from sources you trust, and get a weights-only copy from them "
        "(re-saved by Applio or RVC Studio) instead of loading this one."
    )


def _check_header(path: Path) -> None:
    """Refuse files that are missing, empty or plainly not a torch file, before any unpickling."""
    if not path.exists():
        raise RVCError(f"{path} does not exist; check the path.")
    if not path.is_file():
        raise RVCError(f"{path} is not a file; pass the path of a .pth file.")
    with path.open("rb") as handle:
        head = handle.read(16)
    if not head:
        raise RVCError(f"{path} is empty (0 bytes); download or export it again.")
    if head.startswith((ZIP_MAGIC, PICKLE_PROTO)):
        return
    if head.lstrip().lower().startswith(HTML_STARTS):
        raise RVCError(f"{path} is a text/web page, not a model file; the download probably failed, fetch it again.")
    raise RVCError(f"{path} is not a PyTorch model file (neither a zip archive nor a pickle); pick a .pth model.")


def load_torch_file(path: str | os.PathLike[str]) -> Any:
    """Load a `.pth` file on the CPU with weights-only unpickling; user errors become `RVCError`."""
    import torch

    path = Path(path)
    _check_header(path)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise _refusal(path, error) from None
    except (RuntimeError, EOFError, KeyError, ValueError, OSError, IndexError) as error:
        raise RVCError(
            f"{path} is damaged or incomplete (possibly a partial download) and could not be read: "
            f"{str(error).splitlines()[0][:160]}. Download or export it again."
        ) from None


def save_torch_file(obj: Any, path: str | os.PathLike[str]) -> Path:
    """Write `obj` with `torch.save` atomically (`rvc.atomic_files`: temp file beside it, synced, then renamed).

    The temp name does not end with `.pth`, so a leftover of a crash is never listed as a voice.
    """
    import torch

    path = Path(path)
    with atomic_path(path, keep_suffix=False) as temp, open(temp, "wb") as handle:
        torch.save(obj, handle)
        handle.flush()
        os.fsync(handle.fileno())
    return path
