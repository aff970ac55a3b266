"""Tools around the main flow: voice-file metadata, pitch curves, audio analysis, dataset checks, blending,
importing voices and the voice library.

Each module is the library behind a CLI command and a tab section; none imports gradio.
"""
