"""Prerequisites catalogue: local paths, present/missing status, pretrained lookup, and the download CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rvc import cli, paths, prerequisites
from rvc.errors import RVCError
from tests.local_http import FileServer

ROOT = paths.PROJECT_ROOT


def test_check_all_reports_missing_then_present(isolated_paths):
    statuses = prerequisites.check_all()
    names = [status.name for status in statuses]
    assert names[:3] == ["contentvec/config.json", "contentvec/pytorch_model.bin", "rmvpe.pt"]
    assert "hifi-gan/f0G40k.pth" in names and "hifi-gan/f0D48k.pth" in names
    assert not any(status.present for status in statuses)
    for status in statuses:
        assert status.path.is_relative_to(isolated_paths / "weights")
        assert "python -m rvc download" in status.fix and str(status.path) in status.fix

    contentvec = paths.embedder_dir("contentvec")
    contentvec.mkdir(parents=True)
    (contentvec / "config.json").write_text("{}")
    (contentvec / "pytorch_model.bin").write_bytes(b"weights")
    paths.rmvpe_path().parent.mkdir(parents=True)
    paths.rmvpe_path().write_bytes(b"rmvpe")
    by_name = {status.name: status for status in prerequisites.check_all()}
    assert by_name["contentvec/config.json"].present and by_name["contentvec/config.json"].fix == ""
    assert by_name["rmvpe.pt"].present and by_name["rmvpe.pt"].path == paths.rmvpe_path()
    assert not by_name["hifi-gan/f0G40k.pth"].present
    assert "--pretrained --sample-rate 40000 --vocoder hifi-gan" in by_name["hifi-gan/f0G40k.pth"].fix


def test_embedder_weights_saved_as_safetensors_count_as_present():
    """The loader takes `model.safetensors` as well as `pytorch_model.bin` (Hugging Face's two layouts); the check
    reported such an embedder missing, and "Download missing prerequisites" fetched a second copy."""
    contentvec = paths.embedder_dir("contentvec")
    contentvec.mkdir(parents=True)
    (contentvec / "config.json").write_text("{}")
    (contentvec / "model.safetensors").write_bytes(b"weights")
    by_name = {status.name: status for status in prerequisites.check_all()}
    assert by_name["contentvec/pytorch_model.bin"].present and by_name["contentvec/pytorch_model.bin"].fix == ""
    assert not by_name["rmvpe.pt"].present


def test_optional_items_only_on_request():
    essential = {status.name for status in prerequisites.check_all()}
    everything = {status.name for status in prerequisites.check_all(include_optional=True)}
    assert "spin-v2/pytorch_model.bin" in everything - essential
    assert "refinegan/f0G32k.pth" in everything - essential
    assert essential < everything
    assert len(everything) == len(prerequisites.catalogue())


def test_embedder_remote_folders_and_base_url_override(monkeypatch):
    item = prerequisites.embedder_items("chinese-hubert-base")[1]
    assert item.url == f"{prerequisites.DEFAULT_BASE_URL}/embedders/chinese_hubert_base/pytorch_model.bin"
    assert item.path == paths.embedder_dir("chinese-hubert-base") / "pytorch_model.bin"
    monkeypatch.setenv(prerequisites.BASE_URL_ENV, "http://mirror.local/res/")
    assert item.url == "http://mirror.local/res/embedders/chinese_hubert_base/pytorch_model.bin"
    with pytest.raises(RVCError, match="unknown built-in embedder 'hubert-xl'"):
        prerequisites.embedder_items("hubert-xl")


@pytest.mark.parametrize(
    ("sample_rate", "vocoder", "version", "use_f0", "expected"),
    [
        (40000, "HiFi-GAN", "v2", True, ("hifi-gan/f0G40k.pth", "hifi-gan/f0D40k.pth")),
        (48000, "hifi-gan", "v2", False, ("hifi-gan/G48k.pth", "hifi-gan/D48k.pth")),
        (32000, "HiFi-GAN", "v1", True, ("hifi-gan-v1/f0G32k.pth", "hifi-gan-v1/f0D32k.pth")),
        (32000, "RefineGAN", "v2", True, ("refinegan/f0G32k.pth", "refinegan/f0D32k.pth")),
        (44100, "HiFi-GAN", "v2", True, None),
        (40000, "MRF HiFi-GAN", "v2", True, None),
        (40000, "RefineGAN", "v2", True, None),
        (32000, "RefineGAN", "v1", True, None),
    ],
)
def test_pretrained_for(sample_rate, vocoder, version, use_f0, expected):
    found = prerequisites.pretrained_for(sample_rate, vocoder, version, use_f0)
    if expected is None:
        assert found is None
        message = prerequisites.no_pretrained_message(sample_rate, vocoder, version, use_f0)
        assert f"{sample_rate} Hz" in message and "from scratch" in message and "\n" not in message
    else:
        root = paths.pretrained_dir()
        assert found == (root / expected[0], root / expected[1])


def test_pretrained_remote_paths_follow_applio_layout():
    g, d = prerequisites.pretrained_items(40000, "HiFi-GAN")
    assert (g.remote_path, d.remote_path) == ("pretrained_v2/f0G40k.pth", "pretrained_v2/f0D40k.pth")
    g1, _ = prerequisites.pretrained_items(48000, "HiFi-GAN", "v1", use_f0=False)
    assert g1.remote_path == "pretrained_v1/G48k.pth"
    assert prerequisites.pretrained_items(32000, "refinegan")[0].remote_path == "refinegan/f0G32k.pth"


def test_unknown_vocoder_is_a_user_error():
    with pytest.raises(RVCError, match="unknown vocoder 'BigVGAN'"):
        prerequisites.pretrained_for(40000, "BigVGAN")


def run_download_cli(*args: str) -> subprocess.CompletedProcess:
    """`python -m rvc download ARGS` in a child process, from the project root."""
    return subprocess.run(
        [sys.executable, "-m", "rvc", "download", *args],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_help_documents_layout():
    result = run_download_cli("--help")
    assert result.returncode == 0, result.stderr
    for text in (
        "embedders/<name>/config.json",
        "predictors/rmvpe.pt",
        "pretrained/hifi-gan/f0G40k.pth",
        "from scratch",
        prerequisites.BASE_URL_ENV,
    ):
        assert text in result.stdout


def test_cli_list_shows_state_and_paths(isolated_paths):
    result = run_download_cli("--list")
    assert result.returncode == 0, result.stderr
    assert f"[missing] {'rmvpe.pt':40s} {isolated_paths / 'weights' / 'predictors' / 'rmvpe.pt'}" in result.stdout
    assert "python -m rvc download --embedder spin-v2" in result.stdout


def test_cli_download_fetches_then_skips(monkeypatch, capsys):
    with FileServer() as server:
        server.files["/predictors/rmvpe.pt"] = b"r" * 5000
        monkeypatch.setenv(prerequisites.BASE_URL_ENV, server.base_url)
        assert cli.main(["download", "--rmvpe"]) == 0
        assert paths.rmvpe_path().read_bytes() == b"r" * 5000
        assert f"saved: {paths.rmvpe_path()}" in capsys.readouterr().out
        assert cli.main(["download", "--rmvpe"]) == 0
        assert f"already present: {paths.rmvpe_path()}" in capsys.readouterr().out
        assert len(server.requests) == 1


def test_cli_download_errors_are_one_line(monkeypatch, capsys):
    with FileServer() as server:
        monkeypatch.setenv(prerequisites.BASE_URL_ENV, server.base_url)
        assert cli.main(["download", "--embedder", "spin"]) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: ") and "HTTP 404" in err and err.count("\n") == 1
    assert cli.main(["download", "--pretrained", "--sample-rate", "44100"]) == 1
    assert "at 44100 Hz with pitch guidance: training will start from scratch" in capsys.readouterr().err
    assert cli.main(["download", "--pretrained", "--vocoder", "mrf-hifi-gan"]) == 1
    err = capsys.readouterr().err
    assert "no public pretrained exists for MRF HiFi-GAN v2 at any sample rate with pitch guidance" in err
    assert "HiFi-GAN v2 at 32k, 40k, 48k; RefineGAN v2 at 32k." in err
    with FileServer() as server:
        monkeypatch.setenv(prerequisites.BASE_URL_ENV, server.base_url)
        assert cli.main(["download"]) == 1  # no selection means the essentials, starting with ContentVec
        assert "embedders/contentvec/config.json was not found (HTTP 404)" in capsys.readouterr().err


def test_cli_refuses_an_unsupported_sample_rate(capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main(["download", "--pretrained", "--sample-rate", "22050"])
    assert caught.value.code == 2
    assert "invalid choice: 22050 (choose from 32000, 40000, 44100, 48000)" in capsys.readouterr().err
