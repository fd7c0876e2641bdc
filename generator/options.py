"""The command line's shared parts: values checked as they are read, the `--content`/`--config` pair,
and a command's help with its examples (for `cli` and `scrape.commands` alike).

Each check turns the text into a value or raises `UserError` naming the option or path, so a mistake
is one line, not a traceback later. They are argparse `type=` functions: argparse turns only
ValueError/TypeError into usage errors (exit 2); a UserError passes through to `cli.main`, which
prints it and exits 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
from collections.abc import Callable
from pathlib import Path

from generator.config import url_problem
from generator.errors import UserError
from generator.model import NOT_XML
from generator.urls import base_address

ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def whole_number(option: str, low: int, high: int | None = None) -> Callable[[str], int]:
    """A check for a whole number in [low, high]."""
    bounds = f"from {low} to {high}" if high is not None else f">= {low}"

    def check(text: str) -> int:
        value = int(text) if re.fullmatch(r"[+-]?[0-9]{1,9}", text.strip()) else None
        if value is None or value < low or (high is not None and value > high):
            raise UserError(f"{text!r} is not a whole number {bounds}", option)
        return value

    return check


def seconds(option: str, zero: bool = False) -> Callable[[str], float]:
    """A check for a number of seconds > 0 (>= 0 with `zero`), and finite."""

    def check(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        above_lowest = value >= 0 if zero else value > 0
        if not (above_lowest and value < float("inf")):  # nan fails both
            raise UserError(f"{text!r} is not a number of seconds {'>=' if zero else '>'} 0", option)
        return value

    return check


DAY_WORDS = {"today": 0, "yesterday": 1}  # days before `today`


def day(option: str, today: Callable[[], dt.date] | None = None) -> Callable[[str], dt.date]:
    """A check for a day YYYY-MM-DD; with `today` (the clock the command counts from), also the words
    `today` and `yesterday`, so that a rerun of the daily scrape needs no date arithmetic in a shell."""
    form = "YYYY-MM-DD, today or yesterday" if today else "YYYY-MM-DD"

    def check(text: str) -> dt.date:
        if today and (back := DAY_WORDS.get(text.strip().lower())) is not None:
            return today() - dt.timedelta(days=back)
        try:
            if ISO_DAY.fullmatch(text):
                return dt.date.fromisoformat(text)
        except ValueError:  # 2025-02-30: the right form, but no such day
            raise UserError(f"{text!r} is not a day of the calendar", option) from None
        raise UserError(f"{text!r} is not a date in the form {form}", option)

    return check


def text(option: str) -> Callable[[str], str]:
    """A check for words given on the command line: UTF-8 (a terminal in another encoding may not send
    it), without a character no page or feed can carry (model.NOT_XML: a control character)."""

    def check(given: str) -> str:
        if not is_utf8(given):
            raise UserError(f"{ascii(given)} is not UTF-8 text (set the terminal to UTF-8)", option)
        if found := NOT_XML.search(given):
            raise UserError(f"{given!r} has a character no page can carry, U+{ord(found[0]):04X}", option)
        return given

    return check


def is_utf8(given: str) -> bool:
    """False for text holding bytes that were not UTF-8 (Python keeps them as lone surrogates)."""
    try:
        given.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def site_url(option: str) -> Callable[[str], str]:
    def check(text: str) -> str:
        if problem := url_problem(text):
            raise UserError(problem, option)
        return base_address(text)

    return check


def existing_folder(what: str) -> Callable[[str], Path]:
    """A folder that exists and can be read, e.g. existing_folder("content folder")."""

    def check(text: str) -> Path:
        path = Path(text)
        if path.exists() and not path.is_dir():
            raise UserError(f"{what} is not a folder", path)
        return _readable(path, what, os.R_OK | os.X_OK)

    return check


def new_or_existing_folder(what: str) -> Callable[[str], Path]:
    """A folder that may not exist yet (it is created), but is not a file."""

    def check(text: str) -> Path:
        path = Path(text)
        return existing_folder(what)(text) if path.exists() or path.is_symlink() else path

    return check


def existing_file(what: str) -> Callable[[str], Path]:
    """A regular file that exists and can be read, e.g. existing_file("config file")."""

    def check(text: str) -> Path:
        path = Path(text)
        if path.is_dir():
            raise UserError(f"{what} is a folder, not a file", path)
        if path.exists() and not path.is_file():
            raise UserError(f"{what} is not a regular file", path)
        return _readable(path, what, os.R_OK)

    return check


def _readable(path: Path, what: str, mode: int) -> Path:
    if not path.exists():
        raise UserError(f"{what} not found", path)
    if not os.access(path, mode):
        raise UserError(f"{what} cannot be read (permission denied)", path)
    return path


def add_content(parser: argparse.ArgumentParser, content: Callable[[str], Path]) -> None:
    """--content, checked by `content` (e.g. existing_folder("content folder"))."""
    # The default is text so that argparse checks it like a given value: `build` in a folder
    # without content/ says so instead of building an empty site.
    parser.add_argument(
        "--content", type=content, default="content", metavar="DIR", help="content folder (default: content)"
    )


def add_paths(parser: argparse.ArgumentParser, content: Callable[[str], Path]) -> None:
    """--content and --config, as every command that reads an archive and its settings takes them."""
    add_content(parser, content)
    parser.add_argument(
        "--config",
        type=existing_file("config file"),
        default=None,
        metavar="FILE",
        help="site config (default: site.yaml if present)",
    )


def examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def command(
    sub: argparse._SubParsersAction, name: str, about: str, *example_lines: str, description: str = ""
) -> argparse.ArgumentParser:
    """A command's parser: `about` is its line in the list of commands and, unless `description` is
    given, its description too."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=about,
        description=description or about[0].upper() + about[1:] + ".",
        epilog=examples(*example_lines),
    )
    return parser
