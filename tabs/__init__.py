"""The studio's tabs: one module per tab, each with `build() -> None` that adds its components.

Tabs are thin: components and calls into `rvc`. They import only gradio and light `rvc`
modules at load time, so the app starts fast; heavy work is imported inside callbacks.
"""
