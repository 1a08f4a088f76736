"""A time and memory budget for reading one file: PDF and HTML are parsed in a worker process.

pypdf and BeautifulSoup do work that grows with what a file asks for, not with its size: a
60 KB PDF of compressed content streams (each under pypdf's own per-stream cap) took a minute
per page, and 50,000 nested tags exhaust the recursion limit. Such a file is parsed in a
separate process with a memory ceiling (`RLIMIT_AS`) and a deadline: past either it is killed
or gives up, and the file is skipped with a one-line reason while the ingest goes on. Plain text
and markdown are decoded in-process (linear work on at most 10 MB; YAML bombs are refused by
`ingest.load`), so an ingest of markdown alone never starts the worker.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import resource
import subprocess
import sys
from collections.abc import Mapping
from multiprocessing.connection import Connection
from pathlib import Path

from ingest.files import SkipFile, format_of
from ingest.load import load
from ingest.types import LoadedDocument

log = logging.getLogger(__name__)

PARSE_SECONDS = 30.0  # per file; a 50 MB text-heavy PDF parses in well under this on 2 cores
PARSE_MEMORY = 1 << 30  # address space of the worker, whatever it parses
BUDGETED_FORMATS = frozenset({"pdf", "html"})


class ParseBudget:
    """`load` with a budget: `with ParseBudget() as budget: budget.load(path, data, catalog)`.

    The worker starts on the first PDF or HTML file and serves every later one; it is replaced
    after a file it had to be killed for."""

    def __init__(self, seconds: float = PARSE_SECONDS, memory: int = PARSE_MEMORY) -> None:
        self.seconds, self.memory = seconds, memory
        self._worker = None
        self._conn = None

    def __enter__(self) -> ParseBudget:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def load(self, path: Path, data: bytes, catalog: Mapping[str, dict] | None = None) -> LoadedDocument:
        if format_of(path) not in BUDGETED_FORMATS:
            return load(path, catalog, data=data)
        entry = (catalog or {}).get(path.stem)
        self._start()
        try:
            self._conn.send((str(path), data, {path.stem: entry} if entry is not None else {}))
            if not self._conn.poll(self.seconds):
                self._kill()
                raise SkipFile(f"took longer than {self.seconds:g} s to parse (the limit per file): "
                               "split it or export a simpler copy")
            status, value = self._conn.recv()
        except (EOFError, OSError):
            try:
                code = self._worker.wait(5)
            except subprocess.TimeoutExpired:
                code = None
            self._kill()
            if code == OUT_OF_MEMORY:
                raise SkipFile(_memory_reason(self.memory)) from None
            raise SkipFile(f"the parser stopped on it (exit code {code}): re-export or download it again") from None
        if status == "skip":
            raise SkipFile(value)
        return value

    def _start(self) -> None:
        if self._worker is not None and self._worker.poll() is None:
            return
        # a fresh interpreter, not a fork (the ingest may already run the embedder's threads) and
        # not multiprocessing's spawn (which re-imports the caller's main script)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self._worker = subprocess.Popen(
            [sys.executable, "-c", f"from ingest.budget import _serve; _serve({int(self.memory)})"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, close_fds=True)
        self._conn = _Pipe(self._worker)

    def _kill(self) -> None:
        if self._worker is not None and self._worker.poll() is None:
            self._worker.kill()
            self._worker.wait(5)
        if self._conn is not None:
            self._conn.close()
        self._worker = self._conn = None

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.send(None)  # asks the worker to stop
                self._worker.wait(2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._kill()


class _Pipe:
    """The worker's stdin and stdout as one connection of pickled messages."""

    def __init__(self, worker: subprocess.Popen) -> None:
        self._out = Connection(os.dup(worker.stdin.fileno()), readable=False)
        self._in = Connection(os.dup(worker.stdout.fileno()), writable=False)
        worker.stdin.close()
        worker.stdout.close()

    def send(self, message) -> None:
        self._out.send(message)

    def poll(self, timeout: float) -> bool:
        return self._in.poll(timeout)

    def recv(self):
        return self._in.recv()

    def close(self) -> None:
        self._out.close()
        self._in.close()


OUT_OF_MEMORY = 3  # the worker's exit code when even its reply did not fit


def _memory_reason(memory: int) -> str:
    return (f"needs more than {memory // 2**20} MB of memory to parse (the limit per file): "
            "split it or export a simpler copy")


def _serve(memory: int) -> None:
    """The worker: read (path, bytes, catalog) requests on stdin until told to stop or stdin
    closes; replies on stdout (anything printed goes to stderr instead)."""
    conn = _Pipe.__new__(_Pipe)
    conn._in = Connection(os.dup(0), writable=False)
    conn._out = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings about a damaged file: the skip reason says it
    out_of_memory = pickle.dumps(("skip", _memory_reason(memory)))  # made while there is memory to make it
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        path, data, catalog = request
        del request
        try:
            conn.send(_parse(path, data, catalog))
        except MemoryError:
            data = None
            gc.collect()
            try:
                conn._out.send_bytes(out_of_memory)
            except MemoryError:
                os._exit(OUT_OF_MEMORY)


def _parse(path: str, data: bytes, catalog: dict) -> tuple[str, object]:
    try:
        return "ok", load(Path(path), catalog, data=data)
    except SkipFile as exc:
        return "skip", exc.reason
    except RecursionError:
        return "skip", "could not be parsed (RecursionError: nested too deeply): simplify or re-export it"
    except MemoryError:
        raise
    except Exception as exc:  # a parser bug on one file must not stop the batch
        text = " ".join(str(exc).split())[:160]
        return "skip", f"could not be parsed ({type(exc).__name__}: {text})"
