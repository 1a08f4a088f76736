"""The library a clinic manages from the browser: upload, list with status, remove, re-index.

**What the managed library is.** Two folders ingested together: the corpus folder
(`TECHNIQUES_CORPUS`: documents placed on the server, listed here but removed only there) and
`DATA/library/` (documents uploaded through the app, see `ingest.uploads`; removable here).
Every re-index is `ingest([corpus folder, DATA/library])`, the versioned publish the CLI uses:
the app answers from the published version until the new one is complete, and a failed ingest
publishes nothing. Documents that `techniques ingest` added from other folders stay in the index
untouched (an ingest synchronises only the paths it is given) and are not listed here. Uploads
and removals take effect at the next re-index; until then a document shows as `pending` or
`removed`. Uploaded files live in this machine's data folder and are never served raw (the web
app blocks the data folder); with a Chroma server, re-index from the machine that holds them.

**Status.** The last successful re-index's summary is kept as JSON beside the folder
(`DATA/library-status.json`, outside it so it is never taken for a document): each document
is `indexed`, `skipped` (with the ingest's reason), `pending` (added or changed since), or
`removed` (deleted since, still answered from until the re-index).

**Re-index in the background.** `reindex()` starts one `Job` on a thread and returns it; its
`state`, `done`/`total` and `message` follow the ingest's stages. One job at a time per
manager; another process's ingest holds the data folder's lock and makes the job fail cleanly.

For the web app: `LibraryManager(settings, embedder=assistant.embedder)`, then `add`,
`documents`, `remove`, `reindex`, `job`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ingest.embed import Embedder
from ingest.files import discover
from ingest.pipeline import IngestSummary, ingest
from ingest.uploads import MAX_PDF_BYTES, MAX_TEXT_BYTES, check_content, safe_name, write_atomically
from techniques.errors import TechniquesError
from techniques.settings import Settings

log = logging.getLogger(__name__)

UPLOADS = "library"
STATUS_FILE = "library-status.json"
STAGES = {"read": "Reading documents", "embed": "Embedding passages", "store": "Publishing the new index version"}


@dataclass(frozen=True)
class LibraryDocument:
    doc_id: str
    name: str  # the file's name
    origin: str  # "corpus" or "upload"
    status: str  # "indexed", "skipped", "pending" or "removed"
    reason: str | None = None  # why it was skipped

    @property
    def removable(self) -> bool:
        return self.origin == "upload" and self.status != "removed"


@dataclass(frozen=True)
class JobStatus:
    state: str  # "running", "done" or "failed"
    done: int
    total: int
    message: str
    stage: str = "start"
    summary: tuple[str, ...] = ()  # the ingest summary's lines, when done


class Job:
    """One background re-index. `status` is replaced whole, so a reader never sees one stage's
    `done` with another's `total`."""

    def __init__(self, number: int = 1) -> None:
        self.number = number  # 1 for the first re-index this process started, then 2, ...
        self.status = JobStatus("running", 0, 0, "Starting")
        self.started = time.time()
        self._finished = threading.Event()

    state = property(lambda self: self.status.state)
    done = property(lambda self: self.status.done)
    total = property(lambda self: self.status.total)
    message = property(lambda self: self.status.message)

    @property
    def running(self) -> bool:
        return not self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """True once the job has finished (done or failed)."""
        return self._finished.wait(timeout)

    def _progress(self, stage: str, done: int, total: int) -> None:
        counts = f" {done}/{total}" if stage != "store" else ""
        self.status = JobStatus("running", done, total, STAGES.get(stage, stage) + counts, stage)

    def _finish(self, status: JobStatus) -> None:
        self.status = status
        self._finished.set()


class LibraryManager:
    def __init__(self, settings: Settings, *, embedder: Embedder | None = None,
                 max_text_bytes: int = MAX_TEXT_BYTES, max_pdf_bytes: int = MAX_PDF_BYTES) -> None:
        self.settings = settings
        self.embedder = embedder
        self.uploads = Path(settings.data_dir) / UPLOADS
        self.status_path = Path(settings.data_dir) / STATUS_FILE
        self.limits = {"max_text": max_text_bytes, "max_pdf": max_pdf_bytes}
        self._lock = threading.Lock()  # guards _job and the folder while a file is added/removed
        self._job: Job | None = None

    # ------------------------------------------------------------------------------ documents

    def add(self, filename: str, data: bytes, *, replace: bool = False) -> LibraryDocument:
        """Store an upload (checked on its bytes) under a safe name; indexed at the next re-index.
        A name already in the library is refused, unless `replace` and it is an upload."""
        name = safe_name(filename)
        check_content(name, data, **self.limits)
        doc_id = Path(name).stem
        with self._lock:
            same = [d for d in self._files() if d[0] == doc_id]
            for _, path, origin in same:
                if origin == "corpus":
                    raise TechniquesError(f"The corpus folder already has a document {doc_id!r} ({path.name}).",
                                          hint="Rename the file before uploading it.")
                if not replace:
                    raise TechniquesError(f"{path.name} is already in the library.",
                                          hint="Remove it first, or upload it again as a replacement.")
            write_atomically(self.uploads / name, data)
            for _, path, _ in same:
                if path.name != name:  # replaced by another type: one file per document id
                    path.unlink(missing_ok=True)
        return LibraryDocument(doc_id, name, "upload", "pending")

    def remove(self, doc_id: str) -> None:
        """Delete an uploaded document's file; it leaves the index at the next re-index."""
        with self._lock:
            matches = [(path, origin) for d, path, origin in self._files() if d == doc_id]
            if not matches:
                raise TechniquesError(f"There is no document {doc_id!r} in the library.")
            for path, origin in matches:
                if origin != "upload":
                    raise TechniquesError(f"{path.name} is in the corpus folder {self.settings.corpus_dir}.",
                                          hint="Remove it from that folder on the server, then re-index.")
            for path, _ in matches:
                path.unlink(missing_ok=True)

    def documents(self) -> list[LibraryDocument]:
        """Every document of the library with its status, by origin then id."""
        recorded = self.last_reindex() or {}
        indexed: dict[str, dict] = recorded.get("indexed", {})
        skipped: dict[str, dict] = recorded.get("skipped", {})
        found, refused = self._scan()
        out: list[LibraryDocument] = []
        for doc_id, path, origin in found:
            stat, seen = _stat(path), skipped.get(str(path.resolve()))
            if seen is not None and seen.get("stat") == stat:
                out.append(LibraryDocument(doc_id, path.name, origin, "skipped", seen["reason"]))
            elif indexed.get(doc_id) == stat:
                out.append(LibraryDocument(doc_id, path.name, origin, "indexed"))
            else:
                out.append(LibraryDocument(doc_id, path.name, origin, "pending"))
        for path, reason in refused:
            out.append(LibraryDocument(path.stem, path.name, self._origin(path), "skipped", reason))
        present = {d.doc_id for d in out}
        for doc_id, seen in indexed.items():
            if doc_id not in present:
                out.append(LibraryDocument(doc_id, Path(seen["path"]).name, self._origin(Path(seen["path"])), "removed"))
        return sorted(out, key=lambda d: (d.origin != "upload", d.doc_id))

    def last_reindex(self) -> dict | None:
        """The persisted summary of the last successful re-index (None before the first)."""
        try:
            return json.loads(self.status_path.read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:  # a damaged status file only costs the statuses
            log.warning("cannot read %s (%s): statuses start again", self.status_path, exc)
            return None

    # -------------------------------------------------------------------------------- re-index

    def reindex(self) -> Job:
        """Start re-indexing the library in the background; a TechniquesError if one is running."""
        with self._lock:
            if self._job is not None and self._job.running:
                raise TechniquesError("The library is already being re-indexed.", hint="Wait for it to finish.")
            job = self._job = Job(self._job.number + 1 if self._job is not None else 1)
        threading.Thread(target=self._run, args=(job,), name="library-reindex", daemon=True).start()
        return job

    def job(self) -> Job | None:
        """The running job, or the last one."""
        return self._job

    def _run(self, job: Job) -> None:
        try:
            self.uploads.mkdir(parents=True, exist_ok=True)
            scopes = [p for p in (Path(self.settings.corpus_dir), self.uploads) if p.is_dir()]
            before = {doc_id: _stat(path) for doc_id, path, _ in self._files()}  # what this run reads
            summary = ingest(scopes, self.settings, embedder=self.embedder, progress=False, on_progress=job._progress)
            self._record(summary, before)
        except Exception as exc:  # noqa: BLE001 - a job reports every failure instead of dying silently
            if not isinstance(exc, TechniquesError):
                log.exception("re-indexing the library failed")
            message = exc.message if isinstance(exc, TechniquesError) else f"{type(exc).__name__}: {exc}"
            job._finish(JobStatus("failed", job.done, job.total, f"Re-indexing failed; the index was not changed. {message}", "failed"))
            return
        job._finish(JobStatus("done", summary.documents, summary.documents, _done_message(summary), "done", tuple(summary.lines())))

    def _record(self, summary: IngestSummary, before: dict[str, dict]) -> None:
        indexed = set(summary.added) | set(summary.changed) | set(summary.unchanged)
        stats = {stat["path"]: stat for stat in before.values()}
        skipped = {}
        for s in summary.skipped:
            key = str(Path(s.path).resolve())
            skipped[key] = {"reason": s.reason, "stat": stats.get(key)}  # so a fixed file shows as pending
        record = {
            "version": summary.version,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "indexed": {doc_id: stat for doc_id, stat in before.items() if doc_id in indexed},
            "skipped": skipped,
            "lines": summary.lines(),
        }
        tmp = self.status_path.with_name(f".{STATUS_FILE}.tmp")
        try:
            tmp.write_text(json.dumps(record, indent=1), "utf-8")
            tmp.replace(self.status_path)
        except OSError as exc:  # the index is published either way; only the statuses are stale
            log.warning("cannot write %s (%s)", self.status_path, exc)

    # ------------------------------------------------------------------------------ helpers

    def _files(self) -> list[tuple[str, Path, str]]:
        return self._scan()[0]

    def _scan(self) -> tuple[list[tuple[str, Path, str]], list[tuple[Path, str]]]:
        """(doc id, path, origin) of every document file ingest would read, and the files it
        refuses outright (type, duplicate id) with the reason."""
        found, refused = discover([p for p in (Path(self.settings.corpus_dir), self.uploads) if p.is_dir()])
        return [(path.stem, path, self._origin(path)) for path in found], [(Path(s.path), s.reason) for s in refused]

    def _origin(self, path: Path) -> str:
        uploads = self.uploads.resolve()
        return "upload" if uploads in Path(path).resolve().parents else "corpus"


def _stat(path: Path) -> dict:
    """What tells a file changed since it was indexed, without reading it."""
    st = path.stat()
    return {"path": str(path.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _done_message(summary: IngestSummary) -> str:
    if not summary.published:
        text = f"Nothing changed: {summary.documents} documents indexed."
    else:
        text = (f"Indexed {summary.documents} documents: {len(summary.added)} added, {len(summary.changed)} changed, "
                f"{len(summary.deleted)} removed.")
    return text + (f" {len(summary.skipped)} skipped." if summary.skipped else "")
