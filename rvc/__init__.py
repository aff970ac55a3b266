"""RVC Studio library: voice models, features, conversion and training, usable headless."""

__version__ = "0.1.0"
