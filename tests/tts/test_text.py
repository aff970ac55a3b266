"""Text handling: sentence splitting of long text, empty text and non-UTF-8 files refused with the fix."""

from __future__ import annotations

import pytest

from rvc.errors import RVCError
from rvc.tts.text import check_text, read_text_file, split_sentences


def test_sentences_are_grouped_up_to_the_limit_and_never_cut_inside():
    text = "The first one. The second one? The third one! " * 20
    pieces = split_sentences(text, limit=60)
    assert all(len(piece) <= 60 for piece in pieces)
    assert all(piece.endswith((".", "?", "!")) for piece in pieces)
    assert " ".join(pieces) == " ".join(text.split())


def test_a_sentence_longer_than_the_limit_is_cut_at_clauses_then_words():
    sentence = "one two three, " * 10 + "end."
    pieces = split_sentences(sentence, limit=40)
    assert len(pieces) > 1 and all(len(piece) <= 40 for piece in pieces)
    assert " ".join(pieces).split() == sentence.split()


@pytest.mark.parametrize("text", ["", "   \n\n  ", "... ?!"])
def test_empty_text_is_a_clear_error(text):
    with pytest.raises(RVCError, match="the text is empty"):
        check_text(text)


def test_text_files_must_be_utf8(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("\ufeffHällo.", encoding="utf-8")
    assert read_text_file(good) == "Hällo."
    bad = tmp_path / "bad.txt"
    bad.write_bytes("Hällo".encode("latin-1"))
    with pytest.raises(RVCError, match="bad.txt is not UTF-8"):
        read_text_file(bad)
    with pytest.raises(RVCError, match="text file not found"):
        read_text_file(tmp_path / "none.txt")
