"""Why a seeds folder or one file in it could not be read."""

from __future__ import annotations


class SeedsError(Exception):
    """The seeds folder itself is unusable (missing, not a directory): nothing can be loaded."""


class NoteRejected(ValueError):
    """One file is not a usable note; ``reason`` is what the loader reports for it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
