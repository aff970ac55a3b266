"""Checks that a run's `config.json` (written at extract time) fits the options training was started with."""

from __future__ import annotations

from rvc.configs import VERSIONS, load_config
from rvc.errors import RVCError


def config_version(config: dict) -> str | None:
    """The voice version (v1/v2) whose feature size the run's config has, or None if neither."""
    rate, dim = config["data"]["sample_rate"], config["model"]["text_enc_hidden_dim"]
    matches = [v for v in VERSIONS if load_config(rate, v)["model"]["text_enc_hidden_dim"] == dim]
    return matches[0] if matches else None


def check_version(config: dict, version: str, name: str) -> None:
    """Refuse to train `version` on a run extracted for the other one (v2 would read v1 features, or back)."""
    found = config_version(config)
    if found != version:
        dim = config["model"]["text_enc_hidden_dim"]
        raise RVCError(
            f"run {name!r} was extracted as {found or 'an unknown version'} ({dim}-d features, see its config.json) "
            f"but training asks for {version}; train with --version {found or 'matching the features'}, "
            f"or preprocess and extract a new run for {version}"
        )
