"""Therapists' thumbs up/down on answers, kept in the database layer (records.db): SQLite in the
data folder by default, the shared database when TECHNIQUES_DATABASE_URL is set, so feedback
given on any app process behind a load balancer is exported together.

Each call is its own transaction, so any number of threads or processes can record at once
without losing a row. Thumbs-down rows become regression cases
in the eval-dataset format (`evals.dataset`), so a reported bad answer can be pinned by a test.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml
from sqlalchemy import delete, func, insert, select, update

from assistant.answer import Answer
from records.db import database, is_url, location, location_in
from records.tables import feedback
from techniques.errors import TechniquesError
from techniques.settings import Settings

RATINGS = ("up", "down")
REASONS = ("wrong technique", "missing caution", "wrong citation", "unsafe", "other")
FILENAME = "feedback.sqlite"
WHAT = "feedback store"
MAX_COMMENT_CHARS = 2000  # a few paragraphs; a pasted 10 MB "comment" was stored as it was

@dataclass(frozen=True)
class FeedbackRecord:
    id: int
    created_at: str  # ISO 8601, UTC
    rating: str
    reason: str | None
    comment: str | None
    question: str
    history: list[str]
    answer: str
    citations: list[dict]
    doc_id: str | None
    red_flag: bool
    no_answer: bool
    user: str | None = None  # who gave it, when the web app has a login


class FeedbackStore:
    """At a SQLite file path or a database URL (records.db)."""

    def __init__(self, path: str | Path) -> None:
        self.path = None if is_url(path) else Path(path)
        self.db = database(path)

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedbackStore:
        return cls(location(settings, FILENAME))

    @classmethod
    def in_data_dir(cls, data_dir: str | Path) -> FeedbackStore:
        return cls(location_in(data_dir, FILENAME))

    def __repr__(self) -> str:
        return f"FeedbackStore({self.db.label!r})"

    def _reading(self):
        self.db.ensure("feedback", WHAT)
        return self.db.reading(WHAT)

    def _writing(self):
        self.db.ensure("feedback", WHAT)
        return self.db.writing(WHAT)

    def record(
        self,
        rating: str,
        question: str,
        history: Sequence[str],
        answer: Answer,
        reason: str | None = None,
        comment: str | None = None,
        user: str | None = None,
    ) -> int:
        """Store one rating of one answer (by `user`, when logged in); returns the new row's id."""
        rating, reason, comment = _check(rating, reason, comment)
        row = dict(
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            rating=rating,
            reason=reason,
            comment=comment,
            question=question,
            history=json.dumps(list(history), ensure_ascii=False),
            answer=answer.answer,
            citations=json.dumps([asdict(c) for c in answer.citations], ensure_ascii=False),
            doc_id=answer.doc_id,
            red_flag=int(answer.red_flag is not None),
            no_answer=int(answer.no_answer),
            user_name=user,
        )
        with self._writing() as conn:
            return int(conn.execute(insert(feedback).values(**row).returning(feedback.c.id)).scalar_one())

    def update(self, feedback_id: int, rating: str, reason: str | None = None, comment: str | None = None) -> None:
        """Change a stored row's rating; a reason or comment given afterwards is added (None keeps
        what is stored)."""
        rating, reason, comment = _check(rating, reason, comment)
        changes = {"rating": rating, "reason": func.coalesce(reason, feedback.c.reason),
                   "comment": func.coalesce(comment, feedback.c.comment)}
        with self._writing() as conn:
            cur = conn.execute(update(feedback).where(feedback.c.id == int(feedback_id)).values(**changes))
            if cur.rowcount != 1:
                raise TechniquesError(f"There is no feedback #{feedback_id} to update.")

    def delete(self, feedback_id: int) -> None:
        """Forget a rating the user took back."""
        with self._writing() as conn:
            conn.execute(delete(feedback).where(feedback.c.id == int(feedback_id)))

    def list(self, rating: str | None = None, limit: int | None = None) -> list[FeedbackRecord]:
        """Stored rows, oldest first; only one rating when given."""
        query = select(feedback).order_by(feedback.c.id)
        if rating is not None:
            query = query.where(feedback.c.rating == _check(rating, None, None)[0])
        if limit is not None:
            query = query.limit(int(limit))
        with self._reading() as conn:
            return [_record(r._mapping) for r in conn.execute(query)]

    def count(self) -> int:
        with self._reading() as conn:
            return int(conn.execute(select(func.count()).select_from(feedback)).scalar_one())

    def export_eval_dataset(self, path: str | Path) -> int:
        """Write the thumbs-down rows as eval cases (YAML); returns how many were written."""
        cases = [eval_case(r) for r in self.list(rating="down")]
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            header = "# Eval cases from thumbs-down feedback (`techniques feedback export`).\n"
            header += "# Review each one and fill in must_include / expected_sources before gating on it.\n"
            body = yaml.safe_dump(cases, sort_keys=False, allow_unicode=True, width=100) if cases else "[]\n"
            path.write_text(header + body, encoding="utf-8")
        except OSError as exc:
            raise TechniquesError(f"Cannot write {path} ({exc}).") from None
        return len(cases)


def eval_case(r: FeedbackRecord) -> dict:
    """One thumbs-down row as an `evals.dataset` case."""
    case: dict = {"id": f"feedback-{r.id}", "question": r.question}
    if r.history:
        case["history"] = list(r.history)
    # The answer's technique is a fair expectation unless the therapist said it was the wrong one.
    if r.doc_id and r.reason != "wrong technique":
        case["expected_sources"] = [r.doc_id]
    if r.reason == "missing caution" and r.comment and r.comment.strip():
        case["must_include_cautions"] = [r.comment.strip()]
    case["tags"] = ["feedback", (r.reason or "unspecified").replace(" ", "_")]
    return case


def _check(rating: str, reason: str | None, comment: str | None) -> tuple[str, str | None, str | None]:
    rating = (rating or "").strip().lower()
    if rating not in RATINGS:
        raise TechniquesError(f"A rating is 'up' or 'down', got {rating!r}.")
    reason = (reason or "").strip().lower() or None
    if reason is not None and reason not in REASONS:
        raise TechniquesError(f"Unknown feedback reason {reason!r}; choose one of: {', '.join(REASONS)}.")
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        raise TechniquesError(f"A feedback comment can be at most {MAX_COMMENT_CHARS:,} characters; this one has {len(comment):,}.",
                              hint="Shorten it to the point about the answer.")
    return rating, reason, comment


def _record(row) -> FeedbackRecord:
    return FeedbackRecord(
        id=row["id"],
        created_at=row["created_at"],
        rating=row["rating"],
        reason=row["reason"],
        comment=row["comment"],
        question=row["question"],
        history=json.loads(row["history"]),
        answer=row["answer"],
        citations=json.loads(row["citations"]),
        doc_id=row["doc_id"],
        red_flag=bool(row["red_flag"]),
        no_answer=bool(row["no_answer"]),
        user=row.get("user_name"),
    )
