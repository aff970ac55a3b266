"""Downloads against a local HTTP server: plain, resumed, ignored Range, corrupt, 404, offline, disk full."""

from __future__ import annotations

import errno
import hashlib
import itertools
import os
from types import SimpleNamespace

import pytest

from rvc import downloads, prerequisites
from rvc.errors import RVCError
from tests.local_http import FileServer, unused_port

PAYLOAD = bytes(range(256)) * 1200  # 307200 bytes: several 64 KiB chunks


@pytest.fixture
def server():
    with FileServer() as running:
        running.files["/rmvpe.pt"] = PAYLOAD
        yield running


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_plain_download_verifies_and_reports_progress(server, tmp_path):
    target = tmp_path / "out" / "rmvpe.pt"
    seen = []
    result = downloads.download_file(
        server.url("rmvpe.pt"),
        target,
        expected_size=len(PAYLOAD),
        sha256=sha(PAYLOAD),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert result == target
    assert target.read_bytes() == PAYLOAD
    assert not downloads.part_path(target).exists()
    assert seen[0] == (0, len(PAYLOAD)) and seen[-1] == (len(PAYLOAD), len(PAYLOAD))
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(seen))
    assert "Range" not in server.headers_for("rmvpe.pt")[0]


def test_interrupted_transfer_resumes_with_range(server, tmp_path):
    server.cut_once.add("/rmvpe.pt")
    server.cut_at = 200_000
    target = tmp_path / "rmvpe.pt"
    with pytest.raises(RVCError, match="interrupted.*run it again to resume"):
        downloads.download_file(server.url("rmvpe.pt"), target, sha256=sha(PAYLOAD))
    part = downloads.part_path(target)
    kept = part.stat().st_size
    assert 0 < kept <= 200_000 and not target.exists()
    assert part.read_bytes() == PAYLOAD[:kept]

    seen = []
    downloads.download_file(
        server.url("rmvpe.pt"), target, sha256=sha(PAYLOAD), progress=lambda d, t: seen.append((d, t))
    )
    assert target.read_bytes() == PAYLOAD
    assert not part.exists()
    assert server.headers_for("rmvpe.pt")[1]["Range"] == f"bytes={kept}-"
    assert seen[0] == (kept, len(PAYLOAD))


def test_server_ignoring_range_restarts_from_zero(server, tmp_path):
    server.ignore_range.add("/rmvpe.pt")
    target = tmp_path / "rmvpe.pt"
    downloads.part_path(target).write_bytes(b"stale bytes from an older attempt")
    downloads.download_file(server.url("rmvpe.pt"), target, expected_size=len(PAYLOAD), sha256=sha(PAYLOAD))
    assert target.read_bytes() == PAYLOAD
    assert server.headers_for("rmvpe.pt")[0]["Range"].startswith("bytes=")


def test_complete_part_is_finished_without_refetching(server, tmp_path):
    target = tmp_path / "rmvpe.pt"
    downloads.part_path(target).write_bytes(PAYLOAD)
    downloads.download_file(server.url("rmvpe.pt"), target, sha256=sha(PAYLOAD))
    assert target.read_bytes() == PAYLOAD
    assert server.headers_for("rmvpe.pt")[0]["Range"] == f"bytes={len(PAYLOAD)}-"  # answered 416, then verified


def test_checksum_mismatch_is_rejected_and_nothing_left(server, tmp_path):
    target = tmp_path / "rmvpe.pt"
    with pytest.raises(RVCError, match="checksum mismatch.*deleted") as caught:
        downloads.download_file(server.url("rmvpe.pt"), target, sha256=sha(b"something else"))
    assert str(target) in str(caught.value)
    assert not target.exists() and not downloads.part_path(target).exists()


def test_size_mismatch_is_rejected_before_download(server, tmp_path):
    target = tmp_path / "rmvpe.pt"
    with pytest.raises(RVCError, match=f"serves {len(PAYLOAD)} bytes but rmvpe.pt should be 10"):
        downloads.download_file(server.url("rmvpe.pt"), target, expected_size=10)
    assert list(tmp_path.iterdir()) == []


def test_existing_target_is_replaced_only_after_verification(server, tmp_path):
    target = tmp_path / "rmvpe.pt"
    target.write_bytes(b"old")
    with pytest.raises(RVCError):
        downloads.download_file(server.url("rmvpe.pt"), target, sha256="0" * 64)
    assert target.read_bytes() == b"old"


def test_404_names_url_and_manual_fix(server, tmp_path):
    target = tmp_path / "missing.bin"
    with pytest.raises(RVCError, match="HTTP 404") as caught:
        downloads.download_file(server.url("missing.bin"), target)
    message = str(caught.value)
    assert server.url("missing.bin") in message and f"save it as {target}" in message
    assert "\n" not in message
    assert not downloads.part_path(target).exists()


def test_connection_refused_says_offline(tmp_path):
    target = tmp_path / "rmvpe.pt"
    url = f"http://127.0.0.1:{unused_port()}/rmvpe.pt"
    with pytest.raises(RVCError, match="connection was refused.*Check the internet connection") as caught:
        downloads.download_file(url, target, timeout=(2.0, 2.0))
    assert f"save it as {target}" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_disk_full_deletes_part_and_says_so(server, tmp_path, monkeypatch):
    real_open = open

    class FullDisk:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, chunk):
            self.handle.write(chunk[:10])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def fake_open(path, mode="r", *args, **kwargs):
        handle = real_open(path, mode, *args, **kwargs)
        return FullDisk(handle) if "b" in mode and ("w" in mode or "a" in mode) else handle

    monkeypatch.setattr(downloads, "open", fake_open, raising=False)
    target = tmp_path / "rmvpe.pt"
    with pytest.raises(RVCError, match="disk full while saving rmvpe.pt"):
        downloads.download_file(server.url("rmvpe.pt"), target)
    assert list(tmp_path.iterdir()) == []


def test_too_little_free_space_fails_before_writing(server, tmp_path, monkeypatch):
    monkeypatch.setattr(
        downloads.shutil, "disk_usage", lambda path: SimpleNamespace(total=10**9, used=10**9, free=1000)
    )
    target = tmp_path / "rmvpe.pt"
    with pytest.raises(RVCError, match=r"not enough disk space for rmvpe.pt .*needs 0.3 MB, 0.0 MB free"):
        downloads.download_file(server.url("rmvpe.pt"), target)
    assert list(tmp_path.iterdir()) == []


def test_download_missing_uses_catalogue_paths_and_base_url(server, monkeypatch):
    monkeypatch.setenv(prerequisites.BASE_URL_ENV, server.base_url + "/Resources")
    server.files["/Resources/predictors/rmvpe.pt"] = PAYLOAD
    item = prerequisites.rmvpe_items()[0]
    assert not item.present
    events = []
    fetched = downloads.download_missing([item], progress=lambda it, done, total: events.append((it.name, done)))
    assert fetched == [item.path] and item.path.read_bytes() == PAYLOAD
    assert events[-1] == ("rmvpe.pt", len(PAYLOAD))
    assert downloads.download_missing([item]) == []  # already present: nothing fetched
