"""Option metadata: argparse flags generated from dataclass fields, and values read back."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import pytest

from rvc.errors import RVCError
from rvc.option_spec import add_option_arguments, check_spec_ranges, option, option_field, values_from_args


def _limit(text: str) -> float | None:
    if text == "off":
        return None
    return float(text)


@dataclass(frozen=True)
class Toy:
    """A small options record using every kind of field the real ones use."""

    rate: float = option(0.5, help="a share", low=0, high=1, step=0.01)
    count: int = option(3, help="how many", flag="--n", aliases=("--count",), low=1)
    mode: str = option("a", help="which mode", choices=("a", "b"))
    method: str = option("x", help="a method", choices=("x", "y"), custom=True)
    loud: bool = option(False, help="be loud")
    quiet: bool = option(True, help="be quiet")
    pair: tuple[float, float] = option((0.8, 0.99), help="two numbers")
    limit: float | None = option(None, help="a limit", parse=_limit, none_text="off")
    tags: dict[str, int] = option(factory=dict, help="tags", repeat=True, combine=lambda texts: {t: 1 for t in texts})
    hidden: str = option("", help="UI only", cli=False)

    def __post_init__(self):
        check_spec_ranges(self)


def _parse(argv: list[str], **kwargs) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_option_arguments(parser, Toy, **kwargs)
    return parser.parse_args(argv)


def test_defaults_round_trip_to_the_dataclass_defaults():
    assert Toy(**values_from_args(_parse([]), Toy)) == Toy()


def test_every_kind_of_flag_sets_its_field():
    argv = ["--rate", "0.25", "--count", "7", "--mode", "b", "--method", "z", "--loud", "--no-quiet",
            "--pair", "0.5", "0.9", "--limit", "off", "--tags", "p", "--tags", "q"]  # fmt: skip
    values = values_from_args(_parse(argv), Toy)
    assert Toy(**values) == Toy(
        rate=0.25, count=7, mode="b", method="z", loud=True, quiet=False, pair=(0.5, 0.9), limit=None,
        tags={"p": 1, "q": 1},
    )  # fmt: skip
    assert values_from_args(_parse(["--limit", "2.5", "--n", "2"]), Toy)["limit"] == 2.5


def test_fixed_choices_are_enforced_and_custom_ones_are_not(capsys):
    with pytest.raises(SystemExit):
        _parse(["--mode", "c"])
    assert "invalid choice: 'c'" in capsys.readouterr().err
    assert _parse(["--method", "anything"]).method == "anything"


def test_a_parse_error_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit):
        _parse(["--limit", "lots"])
    assert "argument --limit: could not convert string to float: 'lots'" in capsys.readouterr().err


def test_without_kept_defaults_only_given_flags_appear():
    assert values_from_args(_parse(["--n", "4"], keep_defaults=False), Toy) == {"count": 4}


def test_skipped_and_cli_hidden_fields_get_no_flag(capsys):
    args = _parse([], skip=("mode",))
    assert not hasattr(args, "mode") and not hasattr(args, "hidden")
    with pytest.raises(SystemExit):
        _parse(["--hidden", "x"])


def test_help_shows_each_default(capsys):
    with pytest.raises(SystemExit):
        _parse(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "a share (default: 0.5)" in text
    assert "a limit (default: off)" in text
    assert "be quiet (default: on)" in text
    assert "two numbers (default: 0.8 0.99)" in text


def test_ranges_from_the_metadata_are_checked():
    with pytest.raises(RVCError, match=r"rate = 1.5 is out of range: use a number from 0 to 1"):
        Toy(rate=1.5)
    with pytest.raises(RVCError, match=r"count = 0 is out of range: use a number >= 1"):
        Toy(count=0)
    with pytest.raises(RVCError, match="out of range"):
        Toy(rate=float("nan"))


def test_option_field_describes_types_and_flags():
    pair = option_field(Toy, "pair")
    assert (pair.kind, pair.item_kind, pair.length, pair.optional) == (tuple, float, 2, False)
    limit = option_field(Toy, "limit")
    assert (limit.kind, limit.optional, limit.flag) == (float, True, "--limit")
    assert option_field(Toy, "count").flag == "--n"
    with pytest.raises(KeyError):
        option_field(Toy, "nope")


@dataclass(frozen=True)
class Needs:
    """A record with a required option."""

    rate: int = option(help="a rate", choices=(1, 2))
    mode: str = option("a", help="a mode")


def test_a_field_without_default_is_a_required_flag(capsys):
    parser = argparse.ArgumentParser()
    add_option_arguments(parser, Needs)
    assert Needs(**values_from_args(parser.parse_args(["--rate", "2"]), Needs)) == Needs(rate=2)
    help_text = parser.format_help()
    assert "a rate" in help_text and "a rate (default" not in help_text
    with pytest.raises(SystemExit):
        parser.parse_args([])
    assert "the following arguments are required: --rate" in capsys.readouterr().err
