"""The Library tab: every technique as a card (title, region, type, steps, cautions) with a
search box, for preparing a session rather than asking a question."""

from __future__ import annotations

import threading

import gradio as gr

from assistant.catalog import TechniqueCard, filter_cards, technique_cards
from web.errors import user_errors
from web.render import library_html


class Catalog:
    """The cards of the open index version, rebuilt only when a new version is published."""

    def __init__(self, assistant) -> None:
        self.assistant = assistant
        self._lock = threading.Lock()
        self._version: str | None = None
        self._cards: list[TechniqueCard] = []

    def cards(self) -> list[TechniqueCard]:
        library = self.assistant.library()
        with self._lock:
            if library.version != self._version:
                self._cards = technique_cards(library)
                self._version = library.version
            return self._cards

    def search(self, query: str) -> str:
        with user_errors("listing the library"):
            cards = self.cards()
        return library_html(filter_cards(cards, query), len(cards), self.assistant.settings.disclaimer)


def library_tab(catalog: Catalog) -> tuple[gr.HTML, gr.Textbox]:
    """Lay out the tab; returns the cards and the search box so the page can fill them on load."""
    gr.Markdown("Every technique in the library. Search by name, region, type or any word of its steps and cautions.")
    search = gr.Textbox(
        show_label=False, placeholder="Search, e.g. psoas, hip, stretch, hip replacement", elem_id="library-search"
    )
    cards = gr.HTML(elem_id="library-cards")
    search.change(catalog.search, search, cards, api_visibility="private", trigger_mode="always_last")
    return cards, search
