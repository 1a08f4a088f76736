"""The client handout as a PDF (WeasyPrint, imported only when a handout is made).

Kept apart from `web.handout` so the page can be tested without a PDF engine and the engine
could be swapped (e.g. Chromium's print) in one place. WeasyPrint fetches nothing: the handout
has no links, images or external styles, and `url_fetcher` refuses any URL just in case.
"""

from __future__ import annotations

from techniques.errors import TechniquesError


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"the handout fetches nothing ({url[:40]})")


def handout_pdf(page_html: str) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: Pango missing from the system
        raise TechniquesError(
            "The client handout needs WeasyPrint and Pango.",
            hint="pip install weasyprint; on Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0",
        ) from exc
    return HTML(string=page_html, url_fetcher=_no_fetch).write_pdf()
