"""Tools around the main flow: voice-file metadata, pitch curves, audio analysis and dataset checks.

Each module is the library behind one CLI command and one section of the Utilities tab; none imports gradio.
"""
