"""The web boundary for errors: a `TechniquesError` becomes a readable message in the page;
anything else is a bug, logged with its traceback and shown as a generic message."""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import gradio as gr

from techniques.errors import TechniquesError

log = logging.getLogger(__name__)

GENERIC = "Something went wrong on our side; it has been logged. Please try again."


@contextmanager
def user_errors(action: str) -> Iterator[None]:
    """Wrap one handler's work; `action` names it in the log ("answering", "recording feedback")."""
    try:
        yield
    except gr.Error:
        raise
    except TechniquesError as exc:
        log.info("%s: %s", action, exc)
        # gr.Error renders its message as HTML: the message is text.
        raise gr.Error(html.escape(str(exc)), title="Cannot do that yet", print_exception=False) from None
    except Exception:
        log.exception("%s failed", action)
        raise gr.Error(GENERIC, title="Error", print_exception=False) from None
