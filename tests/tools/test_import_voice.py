"""Importing voices: local .pth/.zip, links from a local HTTP server, name collisions, and crafted archives
(traversal, absolute path, symlink, device, zip bombs, lying sizes, pickle payloads) refused with nothing written."""

from __future__ import annotations

import pickle
import stat
import struct
import zipfile
from pathlib import Path

import pytest
import torch

from rvc import paths
from rvc.cli import main
from rvc.errors import RVCError
from rvc.models import read_voice_file
from rvc.testing.model_fixtures import save_random_index
from rvc.tools import import_voice as importer
from rvc.tools.import_voice import import_voice, normalize_url, voice_name_from
from tests.local_http import FileServer
from tests.tools.voices import tiny_voice


@pytest.fixture
def voice(tmp_path) -> Path:
    return tiny_voice(tmp_path / "src" / "alice.pth", seed=1)


@pytest.fixture
def index768(tmp_path) -> Path:
    return save_random_index(tmp_path / "src" / "added_IVF4_Flat_nprobe_1_alice_v2.index", dim=768, vectors=200)


def make_zip(path: Path, entries: dict[str, bytes | Path], **info_fields) -> Path:
    """A zip whose entries are `name -> bytes or file`; `info_fields` apply to every ZipInfo."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            for field, value in info_fields.items():
                setattr(info, field, value)
            archive.writestr(info, data.read_bytes() if isinstance(data, Path) else data)
    return path


def logs_are_empty() -> bool:
    """Nothing in the logs folder (a refusal after staging may leave the empty folder itself)."""
    logs = paths.logs_dir()
    return not logs.exists() or not any(logs.iterdir())


def nothing_created() -> bool:
    """Not even the logs folder: the archive was refused from its directory, before anything was staged."""
    return not paths.logs_dir().exists()


def test_local_pth_lands_in_its_own_folder(voice):
    result = import_voice(str(voice))
    folder = paths.logs_dir() / "alice"
    assert result.voice == folder / "alice.pth" and result.index is None
    assert result.voice.read_bytes() == voice.read_bytes()
    assert sorted(path.name for path in folder.iterdir()) == ["alice.pth"]
    assert (result.sample_rate, result.version, result.vocoder) == (40000, "v2", "HiFi-GAN")
    assert [str(path) for path in paths.find_voices()] == [str(folder / "alice.pth")]


def test_local_zip_with_index_in_a_subfolder(voice, index768, tmp_path):
    archive = make_zip(
        tmp_path / "Alice Voice.zip",
        {"alice/alice.pth": voice, f"alice/{index768.name}": index768, "__MACOSX/alice/._alice.pth": b"junk"},
    )
    result = import_voice(str(archive))
    folder = paths.logs_dir() / "Alice_Voice"
    assert result.voice == folder / "Alice_Voice.pth" and result.index == folder / "Alice_Voice.index"
    assert result.voice.read_bytes() == voice.read_bytes()
    assert result.index.read_bytes() == index768.read_bytes()
    assert sorted(path.name for path in folder.iterdir()) == ["Alice_Voice.index", "Alice_Voice.pth"]


def test_name_collisions_get_a_suffix_and_never_overwrite(voice, tmp_path):
    first = import_voice(str(voice), name="singer")
    other = tiny_voice(tmp_path / "other.pth", seed=5)
    second = import_voice(str(other), name="singer")
    assert (first.name, second.name) == ("singer", "singer_2")
    assert second.voice == paths.logs_dir() / "singer_2" / "singer_2.pth"
    assert first.voice.read_bytes() == voice.read_bytes() and second.voice.read_bytes() == other.read_bytes()
    assert "exists, so this one is 'singer_2'" in second.describe()


def test_index_of_the_wrong_width_refuses_the_import(voice, tmp_path):
    narrow = save_random_index(tmp_path / "alice.index", dim=256, vectors=200)
    archive = make_zip(tmp_path / "alice.zip", {"alice.pth": voice, "alice.index": narrow})
    with pytest.raises(RVCError, match=r"alice.index holds 256-d features but the voice is v2 \(768-d\)"):
        import_voice(str(archive))
    assert logs_are_empty()


def test_zip_with_a_broken_voice_is_refused(voice, tmp_path):
    archive = make_zip(tmp_path / "broken.zip", {"broken.pth": voice.read_bytes()[:5000]})
    with pytest.raises(RVCError, match="broken.zip was not imported: broken.pth is damaged"):
        import_voice(str(archive))
    assert logs_are_empty()


@pytest.mark.parametrize(
    ("entry", "info_fields", "message"),
    [
        ("../x.pth", {}, r"entry '../x.pth' points outside the archive"),
        ("voices/../../x.pth", {}, r"entry 'voices/../../x.pth' points outside the archive"),
        ("/etc/x.pth", {}, r"entry '/etc/x.pth' has an absolute path"),
        ("C:/x.pth", {}, r"entry 'C:/x.pth' has an absolute path"),
        (
            "link.pth",
            {"create_system": 3, "external_attr": (stat.S_IFLNK | 0o777) << 16},
            "entry 'link.pth' is a symbolic link",
        ),
        ("dev.pth", {"create_system": 3, "external_attr": (stat.S_IFCHR | 0o600) << 16}, "entry 'dev.pth' is a device"),
    ],
)
def test_unsafe_entries_refuse_the_whole_archive(voice, tmp_path, entry, info_fields, message):
    archive = make_zip(tmp_path / "evil.zip", {entry: voice}, **info_fields)
    with pytest.raises(RVCError, match=f"evil.zip was not imported: {message}.*Nothing was written"):
        import_voice(str(archive))
    assert nothing_created()
    assert not (tmp_path / "x.pth").exists() and not Path("/etc/x.pth").exists()


def test_zip_bomb_by_compression_ratio_is_refused_before_extraction(voice, tmp_path):
    archive = make_zip(tmp_path / "bomb.zip", {"alice.pth": voice, "padding.index": bytes(64 << 20)})
    assert archive.stat().st_size < 1 << 20
    with pytest.raises(RVCError, match=r"would expand .* to 67,108,864 \(over 100:1, a zip bomb\)"):
        import_voice(str(archive))
    assert nothing_created()


def _patch_sizes(archive: Path, sizes: dict[str, int]) -> None:
    """Rewrite the declared uncompressed size of entries in the central directory (and local headers)."""
    data = bytearray(archive.read_bytes())
    for signature, size_offset, name_offset in ((b"PK\x01\x02", 24, 46), (b"PK\x03\x04", 22, 30)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            name_length = struct.unpack_from("<H", data, start + size_offset + 4)[0]
            name = bytes(data[start + name_offset : start + name_offset + name_length]).decode()
            if name in sizes:
                struct.pack_into("<I", data, start + size_offset, sizes[name])
            start += 4
    archive.write_bytes(bytes(data))


def test_zip_declaring_a_huge_total_size_is_refused(voice, tmp_path):
    archive = make_zip(tmp_path / "huge.zip", {"alice.pth": voice, "a.index": b"1" * 10, "b.index": b"2" * 10})
    _patch_sizes(archive, {"a.index": 3 << 30, "b.index": 3 << 30})
    with pytest.raises(RVCError, match=r"huge.zip was not imported: it would expand to 6.0 GiB \(at most 4 GiB"):
        import_voice(str(archive))
    assert nothing_created()


def test_entry_larger_than_it_declares_is_refused(voice, tmp_path):
    archive = make_zip(tmp_path / "liar.zip", {"alice.pth": voice})
    _patch_sizes(archive, {"alice.pth": 1000})
    with zipfile.ZipFile(archive) as check:
        assert check.getinfo("alice.pth").file_size == 1000
    with pytest.raises(RVCError, match="liar.zip was not imported: entry 'alice.pth' is damaged"):
        import_voice(str(archive))
    assert logs_are_empty()


def test_too_many_entries_are_refused(voice, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "MAX_ENTRIES", 3)
    archive = make_zip(tmp_path / "many.zip", {"alice.pth": voice, **{f"n{i}.txt": b"" for i in range(3)}})
    with pytest.raises(RVCError, match="it has 4 entries \\(at most 3\\)"):
        import_voice(str(archive))
    assert nothing_created()


class Payload:
    """Unpickling this would create a marker file (the attack a weights-only loader must stop)."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').write('pwned')",))


@pytest.mark.parametrize("packaging", ["pth", "zip", "torch-zip"])
def test_pickle_payload_never_runs(tmp_path, packaging):
    marker = tmp_path / "marker.txt"
    evil = tmp_path / "evil.pth"
    if packaging == "torch-zip":
        torch.save({"weight": {"x": torch.zeros(1)}, "config": Payload(marker)}, evil)
    else:
        evil.write_bytes(pickle.dumps({"weight": Payload(marker)}, protocol=2))
    source = make_zip(tmp_path / "evil.zip", {"evil.pth": evil}) if packaging == "zip" else evil
    with pytest.raises(RVCError, match=r"evil\.(pth|zip) was not imported: evil.pth holds more than weights"):
        import_voice(str(source))
    assert not marker.exists()
    assert logs_are_empty()


def test_import_from_a_local_http_server_with_progress(voice, index768, tmp_path):
    payload = make_zip(tmp_path / "bob.zip", {"bob.pth": voice, "bob.index": index768}).read_bytes()
    seen = []
    with FileServer() as server:
        server.files["/someone/voices/resolve/main/bob.zip"] = payload
        result = import_voice(
            server.url("someone/voices/resolve/main/bob.zip?download=true"),
            progress=lambda done, total: seen.append((done, total)),
        )
    assert result.voice == paths.logs_dir() / "bob" / "bob.pth" and result.index.name == "bob.index"
    assert read_voice_file(result.voice).sample_rate == 40000
    assert seen[-1] == (len(payload), len(payload))
    assert not any(paths.voice_downloads_dir().iterdir()), "the download is removed once imported"


def test_refused_download_leaves_nothing(tmp_path):
    evil = make_zip(tmp_path / "evil.zip", {"../evil.pth": b"x"}).read_bytes()
    with FileServer() as server:
        server.files["/evil.zip"] = evil
        with pytest.raises(RVCError, match="points outside the archive"):
            import_voice(server.url("evil.zip"))
    assert logs_are_empty()
    assert not any(paths.voice_downloads_dir().iterdir())


def test_download_of_a_missing_file_says_so(tmp_path):
    with FileServer() as server, pytest.raises(RVCError, match="HTTP 404"):
        import_voice(server.url("nothing.pth"))
    assert logs_are_empty()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://huggingface.co/a/b/blob/main/v.zip", "https://huggingface.co/a/b/resolve/main/v.zip"),
        (
            "https://huggingface.co/a/b/resolve/main/v.pth?download=true",
            "https://huggingface.co/a/b/resolve/main/v.pth",
        ),
        ("https://hf.co/a/b/blob/main/dir/v.zip?download=true&x=1", "https://hf.co/a/b/resolve/main/dir/v.zip?x=1"),
        ("https://example.com/blob/v.zip", "https://example.com/blob/v.zip"),
    ],
)
def test_hugging_face_links_are_normalised_to_the_file(url, expected):
    assert normalize_url(url) == expected


def test_folder_links_and_other_schemes_are_refused():
    with pytest.raises(RVCError, match="folder page, not a file"):
        normalize_url("https://huggingface.co/a/b/tree/main")
    with pytest.raises(RVCError, match="not an http\\(s\\) link"):
        normalize_url("ftp://example.com/v.zip")


def test_names_from_files_are_safe_folder_names():
    assert voice_name_from("My Voice (v2) ★") == "My_Voice_v2"
    assert voice_name_from("../..") == "voice"
    assert voice_name_from("G_2333") == "voice-G_2333"
    assert voice_name_from("Ängel") == "Ängel"


def test_bad_explicit_name_is_refused_before_anything_happens(voice):
    with pytest.raises(RVCError, match="invalid run name"):
        import_voice(str(voice), name="../up")
    with pytest.raises(RVCError, match="invalid voice name"):
        import_voice(str(voice), name="G_1")
    assert nothing_created()


def test_cli_imports_and_reports(voice, capsys):
    assert main(["import-voice", str(voice), "--name", "cli-voice"]) == 0
    out = capsys.readouterr().out
    assert f"imported 'cli-voice' into {paths.logs_dir() / 'cli-voice'} (no index): 40000 Hz, v2, HiFi-GAN." in out
    assert (paths.logs_dir() / "cli-voice" / "cli-voice.pth").is_file()


def test_cli_refusal_is_one_line_without_traceback(tmp_path, capsys):
    archive = make_zip(tmp_path / "evil.zip", {"/abs.pth": b"x"})
    assert main(["import-voice", str(archive)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: evil.zip was not imported: entry '/abs.pth' has an absolute path")
    assert "Traceback" not in err and nothing_created()


def test_missing_local_file_is_a_clear_error(tmp_path):
    with pytest.raises(RVCError, match="does not exist or is not a file"):
        import_voice(str(tmp_path / "nope.zip"))


def test_web_page_instead_of_a_file_is_refused(tmp_path):
    page = tmp_path / "download"
    page.write_bytes(b"<!doctype html><html>sign in</html>")
    with pytest.raises(RVCError, match="neither a .pth voice nor a .zip archive"):
        import_voice(str(page))
    assert nothing_created()
