"""Custom pretrained pairs (the community's G/D files, e.g. on Hugging Face) fetched into the weights folder.

    g, d = fetch_custom_pretrained("klm", G_LINK, D_LINK)   # pretrained/custom/klm/G.pth and D.pth
    # then: python -m rvc train ... --pretrained-g g --pretrained-d d

The files are untrusted: each is read weights-only and must hold what its link promised, a generator's weights
(`enc_p.`, `dec.`) for G and a discriminator's (`discriminators.`) for D. A file that does not is deleted, so
only a checked pair stays. Hugging Face `…/blob/…` page links are turned into file links, as for voices.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rvc import paths
from rvc.errors import RVCError

KINDS = {"G": ("generator", ("enc_p.", "dec.")), "D": ("discriminator", ("discriminators.",))}
"""Per file of a pair: what it is, and the key prefixes its weights must all have."""


def custom_pretrained_dir(name: str) -> Path:
    """`pretrained/custom/<name>/` in the weights folder (RVCError for a name that is not a plain folder name)."""
    from rvc.tools.import_voice import check_voice_name

    return paths.pretrained_dir() / "custom" / check_voice_name(name)


def custom_pretrained_names() -> list[str]:
    """The names of the complete custom pairs (G.pth and D.pth both there)."""
    root = paths.pretrained_dir() / "custom"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "G.pth").is_file() and (p / "D.pth").is_file())


def check_pretrained_file(path: Path, kind: str) -> None:
    """RVCError unless `path` loads weights-only (`rvc.models.torch_files`) and holds the weights of a `kind`
    ("G" or "D") model."""
    from rvc.models.torch_files import load_torch_file

    what, prefixes = KINDS[kind]
    data = load_torch_file(path)
    weights = data.get("model", data.get("weight", data)) if isinstance(data, dict) else None
    keys = [key for key in weights if isinstance(key, str)] if isinstance(weights, dict) else []
    if not any(key.startswith(prefixes) for key in keys):
        found = ", ".join(sorted({key.split(".")[0] for key in keys})[:6]) or "no weights"
        raise RVCError(
            f"{path.name} is not a {what} ({kind}) checkpoint: its weights are {found}, not "
            f"{' / '.join(prefixes)}; check that the G link is the generator and the D link the discriminator"
        )


def fetch_custom_pretrained(
    name: str, g_link: str, d_link: str, progress: Callable[[str, int, int | None], None] | None = None
) -> tuple[Path, Path]:
    """Download the G and D files of custom pair `name` (resumable), check each, and return their paths.

    `progress(kind, done_bytes, total_bytes)` reports each download; a file that fails its check is deleted.
    """
    from rvc.downloads import download_file
    from rvc.tools.import_voice import is_url, normalize_url

    folder = custom_pretrained_dir(name)
    pair = []
    for kind, link in (("G", g_link), ("D", d_link)):
        link = (link or "").strip()
        if not is_url(link):
            raise RVCError(
                f"the {KINDS[kind][0]} ({kind}) link {link!r} is not an http(s) link; a file already on this "
                "computer needs no download: give its path to training as the custom pretrained"
            )
        target = folder / f"{kind}.pth"
        report = (lambda done, total, kind=kind: progress(kind, done, total)) if progress else None
        download_file(normalize_url(link), target, progress=report)
        try:
            check_pretrained_file(target, kind)
        except RVCError:
            target.unlink(missing_ok=True)
            raise
        pair.append(target)
    return pair[0], pair[1]
