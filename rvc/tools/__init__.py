"""Voice tools: blending, importing and the voice library (headless; no gradio)."""
