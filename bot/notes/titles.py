"""Titles: the site suffixes to drop and where to find one when a note names none."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from bot.notes.markdown_text import clean_inline

_HEADING = re.compile(r"^[ \t]{0,3}#[ \t]+(.+)$", re.MULTILINE)  # closing #s go in Python: linear
_SEPARATORS = re.compile(r"[-_\s]+")
_SUFFIXES = (" | ZDNet", " - The Record by Recorded Future")


def strip_title_suffix(title: str) -> str:
    """Drop the site names some sources append to every title."""
    for suffix in _SUFFIXES:
        if title.endswith(suffix):
            return title[: -len(suffix)].rstrip()
    return title


def first_heading(text: str) -> str:
    """The text of the first ``# `` heading, cleaned, or ""."""
    m = _HEADING.search(text)
    return clean_inline(m[1].rstrip(" \t#") or m[1][:1]) if m else ""


def title_from_path(path: str) -> str:
    """A last-resort title from the file name: ``cloud-outage_2021.md`` -> ``cloud outage 2021``."""
    return _SEPARATORS.sub(" ", PurePosixPath(path).stem).strip()
