"""The web app: options, fast `--help`, and a real server answering with the eight tabs on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
from pathlib import Path

import pytest

from tests.app_server import ROOT, app_env, get, running_app

TAB_NAMES = ["Inference", "Train", "TTS", "Realtime", "Voice Blender", "Utilities", "Download", "Settings"]


def run_in_root(args: list[str], env: dict[str, str] | None = None, timeout: int = 60) -> subprocess.CompletedProcess:
    """Run `args` in the repository root with text output captured; a non-zero exit is the caller's to check."""
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def top_level_tab_labels(config: dict) -> list[str]:
    """Labels of the tabs in the first (outermost) tab set of a page's `/config`, in order."""
    components = {component["id"]: component for component in config["components"]}
    pending = [config["layout"]]
    while pending:
        node = pending.pop(0)
        if components.get(node["id"], {}).get("type") == "tabs":
            return [components[child["id"]]["props"]["label"] for child in node.get("children", [])]
        pending.extend(node.get("children", []))
    return []


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app started as a user would (`python app.py --no-browser`), with a saved theme; yields its port."""
    folder = tmp_path_factory.mktemp("app")
    (folder / "settings.json").write_text(json.dumps({"theme": "Ocean", "precision": "bf16"}))
    with running_app(folder) as url:
        yield int(url.rsplit(":", 1)[1])


def test_help_lists_the_options_without_importing_gradio():
    code = (
        "import sys, app\n"
        "try:\n    app.main(['--help'])\nexcept SystemExit as exit:\n    assert exit.code == 0\n"
        "print('gradio imported' if 'gradio' in sys.modules else 'gradio not imported')"
    )
    result = run_in_root([sys.executable, "-c", code])
    assert result.returncode == 0, result.stderr
    for option in ("--host", "--port", "--share", "--no-browser"):
        assert option in result.stdout
    assert result.stdout.strip().endswith("gradio not imported")


def test_importing_app_loads_no_heavy_package():
    code = "import sys, app; print(sorted(m for m in ('gradio', 'torch', 'numpy') if m in sys.modules))"
    result = run_in_root([sys.executable, "-c", code])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_building_the_page_imports_no_model_library(tmp_path):
    heavy = ("torch", "torchaudio", "librosa", "faiss", "scipy", "transformers", "onnxruntime", "pedalboard")
    code = f"import sys, app\napp.build_app('Soft')\nprint(sorted(m for m in {heavy!r} if m in sys.modules))"
    result = run_in_root([sys.executable, "-c", code], env=app_env(tmp_path), timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]", "tabs must import heavy libraries inside callbacks"


def test_defaults_are_local_and_private():
    import app

    args = app.parse_args([])
    assert (args.host, args.port, args.share, args.no_browser) == ("127.0.0.1", 6969, False, False)
    args = app.parse_args(["--host", "0.0.0.0", "--port", "7000", "--share", "--no-browser"])
    assert (args.host, args.port, args.share, args.no_browser) == ("0.0.0.0", 7000, True, True)


def test_unusable_settings_start_the_app_with_defaults_and_a_warning(capsys):
    import app
    from rvc import paths

    paths.settings_path().write_text('{"theme": "Plaid"}')
    assert app.saved_settings().theme == "Soft"
    assert "warning: unknown theme 'Plaid'" in capsys.readouterr().err


def test_page_answers_with_all_eight_tabs(server):
    status, html = get(f"http://127.0.0.1:{server}/")
    assert status == 200
    for name in TAB_NAMES:
        assert name in html
    status, body = get(f"http://127.0.0.1:{server}/config")
    config = json.loads(body)
    assert top_level_tab_labels(config) == TAB_NAMES
    assert config["title"] == "RVC Studio"


def test_the_realtime_routes_are_served_beside_the_page(server):
    from websockets.sync.client import connect

    deadline = time.monotonic() + 10  # the routes are added right after Gradio starts serving the page
    while True:
        try:
            status, script = get(f"http://127.0.0.1:{server}/realtime/client.js")
            break
        except urllib.error.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    assert status == 200 and "export async function start" in script
    with connect(f"ws://127.0.0.1:{server}/realtime/stream") as socket:
        socket.send(json.dumps({"rate": 48000}))
        answer = json.loads(socket.recv(timeout=10))
    assert answer["fatal"] and answer["error"].startswith("choose a voice first")


def test_saved_theme_and_settings_reach_the_page(server):
    config = json.loads(get(f"http://127.0.0.1:{server}/config")[1])
    assert config["theme"] == "ocean"
    component_labels = {c["props"].get("label") for c in config["components"]}
    assert {
        "Theme",
        "Output folder",
        "Training precision",
        "Conversion precision",
        "Prerequisite details",
    } <= component_labels


@pytest.mark.skipif(not Path("/proc/net/tcp").is_file(), reason="needs Linux /proc/net/tcp")
def test_binds_loopback_only_by_default(server):
    listening = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, port = local.split(":")
        if state == "0A" and int(port, 16) == server:
            listening.add(address)
    assert listening == {"0100007F"}, "the app must listen on 127.0.0.1 only unless --host says otherwise"


def test_busy_port_gives_a_clear_error(server, tmp_path):
    result = run_in_root(
        [sys.executable, "app.py", "--no-browser", "--port", str(server)], env=app_env(tmp_path), timeout=120
    )
    assert result.returncode == 1
    assert f"cannot serve on 127.0.0.1:{server}" in result.stderr
    assert "Traceback" not in result.stderr
