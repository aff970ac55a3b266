"""Text for the engines: read a `.txt` file, refuse empty text, split a page into sentence-sized pieces."""

from __future__ import annotations

import re
from pathlib import Path

from rvc.errors import RVCError

MAX_PIECE_CHARS = 400  # one engine request; a page is spoken piece by piece and joined
MAX_TEXT_CHARS = 100_000  # about 40 pages: more is almost surely the wrong file

_SENTENCE_END = re.compile(r"(?<=[.!?;:…。！？])[\"'”’)\]]*\s+|\n\s*\n")
_CLAUSE_END = re.compile(r"(?<=[,;:—–])\s+")


def read_text_file(path: str | Path) -> str:
    """The UTF-8 text of `path`, or RVCError saying why it cannot be used."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise RVCError(f"text file not found: {path}")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise RVCError(f"{path.name} is not UTF-8 text; save it as UTF-8 (plain .txt) and try again") from error


def check_text(text: str) -> str:
    """`text` with whitespace runs collapsed, or RVCError if there is nothing to say or far too much."""
    cleaned = "\n\n".join(" ".join(block.split()) for block in re.split(r"\n\s*\n", text or ""))
    cleaned = cleaned.strip()
    if not any(char.isalnum() for char in cleaned):
        raise RVCError("the text is empty: type something to say, or choose a .txt file with text in it")
    if len(cleaned) > MAX_TEXT_CHARS:
        raise RVCError(f"the text has {len(cleaned)} characters; split it into files of at most {MAX_TEXT_CHARS}")
    return cleaned


def _split_long(sentence: str, limit: int) -> list[str]:
    """A sentence longer than `limit` cut at clause marks, then at spaces, then hard."""
    pieces: list[str] = []
    for part in _CLAUSE_END.split(sentence):
        while len(part) > limit:
            cut = part.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            pieces.append(part[:cut].strip())
            part = part[cut:].strip()
        if part:
            pieces.append(part)
    return pieces


def split_sentences(text: str, limit: int = MAX_PIECE_CHARS) -> list[str]:
    """`text` as pieces of whole sentences, each at most `limit` characters (sentences joined while they fit)."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(check_text(text)):
        sentence = sentence.strip()
        if not sentence:
            continue
        for part in _split_long(sentence, limit) if len(sentence) > limit else [sentence]:
            if pieces and len(pieces[-1]) + 1 + len(part) <= limit:
                pieces[-1] = f"{pieces[-1]} {part}"
            else:
                pieces.append(part)
    return pieces
