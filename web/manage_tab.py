"""The Library management tab, for admins: upload documents, see each one's status, remove an
upload, re-index in the background with progress. Everything goes through
`ingest.manage.LibraryManager` (checked uploads under DATA/library, the versioned publish).

Only a logged-in admin sees the tab (it is shown on page load from `gr.Request.username`'s role
in `records.users.UserStore`), and every handler checks the role again: Gradio serves each event
over HTTP whatever the page shows, so a therapist or student calling one directly gets an error
and changes nothing. Without a login nobody is an admin and the tab stays hidden.
"""

from __future__ import annotations

import html
import logging
import time
from pathlib import Path

import gradio as gr

from ingest.manage import LibraryManager
from records.users import UserStore
from web.errors import user_errors

log = logging.getLogger(__name__)
_PRIVATE = {"api_visibility": "private"}
FILE_TYPES = [".txt", ".md", ".html", ".pdf"]
NOT_ADMIN = "Only an admin can manage the library: log in with an admin account."
e = html.escape


class Access:
    """Who the request's user is and what they may do."""

    def __init__(self, users: UserStore | None) -> None:
        self.users = users

    def role(self, request: gr.Request | None) -> str | None:
        name = getattr(request, "username", None) if request is not None else None
        if not name or self.users is None:
            return None
        return self.users.role_of(name)

    def is_admin(self, request: gr.Request | None) -> bool:
        return self.role(request) == "admin"

    def require_admin(self, request: gr.Request | None) -> None:
        if not self.is_admin(request):
            log.warning("library management refused to %r", getattr(request, "username", None))
            raise gr.Error(NOT_ADMIN, print_exception=False)


class ManageHandlers:
    def __init__(self, manager: LibraryManager, access: Access) -> None:
        self.manager = manager
        self.access = access

    def load(self, request: gr.Request = None):
        """On page load: the tab for admins only, with the documents."""
        if not self.access.is_admin(request):
            return gr.update(visible=False), "", gr.update(choices=[])
        table, removable = self._listing()
        return gr.update(visible=True), table, removable

    def upload(self, files, request: gr.Request = None):
        self.access.require_admin(request)
        added = []
        with user_errors("adding a document"):
            for f in files or []:
                path = Path(f if isinstance(f, str) else f.name)
                name = getattr(f, "orig_name", None) or path.name
                added.append(self.manager.add(name, path.read_bytes(), replace=True).name)
        table, removable = self._listing()
        note = f"Added {', '.join(added)}: re-index to answer from it." if added else "Choose files first."
        return note, table, removable, None

    def remove(self, doc_id: str | None, request: gr.Request = None):
        self.access.require_admin(request)
        if not doc_id:
            raise gr.Error("Choose an uploaded document to remove.", print_exception=False)
        with user_errors("removing a document"):
            self.manager.remove(doc_id)
        table, removable = self._listing()
        return f"Removed {doc_id}: re-index to stop answering from it.", table, removable

    def reindex(self, request: gr.Request = None):
        self.access.require_admin(request)
        with user_errors("re-indexing"):
            job = self.manager.reindex()
        return _progress_html(job), gr.update(active=True)

    def progress(self, request: gr.Request = None):
        """Polled while a re-index runs: its progress; the timer stops once it has finished."""
        self.access.require_admin(request)
        job = self.manager.job()
        if job is None:
            return "", gr.update(active=False), gr.skip(), gr.skip()
        if job.running:
            return _progress_html(job), gr.update(active=True), gr.skip(), gr.skip()
        table, removable = self._listing()
        return _progress_html(job), gr.update(active=False), table, removable

    def _listing(self):
        with user_errors("listing the library"):
            docs = self.manager.documents()
        rows = "".join(
            f"<tr><td>{e(d.doc_id)}</td><td>{e(d.name)}</td><td>{e(d.origin)}</td>"
            f'<td class="tc-status-{e(d.status)}">{e(d.status)}</td><td>{e(d.reason or "")}</td></tr>'
            for d in docs
        )
        table = (
            '<table class="tc-docs"><caption>Documents of the library</caption><thead><tr><th scope="col">Document</th>'
            '<th scope="col">File</th><th scope="col">Origin</th><th scope="col">Status</th><th scope="col">Reason</th>'
            f"</tr></thead><tbody>{rows}</tbody></table>"
        )
        removable = [d.doc_id for d in docs if d.removable]
        return table, gr.update(choices=removable, value=None)


def _progress_html(job) -> str:
    state = {"running": "Re-indexing", "done": "Finished", "failed": "Failed"}[job.state]
    bar = f'<progress max="{max(job.total, 1)}" value="{job.done}" aria-label="Re-index progress"></progress>' if job.running else ""
    lines = "".join(f"<li>{e(line)}</li>" for line in job.status.summary)
    return (
        f'<div class="tc-job tc-job-{e(job.state)}" data-job="{job.number}" role="status">'
        f"<p><strong>{state}:</strong> {e(job.message)}</p>"
        f'<p class="tc-job-when">Re-index {job.number}, started {time.strftime("%H:%M:%S", time.localtime(job.started))}</p>'
        f"{bar}{f'<ul>{lines}</ul>' if lines else ''}</div>"
    )


def manage_tab(handlers: ManageHandlers) -> tuple:
    """Lay out the tab's content; returns what the page fills on load."""
    gr.Markdown(
        "Add the clinic's own documents (.txt, .md, .html, .pdf), remove uploads, and re-index. "
        "The assistant keeps answering from the current index until a re-index has finished."
    )
    files = gr.File(label="Documents to add", file_count="multiple", file_types=FILE_TYPES, elem_id="manage-files")
    add = gr.Button("Add to the library", variant="primary", elem_id="manage-add")
    note = gr.Markdown(elem_id="manage-note")
    with gr.Row():
        removable = gr.Dropdown([], label="Uploaded document", elem_id="manage-remove-choice", scale=3)
        remove = gr.Button("Remove", variant="stop", elem_id="manage-remove", scale=1)
    reindex = gr.Button("Re-index the library", elem_id="manage-reindex")
    progress = gr.HTML(elem_id="manage-progress")
    table = gr.HTML(elem_id="manage-docs")
    timer = gr.Timer(2.0, active=False)  # each tick is a request: every 2 s is enough for a bar

    add.click(handlers.upload, [files], [note, table, removable, files], **_PRIVATE)
    remove.click(handlers.remove, [removable], [note, table, removable], **_PRIVATE)
    reindex.click(handlers.reindex, None, [progress, timer], **_PRIVATE)
    timer.tick(handlers.progress, None, [progress, timer, table, removable], **_PRIVATE)
    return table, removable
