"""The web chat as one `gr.Blocks`: a Chat tab with its sources panel, and a Library tab.

`build_ui` takes the objects it works with (the assistant, the feedback store) and does no work
itself; `launch_options` are the `Blocks.launch` arguments the page's look and safety depend on
(Gradio 6 takes the theme and CSS at launch, not in `Blocks()`).
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from ingest.manage import LibraryManager
from records.feedback import FeedbackStore
from records.users import UserStore
from study.review import ReviewStore
from techniques.settings import Settings
from web.chat import chat_tab
from web.handlers import ChatHandlers
from web.library_tab import Catalog, library_tab
from web.manage_tab import Access, ManageHandlers, manage_tab
from web.study_tab import build_study_tab
from web.style import CSS
from web.transcript import ExportFolder

TITLE = "Manual-therapy technique assistant"
QUEUE_SIZE = 64  # default waiting requests beyond the two being answered (TECHNIQUES_QUEUE_SIZE); more get "busy"
HEADER = (
    f"# {TITLE}\n"
    "Answers come only from the technique library: numbered steps citing their source passage `[n]`, "
    "the technique's cautions, and a referral disclaimer. Red-flag symptoms get a referral, not a technique."
)


def build_ui(
    assistant,
    feedback: FeedbackStore,
    reviews: ReviewStore,
    *,
    exports: ExportFolder | None = None,
    queue_size: int = QUEUE_SIZE,
    users: UserStore | None = None,
    manager: LibraryManager | None = None,
) -> gr.Blocks:
    """`users` gives each logged-in user a role; `manager` (with `users`) adds the admins'
    Library management tab."""
    handlers = ChatHandlers(assistant, feedback, exports or ExportFolder())
    catalog = Catalog(assistant)
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        gr.Markdown(HEADER, elem_id="header")
        with gr.Tabs() as tabs:
            with gr.Tab("Chat", id="chat-tab"):
                ask_from = chat_tab(handlers)
            with gr.Tab("Library", id="library-tab"):
                library = library_tab(catalog)
            with gr.Tab("Study", id="study-tab"):
                build_study_tab(assistant, reviews)
            if manager is not None:
                manage = ManageHandlers(manager, Access(users))
                with gr.Tab("Library management", id="manage-tab", visible=False) as manage_tab_:
                    table, removable = manage_tab(manage)
                demo.load(manage.load, None, [manage_tab_, table, removable], api_visibility="private")
        demo.load(catalog.load, library.search, [library.cards, library.technique], api_visibility="private")
        # "Ask about this technique": to the Chat tab, where the question is asked
        library.ask_about.click(lambda: gr.Tabs(selected="chat-tab"), None, tabs, api_visibility="private")
        ask_from(library.ask_about.click, library.question)
    demo.queue(default_concurrency_limit=2, max_size=queue_size)
    return demo


def theme() -> gr.themes.Base:
    """Soft teal and amber, with the shades that pass WCAG AA (4.5:1) for text: the default
    teal-500 on white is 2.5:1, so buttons, labels, tabs and links use the darker shades."""
    return gr.themes.Soft(primary_hue="teal", secondary_hue="amber").set(
        color_accent="*primary_700",
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_border_color="*primary_700",
        button_primary_border_color_hover="*primary_800",
        button_primary_text_color="white",
        block_label_text_color="*primary_800",
        block_title_text_color="*primary_800",
        checkbox_background_color_selected="*primary_700",
        checkbox_border_color_selected="*primary_700",
        checkbox_label_background_fill_selected="*primary_700",
        checkbox_label_text_color_selected="white",
        link_text_color="*secondary_800",
        link_text_color_active="*secondary_800",
        link_text_color_hover="*secondary_900",
        link_text_color_visited="*secondary_800",
    )


PAGE_SCRIPT = Path(__file__).with_name("page.js")


def page_head() -> str:
    """The page's own script (citation popovers, answers shown from their top, Copy as
    Markdown), inline: the CSP in web/limits.py allows inline scripts from this origin only."""
    return f"<script>{PAGE_SCRIPT.read_text('utf-8')}</script>"


def launch_options(settings: Settings) -> dict:
    """Everything `launch()` needs besides host, port and auth: look, and what is never served."""
    return {
        "share": False,
        "theme": theme(),
        "css": CSS,
        "head": page_head(),
        "enable_monitoring": False,
        "mcp_server": False,
        "ssr_mode": False,
        "run_history": False,  # answers are about clients: keep no copy in the browser
        "footer_links": ["api"],
        "allowed_paths": [],
        "blocked_paths": [str(Path(settings.data_dir).resolve())],
        "max_file_size": "1mb",
        "show_error": False,
    }
