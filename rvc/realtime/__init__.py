"""Realtime conversion: a block-streaming engine (no I/O) and its audio-device front-end."""
