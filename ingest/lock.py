"""One ingest at a time per data folder: an advisory `flock` that the OS releases if the
process dies, so a killed ingest never leaves a stale lock behind."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.failures import not_a_folder, store_failure
from techniques.errors import TechniquesError


@contextmanager
def ingest_lock(data_dir: Path) -> Iterator[None]:
    path = data_dir / "ingest.lock"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fh = open(path, "a+", encoding="utf-8")
    except (FileExistsError, NotADirectoryError):
        raise not_a_folder(data_dir) from None
    except OSError as exc:  # before anything was written: the published index is untouched
        raise (store_failure(exc, data_dir, kept=(data_dir / "CURRENT").exists()) or exc) from None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise TechniquesError(
                f"Another ingest is already running on {data_dir} (pid {holder}).",
                hint="Wait for it to finish, then run this ingest again.",
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)
