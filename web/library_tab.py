"""The Library tab: every technique as a card (title, region, type, steps, cautions) with a
search box, for preparing a session rather than asking a question; a technique can be opened
on a page of its own (`web.technique_page`: card, illustrations, source passages) and asked
about in the Chat tab."""

from __future__ import annotations

import threading

import gradio as gr

from assistant.catalog import TechniqueCard, filter_cards, technique_cards
from web.errors import user_errors
from web.render import library_html
from web.technique_page import technique_html


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


    def load(self, query: str):
        """On page load, in one event: the cards, and the techniques to open by title."""
        with user_errors("listing the library"):
            cards = self.cards()
        return self.search(query), gr.update(choices=[(c.title, c.doc_id) for c in cards], value=None)

    def open(self, doc_id: str | None):
        """A technique's page, and the question "Ask about this technique" sends."""
        if not doc_id:
            return "", None, gr.update(interactive=False)
        with user_errors("opening a technique"):
            card = next((c for c in self.cards() if c.doc_id == doc_id), None)
            library = self.assistant.library()
            if card is None:
                return "<p><em>That technique is no longer in the library.</em></p>", None, gr.update(interactive=False)
            page = technique_html(card, library.docs.get(doc_id), library.by_doc.get(doc_id, []), self.assistant.settings.disclaimer)
        return page, f"How do I do the {card.title}?", gr.update(interactive=True)


class LibraryTab:
    """The tab's components the page wires to others (filled on load; asking goes to the Chat tab)."""

    def __init__(self, cards, search, technique, ask_about, question) -> None:
        self.cards, self.search, self.technique, self.ask_about, self.question = cards, search, technique, ask_about, question


def library_tab(catalog: Catalog) -> LibraryTab:
    """Lay out the tab; returns what the page fills on load and wires to the Chat tab."""
    gr.Markdown("Every technique in the library. Open one for its page, or search by name, region, type or any word.")
    with gr.Row():
        technique = gr.Dropdown([], label="Open a technique", elem_id="library-open", scale=2)
        ask_about = gr.Button("Ask about this technique", interactive=False, elem_id="library-ask", scale=1)
    question = gr.State(None)
    page = gr.HTML(elem_id="technique-page")
    search = gr.Textbox(
        label="Search the library", show_label=False, placeholder="Search, e.g. psoas, hip, stretch, hip replacement",
        elem_id="library-search",
    )
    cards = gr.HTML(elem_id="library-cards")
    search.change(catalog.search, search, cards, api_visibility="private", trigger_mode="always_last")
    technique.change(catalog.open, technique, [page, question, ask_about], api_visibility="private")
    return LibraryTab(cards, search, technique, ask_about, question)
