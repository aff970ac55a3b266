"""Custom pretrained pairs from two links: downloaded, checked to be a generator and a discriminator (weights-only),
and refused (and deleted) when a file is not what its link promised."""

from __future__ import annotations

import io
from fractions import Fraction

import pytest
import torch

from rvc import paths
from rvc.cli import main
from rvc.errors import RVCError
from rvc.tools.custom_pretrained import custom_pretrained_names, fetch_custom_pretrained
from tabs.downloads_ui import download_custom_pretrained
from tests.local_http import FileServer


def checkpoint(weights: dict[str, torch.Tensor]) -> bytes:
    """A training checkpoint as RVC writes one: {"model": state dict, "iteration": ...}, serialized."""
    buffer = io.BytesIO()
    torch.save({"model": weights, "iteration": 1, "learning_rate": 1e-4}, buffer)
    return buffer.getvalue()


G = checkpoint({"enc_p.emb_phone.weight": torch.zeros(4, 3), "dec.conv_pre.weight": torch.zeros(2, 3, 1)})
D = checkpoint({"discriminators.0.convs.0.weight": torch.zeros(2, 1, 5)})


@pytest.fixture
def server():
    with FileServer() as running:
        running.files.update({"/u/klm/resolve/main/G.pth": G, "/u/klm/resolve/main/D.pth": D})
        yield running


def test_a_pair_is_fetched_checked_and_listed(server):
    g, d = fetch_custom_pretrained(
        "klm", server.url("u/klm/resolve/main/G.pth"), server.url("u/klm/resolve/main/D.pth")
    )
    folder = paths.pretrained_dir() / "custom" / "klm"
    assert (g, d) == (folder / "G.pth", folder / "D.pth")
    assert g.read_bytes() == G and d.read_bytes() == D
    assert custom_pretrained_names() == ["klm"]


def test_swapped_links_code_and_bad_names_are_refused_and_leave_no_file(server):
    g_url, d_url = server.url("u/klm/resolve/main/G.pth"), server.url("u/klm/resolve/main/D.pth")
    with pytest.raises(RVCError, match=r"G.pth is not a generator \(G\) checkpoint: its weights are discriminators"):
        fetch_custom_pretrained("swapped", d_url, g_url)
    assert not (paths.pretrained_dir() / "custom" / "swapped" / "G.pth").exists()

    buffer = io.BytesIO()
    torch.save({"model": {"enc_p.x": torch.zeros(1)}, "extra": Fraction(1, 3)}, buffer)  # needs code to unpickle
    server.files["/code/G.pth"] = buffer.getvalue()
    with pytest.raises(RVCError, match=r"G.pth holds more than weights .*Fraction.*: it may contain code and was NOT"):
        fetch_custom_pretrained("code", server.url("code/G.pth"), d_url)
    server.files["/page/G.pth"] = b"<!doctype html><html>Sign in to Hugging Face</html>"
    with pytest.raises(RVCError, match="G.pth is a text/web page, not a model file; the download probably failed"):
        fetch_custom_pretrained("page", server.url("page/G.pth"), d_url)
    assert not (paths.pretrained_dir() / "custom" / "page" / "G.pth").exists()
    assert custom_pretrained_names() == []
    with pytest.raises(RVCError, match="invalid run name"):
        fetch_custom_pretrained("../up", g_url, d_url)
    with pytest.raises(RVCError, match="is not an http"):
        fetch_custom_pretrained("local", "/home/me/G.pth", d_url)


def test_the_cli_and_the_download_tab_fetch_a_pair(server, capsys):
    g_url, d_url = server.url("u/klm/resolve/main/G.pth"), server.url("u/klm/resolve/main/D.pth")
    assert main(["download", "--custom-pretrained", "klm", g_url, d_url]) == 0
    g = paths.pretrained_dir() / "custom" / "klm" / "G.pth"
    assert f"--pretrained-g {g} --pretrained-d {g.with_name('D.pth')}" in capsys.readouterr().out
    message = download_custom_pretrained("other", g_url, d_url, progress=lambda *args, **kwargs: None)
    assert message.startswith("✅ Saved and checked") and custom_pretrained_names() == ["klm", "other"]
    message = download_custom_pretrained("bad", d_url, d_url, progress=lambda *args, **kwargs: None)
    assert message.startswith("❌ G.pth is not a generator (G) checkpoint")


def test_the_train_tab_fills_the_pretrained_paths_from_a_pair(server):
    from tabs import train as train_tab

    fetch_custom_pretrained("klm", server.url("u/klm/resolve/main/G.pth"), server.url("u/klm/resolve/main/D.pth"))
    on, g, d = train_tab.use_custom_pretrained("klm")
    folder = paths.pretrained_dir() / "custom" / "klm"
    assert (on["value"], g["value"], d["value"]) == (True, str(folder / "G.pth"), str(folder / "D.pth"))
    assert all("value" not in update for update in train_tab.use_custom_pretrained(None))
