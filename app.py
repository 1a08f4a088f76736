"""The web chat: `techniques serve` (and `make run`) start it on 127.0.0.1:7860.

Thin on purpose: make sure there is an index, build the assistant, the stores (feedback, study
reviews, users with their roles) and the library manager from the one settings object, hand them
to `web.ui`, and launch; a login is asked for once any user exists (`techniques users` or
TECHNIQUES_AUTH). Readiness is served on `/healthz`.
"""

from __future__ import annotations

import logging

import gradio as gr

from ingest.manage import LibraryManager
from records.feedback import FeedbackStore
from records.users import UserStore
from study.review import ReviewStore
from assistant.service import Assistant
from techniques.settings import Settings
from web.busy import busy_middleware
from web.health import Readiness
from web.limits import Limits, limits_middleware
from web.ui import build_ui, launch_options

log = logging.getLogger(__name__)


def build(settings: Settings, *, assistant: Assistant | None = None, feedback: FeedbackStore | None = None,
          users: UserStore | None = None) -> gr.Blocks:
    assistant = assistant or Assistant(settings)
    feedback = feedback or FeedbackStore.in_data_dir(settings.data_dir)
    users = users or UserStore.from_settings(settings)
    return build_ui(
        assistant, feedback, ReviewStore.in_data_dir(settings.data_dir), queue_size=settings.queue_size,
        users=users, manager=LibraryManager(settings, embedder=assistant.embedder),
    )


def ensure_index(settings: Settings, assistant: Assistant) -> None:
    """Ingest the corpus folder first when the store has no index yet."""
    if assistant.backend.current_version() is None:
        from ingest.pipeline import ingest

        log.warning("no index in %s yet: ingesting %s first", assistant.backend.describe(), settings.corpus_dir)
        ingest([settings.corpus_dir], settings, embedder=assistant.embedder, progress=False)


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    assistant = Assistant(settings)
    ensure_index(settings, assistant)
    readiness = Readiness()
    users = UserStore.from_settings(settings)  # TECHNIQUES_AUTH users are admins; others in DATA/users.sqlite
    demo = build(settings, assistant=assistant, users=users)
    demo.launch(
        server_name=host or settings.host,
        server_port=port or settings.port,
        auth=users.check if users.login_required() else None,
        prevent_thread_lock=True,
        quiet=True,
        app_kwargs={
            "routes": [readiness.route()],
            "middleware": [limits_middleware(Limits(ask_per_minute=settings.ask_rate)), busy_middleware()],
        },
        **launch_options(settings),
    )
    log.warning("web chat on http://%s:%s", host or settings.host, port or settings.port)
    readiness.start(assistant)
    try:
        demo.block_thread()
    finally:
        demo.close()
