"""The files of a library folder, treated as untrusted: which paths to ingest, and the bytes of one.

`discover` turns the paths a user gives into the files to ingest: regular files of a supported
format only. Inside a folder, symbolic links are not followed at all (a link to /etc/passwd or
to a folder outside is skipped with its reason); FIFOs, devices, sockets and loops are refused.
`read_file` opens a file without following links and without blocking, checks that what it
opened is a regular file, and caps the bytes actually read (not the size `stat` reports). A file
that cannot be used raises `SkipFile` with a one-line reason.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

FORMATS = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}
SUPPORTED_SUFFIXES = frozenset(FORMATS)
MAX_TEXT_BYTES = 10 * 1024 * 1024
MAX_PDF_BYTES = 50 * 1024 * 1024
CATALOG_NAME = "catalog.yaml"


def format_of(path: Path) -> str | None:
    """"txt", "md", "html" or "pdf" by the file's suffix; None when unsupported."""
    return FORMATS.get(Path(path).suffix.lower())


class SkipFile(Exception):
    """A file that cannot be ingested; `reason` is one line telling the user why and what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str


# ---------------------------------------------------------------------------------- discover


def discover(paths: Sequence[Path]) -> tuple[list[Path], list[Skipped]]:
    """Files to ingest under `paths` (folders expanded recursively, sorted) and those refused."""
    found: list[Path] = []
    skipped: list[Skipped] = []
    by_id: dict[str, Path] = {}
    seen: set[Path] = set()
    for given in map(Path, paths):
        if given.is_dir():
            candidates, refused = _folder_files(given)
            skipped.extend(refused)
        elif given.is_file():
            candidates = [given]
        elif os.path.lexists(given):  # a pipe, device or socket named on the command line
            skipped.append(Skipped(given, not_regular(given) or "not a regular file"))
            continue
        else:
            skipped.append(Skipped(given, "not found: check the path"))
            continue
        for path in candidates:
            if path.resolve() in seen:  # the same file reached twice is not a duplicate
                continue
            seen.add(path.resolve())
            reason = _refusal(path, explicit=path is given)
            if reason is None and path.stem in by_id:
                reason = (f"duplicate document id '{path.stem}': {by_id[path.stem]} has the same "
                          "name; rename one of them")
            if reason is not None:
                skipped.append(Skipped(path, reason))
                continue
            by_id[path.stem] = path
            found.append(path)
    return found, skipped


def _folder_files(folder: Path) -> tuple[list[Path], list[Skipped]]:
    """The regular files under a folder, and what else is there with the reason it is refused.

    The folder is untrusted: symbolic links inside it are not followed at all (a link to
    /etc/passwd or /dev/zero is never read, and a link loop cannot be entered), and named pipes,
    devices and sockets are refused before anything opens them (a pipe would block the ingest)."""
    files: list[Path] = []
    refused: list[Skipped] = []
    for root, dirs, names in os.walk(folder, followlinks=False):
        for d in sorted(dirs):
            if not d.startswith(".") and (reason := not_regular(Path(root, d), folder=True)):
                refused.append(Skipped(Path(root, d), reason))
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not Path(root, d).is_symlink())
        for n in sorted(names):
            if n.startswith(".") or n == CATALOG_NAME:
                continue
            if reason := not_regular(Path(root, n)):
                refused.append(Skipped(Path(root, n), reason))
            else:
                files.append(Path(root, n))
    return sorted(files), refused


def not_regular(path: Path, *, folder: bool = False) -> str | None:
    """Why `path` (not followed if it is a link) is not a file to read, or None."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISLNK(mode):
        try:
            os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "a symbolic link loop: remove it"
            return "a broken symbolic link: remove it"
        return ("a symbolic link: links inside a library folder are not followed; copy the "
                + ("folder" if folder else "file") + " in instead")
    if folder and stat.S_ISDIR(mode):
        return None
    if stat.S_ISREG(mode):
        return None
    return f"{_kind(mode)}, not a regular file: only regular files are read"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


def _refusal(path: Path, *, explicit: bool) -> str | None:
    if explicit and path.name == CATALOG_NAME:
        return "a catalog of metadata, not a document: give its folder instead"
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return unsupported(path)
    return None


def unsupported(path: Path) -> str:
    kind = path.suffix.lower() or "(no extension)"
    return f"unsupported file type {kind}; supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}"


# ----------------------------------------------------------------------------------- catalog


def read_file(path: Path) -> bytes:
    """A regular file's bytes, up to its format's size limit, or `SkipFile` with the reason.

    The file is opened without following a symbolic link and without blocking (a FIFO swapped in
    after discovery cannot hang the ingest), checked to be a regular file on the open descriptor,
    and read only up to the limit plus one byte: the cap holds on the bytes read, whatever the
    file's stat size says (a device or /proc file reports 0)."""
    limit = MAX_PDF_BYTES if path.suffix.lower() == ".pdf" else MAX_TEXT_BYTES
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise SkipFile("not found: check the path") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SkipFile("a symbolic link: links inside a library folder are not followed; copy the file in instead") from None
        if exc.errno == errno.EISDIR:
            raise SkipFile("a folder, not a file: give it to discover() instead") from None
        raise SkipFile(f"cannot be read ({exc.strerror}): check its permissions") from None
    try:
        st = os.fstat(fd)
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            raise SkipFile("a folder, not a file: give it to discover() instead")
        if not stat.S_ISREG(mode):
            raise SkipFile(f"{_kind(mode)}, not a regular file: only regular files are read")
        if st.st_size > limit:  # refused without reading it
            raise SkipFile(_too_large(f"{_megabytes(st.st_size)} is", limit, path))
        parts: list[bytes] = []
        size = 0
        while size <= limit and (part := os.read(fd, min(1 << 20, limit + 1 - size))):
            parts.append(part)
            size += len(part)
    except OSError as exc:
        raise SkipFile(f"cannot be read ({exc.strerror}): check its permissions") from None
    finally:
        os.close(fd)
    if size > limit:  # its stat size said otherwise (a file still growing, /proc, ...)
        raise SkipFile(_too_large("its content is", limit, path))
    if size == 0:
        raise SkipFile("empty file (0 bytes): nothing to ingest")
    return b"".join(parts)


def _too_large(size: str, limit: int, path: Path) -> str:
    return (f"too large: {size} over the {_megabytes(limit)} limit for {path.suffix.lower()} files; "
            "split it into smaller documents")


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f}".removesuffix(".0") + " MB"
