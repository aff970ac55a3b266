"""Named endpoints for scripts: `/convert` (one file) and `/convert_batch` (a folder).

Their parameters are `voice`, the input and every `ConversionOptions` field under its own name, with the
field's type and default: the signatures are generated from the same definitions as the CLI flags and the
Inference tab's controls, so a new option reaches the API without an edit here. Errors come back as one
readable line (`gradio_client` raises it as `AppError`).
"""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Callable
from typing import Any

import gradio as gr
from gradio.data_classes import FileData

from rvc.errors import RVCError
from rvc.infer.library import resolve_voice
from rvc.infer.options import ConversionOptions
from rvc.option_spec import option_fields
from tabs.inference import error_text, output_path_for

API_NAMES = ("convert", "convert_batch")
"""The app's only public endpoints; app.py makes every other event private."""
_REQUIRED = inspect.Parameter.empty


def _option_parameters() -> list[tuple[str, Any, Any]]:
    """(name, type, default) of every `ConversionOptions` field; `effects` also takes JSON text."""
    hints = typing.get_type_hints(ConversionOptions)
    parameters = []
    for item in option_fields(ConversionOptions):
        kind = hints[item.name]
        if item.name == "effects":
            kind = kind | str
        parameters.append((item.name, kind, item.default))
    return parameters


def _signature(leading: list[tuple[str, Any, Any]], returns: Any) -> inspect.Signature:
    """`leading` parameters followed by the option fields, all positional-or-keyword (Gradio passes positions)."""
    return inspect.Signature(
        [
            inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default, annotation=kind)
            for name, kind, default in leading + _option_parameters()
        ],
        return_annotation=returns,
    )


def _endpoint(run: Callable[[dict[str, Any]], Any], name: str, signature: inspect.Signature, doc: str) -> Callable:
    """A function with `signature` that calls `run` with its arguments by name; errors become `gr.Error`."""
    names = list(signature.parameters)

    def endpoint(*args: Any) -> Any:
        try:
            return run(dict(zip(names, args)))
        except Exception as error:  # noqa: BLE001 - the caller gets one line, the console the traceback
            raise gr.Error(error_text(error).removeprefix("Error: ")) from None

    endpoint.__name__ = endpoint.__qualname__ = name
    endpoint.__doc__ = doc
    endpoint.__signature__ = signature
    endpoint.__annotations__ = {key: value.annotation for key, value in signature.parameters.items()}
    endpoint.__annotations__["return"] = signature.return_annotation
    return endpoint


def _conversion_options(values: dict[str, Any]) -> dict[str, Any]:
    """The option fields of `values`, with `effects` given as JSON text read into the mapping."""
    options = {name: values[name] for name, _kind, _default in _option_parameters()}
    effects = options["effects"]
    if isinstance(effects, str):
        try:
            options["effects"] = json.loads(effects) if effects.strip() else {}
        except json.JSONDecodeError as error:
            raise RVCError(
                f'effects is not valid JSON ({error.msg}); pass e.g. {{"reverb": {{"room_size": 0.8}}}}.'
            ) from None
    return options


def _input_path(value: Any) -> str:
    """The server path of an uploaded file (`handle_file(...)` on the client) or of a path typed as text."""
    path = value.get("path") if isinstance(value, dict) else value
    if not isinstance(path, str) or not path.strip():
        raise RVCError("No input given: pass handle_file('song.wav') or the path of an audio file on the server.")
    return path.strip().strip('"')


def convert_file(values: dict[str, Any]) -> FileData:
    """Convert one file into the output folder and return it."""
    from rvc.infer import convert

    voice = resolve_voice(values["voice"])
    source = _input_path(values["input"])
    options = _conversion_options(values)
    output = output_path_for(source, voice, options["output_format"] or "wav")
    result = convert(source, output, voice, **options)
    return FileData(path=str(result.path), orig_name=result.path.name)


def convert_folder(values: dict[str, Any]) -> dict[str, Any]:
    """Convert every audio file of a server folder into another; report what was converted and what failed."""
    from rvc.infer import convert_folder as convert_all

    voice = resolve_voice(values["voice"])
    result = convert_all(values["input_dir"], values["output_dir"], voice, **_conversion_options(values))
    return {
        "converted": [str(item.path) for item in result.converted],
        "failed": [[str(source), reason] for source, reason in result.failed],
        "stopped": result.stopped,
    }


def register() -> None:
    """Add `/convert` and `/convert_batch` to the Blocks being built."""
    voice = ("voice", str, _REQUIRED)
    gr.api(
        _endpoint(
            convert_file,
            "convert",
            _signature([voice, ("input", FileData | str, _REQUIRED)], FileData),
            "Convert one audio file with a voice (a path, or the name of a voice in the logs folder); "
            "returns the converted file. Options are the ConversionOptions fields.",
        ),
        api_name="convert",
    )
    gr.api(
        _endpoint(
            convert_folder,
            "convert_batch",
            _signature([voice, ("input_dir", str, _REQUIRED), ("output_dir", str, _REQUIRED)], dict[str, Any]),
            "Convert every audio file of a folder on the server into output_dir; returns the converted paths, "
            "the failures as [file, reason] and whether it stopped early.",
        ),
        api_name="convert_batch",
    )
