"""Where index versions live, and the atomic switch that publishes one.

Local: `DATA/versions/<version>/` is one Chroma `PersistentClient` folder per version and
`DATA/CURRENT` names the published one. An ingest only ever writes a new folder, and the
running app only reads the published one, so the two never write the same folder (Chroma's
PersistentClient is not safe for two processes). Publishing is an atomic `os.replace` of the
pointer file; a killed ingest leaves an orphan folder that the next ingest removes.

Server (`chroma run`): a version is a pair of collections named after it, and the pointer is a
record in a `<prefix>-pointer` collection. Every call to the server has a timeout and a bounded
retry (chroma_http.py): a short one when answering, a long one when an ingest writes.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from pathlib import Path
from typing import Protocol

from ingest.chroma_http import READ_TIMEOUT, WRITE_TIMEOUT, Breaker, StoreUnreachable, connect
from ingest.failures import not_a_folder, store_failure
from ingest.store import Index
from techniques.errors import TechniquesError
from techniques.settings import Settings


def new_version_name() -> str:
    """Names sort in the order they were made (to the microsecond), which is how an unchanged
    ingest tells a killed ingest's orphan (made after the published version) from the previous
    version (made before it)."""
    now = time.time_ns()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now // 10**9))
    return f"v{stamp}.{now // 1000 % 10**6:06d}-{os.getpid()}-{secrets.token_hex(3)}"


def _chroma_settings():
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


class Backend(Protocol):
    def current_version(self) -> str | None: ...

    def open(self, version: str) -> Index: ...

    def create(self, version: str, model: str | None = None) -> Index: ...

    def publish(self, version: str) -> None: ...

    def collect_garbage(self, keep: set[str]) -> None: ...

    def remove_orphans(self, current: str) -> None: ...

    def discard(self, version: str) -> None: ...

    def check(self) -> None: ...

    def describe(self) -> str: ...


class LocalBackend:
    def __init__(self, data_dir: Path, prefix: str) -> None:
        self.data_dir = Path(data_dir)
        self.prefix = prefix
        self.versions = self.data_dir / "versions"
        self.pointer = self.data_dir / "CURRENT"

    def describe(self) -> str:
        return f"local folder {self.data_dir}"

    def current_version(self) -> str | None:
        try:
            name = self.pointer.read_text("utf-8").strip()
        except FileNotFoundError:
            return None
        except NotADirectoryError:
            raise not_a_folder(self.data_dir) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise TechniquesError(f"The index pointer {self.pointer} cannot be read ({exc}).",
                                  hint="Rebuild it with `techniques ingest --rebuild`.") from None
        return name or None

    def check(self) -> None:
        """Raise the clear error when the published version cannot be served (for /healthz)."""
        version = self.current_version()
        if version is None:
            raise TechniquesError(f"There is no index in {self.describe()} yet.",
                                  hint="Run `techniques ingest corpus/`.")
        if not (self.versions / version / "chroma.sqlite3").is_file():
            raise TechniquesError(f"The index folder {self.versions / version} is missing or damaged.",
                                  hint="Rebuild it with `techniques ingest --rebuild`.")

    def pointer_stamp(self) -> tuple[int, int] | None:
        """Changes whenever a new version is published: cheap enough to check per question."""
        try:
            st = self.pointer.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_ino)

    def _client(self, version: str):
        import chromadb

        return chromadb.PersistentClient(path=str(self.versions / version), settings=_chroma_settings())

    def open(self, version: str) -> Index:
        folder = self.versions / version
        if not (folder / "chroma.sqlite3").is_file():
            raise TechniquesError(
                f"The index folder {folder} is missing or damaged.",
                hint="Rebuild it with `techniques ingest --rebuild`.",
            )
        try:
            return Index(self._client(version), self.prefix)
        except Exception as exc:  # chromadb raises several types for a damaged folder
            if clear := store_failure(exc, self.data_dir, kept=False, reading=folder):
                raise clear from exc  # disk full or read-only: a rebuild would not help
            raise TechniquesError(
                f"The index in {folder} cannot be opened ({type(exc).__name__}: {exc}).",
                hint="Rebuild it with `techniques ingest --rebuild`.",
            ) from exc

    def create(self, version: str, model: str | None = None) -> Index:
        if self.data_dir.exists() and not self.data_dir.is_dir():
            raise not_a_folder(self.data_dir)
        (self.versions / version).mkdir(parents=True, exist_ok=False)
        return Index(self._client(version), self.prefix, create=True, model=model)

    def discard(self, version: str) -> None:
        """Remove a version that was never published."""
        shutil.rmtree(self.versions / version, ignore_errors=True)
        if (self.versions / version).exists():
            raise OSError(f"{self.versions / version} could not be removed")

    def publish(self, version: str) -> None:
        tmp = self.pointer.with_name(f"CURRENT.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(version + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.pointer)
        dir_fd = os.open(self.data_dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def collect_garbage(self, keep: set[str]) -> None:
        if not self.versions.is_dir():
            return
        for folder in self.versions.iterdir():
            if folder.name not in keep:
                shutil.rmtree(folder, ignore_errors=True)
        for tmp in self.data_dir.glob("CURRENT.*.tmp"):
            tmp.unlink(missing_ok=True)

    def remove_orphans(self, current: str) -> None:
        """Remove versions named after `current` (version names sort by time): a killed ingest's,
        never published. The version before `current` stays for readers still on it."""
        if self.versions.is_dir():
            self.collect_garbage({f.name for f in self.versions.iterdir() if f.name <= current})


class ServerBackend:
    def __init__(self, host: str, port: int, prefix: str, *, timeout: float = READ_TIMEOUT) -> None:
        self.host, self.port, self.prefix = host, port, prefix
        self.timeout = timeout
        self.breaker = Breaker()
        self._client_obj = None

    def describe(self) -> str:
        return f"Chroma server {self.host}:{self.port}"

    @property
    def client(self):
        if self._client_obj is None:
            try:
                self._client_obj = connect(self.host, self.port, _chroma_settings(), timeout=self.timeout, breaker=self.breaker)
                self._client_obj.heartbeat()
            except Exception as exc:
                self._client_obj = None
                raise self._unreachable(exc) from exc
        return self._client_obj

    def _unreachable(self, exc: Exception) -> TechniquesError:
        why = f"it failed {exc}" if isinstance(exc, StoreUnreachable) else type(exc).__name__
        return TechniquesError(
            f"The Chroma server at {self.host}:{self.port} is not reachable ({why}).",
            hint="Start it (`chroma run --host 127.0.0.1 --port PORT --path DIR`) or unset TECHNIQUES_CHROMA_HOST.",
        )

    def _pointer(self):
        return self.client.get_or_create_collection(f"{self.prefix}-pointer", embedding_function=None)

    def current_version(self) -> str | None:
        try:
            got = self._pointer().get(ids=["current"], include=["metadatas"])
        except TechniquesError:
            raise
        except Exception as exc:
            self._client_obj = None
            raise self._unreachable(exc) from exc
        return got["metadatas"][0]["version"] if got["ids"] else None

    def open(self, version: str) -> Index:
        try:
            return Index(self.client, f"{self.prefix}-{version}")
        except TechniquesError:
            raise
        except Exception as exc:
            if self._answers():  # the server is up: the version's collections are the problem
                raise TechniquesError(
                    f"The index version {version} on the Chroma server at {self.host}:{self.port} is "
                    f"missing or damaged ({type(exc).__name__}).",
                    hint="Rebuild it with `techniques ingest --rebuild`.",
                ) from exc
            self._client_obj = None
            raise self._unreachable(exc) from exc

    def _answers(self) -> bool:
        try:
            self.client.heartbeat()
        except Exception:
            return False
        return True

    def check(self) -> None:
        """Raise the clear "not reachable" error unless the server answers a heartbeat in time."""
        try:
            self.client.heartbeat()
        except TechniquesError:
            raise
        except Exception as exc:
            self._client_obj = None
            raise self._unreachable(exc) from exc

    def discard(self, version: str) -> None:
        for part in ("chunks", "docs"):
            try:
                self.client.delete_collection(f"{self.prefix}-{version}-{part}")
            except StoreUnreachable:
                raise
            except Exception:  # never created: nothing to remove
                pass

    def create(self, version: str, model: str | None = None) -> Index:
        return Index(self.client, f"{self.prefix}-{version}", create=True, model=model)

    def publish(self, version: str) -> None:
        self._pointer().upsert(ids=["current"], embeddings=[[1.0]], metadatas=[{"version": version}])

    def collect_garbage(self, keep: set[str]) -> None:
        keep_names = {f"{self.prefix}-{v}-{part}" for v in keep for part in ("chunks", "docs")}
        for name in self.client.list_collections():
            name = getattr(name, "name", name)
            if name.startswith(f"{self.prefix}-v") and name not in keep_names:
                self.client.delete_collection(name)

    def remove_orphans(self, current: str) -> None:
        """As LocalBackend.remove_orphans, for the versions' collections."""
        start = len(self.prefix) + 1
        for name in self.client.list_collections():
            name = getattr(name, "name", name)
            if name.startswith(f"{self.prefix}-v") and name[start : name.rindex("-")] > current:
                self.client.delete_collection(name)


def open_backend(settings: Settings, *, writing: bool = False) -> LocalBackend | ServerBackend:
    """The settings' store; `writing` (an ingest) gives a server's calls the long timeout."""
    if settings.server_mode:
        return ServerBackend(settings.chroma_host or "127.0.0.1", settings.chroma_port, settings.collection,
                             timeout=WRITE_TIMEOUT if writing else READ_TIMEOUT)
    return LocalBackend(settings.data_dir, settings.collection)
