"""The one error type meant for users.

Raised anywhere a user can fix the problem (a missing index, a busy ingest, a bad dataset); the
CLI and the web app turn it into a readable message. Everything else is a bug and is logged.
"""

from __future__ import annotations


class TechniquesError(Exception):
    """A problem the user can act on. `hint` says what to do about it."""

    def __init__(self, message: str, *, hint: str | None = None, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exit_code = exit_code

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message
