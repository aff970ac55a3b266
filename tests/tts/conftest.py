"""The conversion fixtures (random-weight voice, tiny embedder, RMVPE) for the text-to-voice tests."""

from tests.infer.conftest import infer_models, installed  # noqa: F401  (pytest finds fixtures by name here)
