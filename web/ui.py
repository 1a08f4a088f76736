"""The web chat as one `gr.Blocks`: a Chat tab with its sources panel, and a Library tab.

`build_ui` takes the objects it works with (the assistant, the feedback store) and does no work
itself; `launch_options` are the `Blocks.launch` arguments the page's look and safety depend on
(Gradio 6 takes the theme and CSS at launch, not in `Blocks()`).
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from records.feedback import FeedbackStore
from study.review import ReviewStore
from techniques.settings import Settings
from web.chat import chat_tab
from web.handlers import ChatHandlers
from web.library_tab import Catalog, library_tab
from web.study_tab import build_study_tab
from web.style import CSS
from web.transcript import ExportFolder

TITLE = "Manual-therapy technique assistant"
QUEUE_SIZE = 64  # default waiting requests beyond the two being answered (TECHNIQUES_QUEUE_SIZE); more get "busy"
HEADER = (
    f"## {TITLE}\n"
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
) -> gr.Blocks:
    handlers = ChatHandlers(assistant, feedback, exports or ExportFolder())
    catalog = Catalog(assistant)
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        gr.Markdown(HEADER, elem_id="header")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat-tab"):
                chat_tab(handlers)
            with gr.Tab("Library", id="library-tab"):
                cards, search = library_tab(catalog)
            with gr.Tab("Study", id="study-tab"):
                build_study_tab(assistant, reviews)
        demo.load(catalog.search, search, cards, api_visibility="private")
    demo.queue(default_concurrency_limit=2, max_size=queue_size)
    return demo


def launch_options(settings: Settings) -> dict:
    """Everything `launch()` needs besides host, port and auth: look, and what is never served."""
    return {
        "share": False,
        "theme": gr.themes.Soft(primary_hue="teal", secondary_hue="amber"),
        "css": CSS,
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
