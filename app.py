"""RVC Studio web app: builds the Gradio page from `tabs/` and serves it on 127.0.0.1:6969 by default.

Start-up stays fast: only gradio and light `rvc` modules are imported here; models and
heavy libraries load inside the callbacks that need them.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import gradio as gr

    from rvc.settings import Settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 6969
TITLE = "RVC Studio"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options of the app."""
    parser = argparse.ArgumentParser(prog="app.py", description=f"{TITLE}: the voice-conversion web app.")
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this computer only; 0.0.0.0 opens it to the network)",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})")
    parser.add_argument("--share", action="store_true", help="also publish a temporary public gradio.live link")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    return parser.parse_args(argv)


def saved_settings() -> Settings:
    """The saved settings, or the defaults when the settings file is unusable (a warning says why)."""
    from rvc.errors import RVCError
    from rvc.settings import Settings, load_settings

    try:
        return load_settings()
    except RVCError as error:
        print(f"warning: {error}; using default settings", file=sys.stderr)
        return Settings()


def build_app(theme: str) -> gr.Blocks:
    """The whole page: title, prerequisites banner, the eight tabs and the `/convert` endpoints for scripts."""
    import gradio as gr

    from tabs import banner, conversion_api, download, inference, realtime, train, tts, utilities, voice_blender
    from tabs import settings as settings_tab

    tabs = (
        ("Inference", inference.build),
        ("Train", train.build),
        ("TTS", tts.build),
        ("Realtime", realtime.build),
        ("Voice Blender", voice_blender.build),
        ("Utilities", utilities.build),
        ("Download", download.build),
        ("Settings", lambda: settings_tab.build(theme)),
    )
    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(f"# {TITLE}\nRetrieval-based voice conversion: convert audio with a voice, or train your own.")
        banner.build()
        with gr.Tabs():
            for label, build_tab in tabs:
                with gr.Tab(label, id=label.lower().replace(" ", "_")):
                    build_tab()
        conversion_api.register()
    keep_only_named_endpoints(demo, conversion_api.API_NAMES)
    return demo


def keep_only_named_endpoints(demo: gr.Blocks, public: tuple[str, ...]) -> None:
    """Make every event of `demo` private except the endpoints named `public`.

    The tabs mark their callbacks private themselves, but Gradio also adds a page-load event for each control
    whose value is a function (saved settings), and those cannot be marked where they are made.
    """
    for dependency in demo.fns.values():
        if dependency.api_name not in public:
            dependency.api_visibility = "private"
    demo.config = demo.get_config_file()


def main(argv: list[str] | None = None) -> int:
    """Parse options, build the page and serve it until interrupted."""
    args = parse_args(argv)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    from rvc.settings import resolve_output_dir
    from tabs import realtime_server

    settings = saved_settings()
    demo = build_app(settings.theme)
    try:
        demo.queue().launch(
            server_name=args.host,
            server_port=args.port,
            share=args.share,
            inbrowser=not args.no_browser,
            theme=getattr(gr.themes, settings.theme)(),
            allowed_paths=[str(resolve_output_dir(settings))],
            prevent_thread_lock=True,
        )
    except OSError as error:
        print(
            f"error: cannot serve on {args.host}:{args.port} ({error}); pass --port with a free port", file=sys.stderr
        )
        return 1
    realtime_server.install_routes(demo.app)  # the Realtime tab's browser microphone
    demo.block_thread()
    return 0


if __name__ == "__main__":
    sys.exit(main())
