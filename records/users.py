"""Who may log in to the web app, and with which role: admin (manages the library), therapist
and student (ask and study).

Users live in the database layer (records.db): `DATA/users.sqlite` by default, the shared
database when TECHNIQUES_DATABASE_URL is set (an account made on one app process logs in on
every other). A password is stored only as its
scrypt hash with a per-user random salt (`scrypt$n$r$p$salt$hash`, so the cost can be raised
later without locking anyone out) and is compared in constant time; no password is ever logged,
printed or kept in a repr. `TECHNIQUES_AUTH=user:password` keeps working for a single-user
setup: those users are admins, checked against the environment, and cannot be changed here.

For the web app: `UserStore.from_settings(settings)`; Gradio's `auth=` takes `store.check`
(a bool) when `store.login_required()`; `authenticate` gives the `User` and `role_of` the role.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from records.db import database, is_url, location
from records.tables import users
from techniques.errors import TechniquesError
from techniques.settings import Settings

ROLES = ("admin", "therapist", "student")
FILENAME = "users.sqlite"
WHAT = "user store"
MIN_PASSWORD = 8
# scrypt cost: 2**14 x 8 (16 MiB, ~0.1 s a login on this 2-core box) is the interactive-login
# setting of the scrypt paper and OWASP's minimum; each hash records its own, so raising it later
# breaks no login
SCRYPT_N, SCRYPT_R, SCRYPT_P, SALT_BYTES, HASH_BYTES = 2**14, 8, 1, 16, 32
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")  # no ':' or ',': TECHNIQUES_AUTH's separators

@dataclass(frozen=True)
class User:
    name: str
    role: str
    from_environment: bool = False  # a TECHNIQUES_AUTH user: an admin, changed only there

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class UserStore:
    def __init__(self, path: str | Path, environment_admins: Sequence[tuple[str, str]] = ()) -> None:
        """`path`: a SQLite file, or a database URL (records.db)."""
        self.path = None if is_url(path) else Path(path)
        self.db = database(path)
        self._env = {name.casefold(): (name, password) for name, password in environment_admins}

    @classmethod
    def from_settings(cls, settings: Settings) -> UserStore:
        return cls(location(settings, FILENAME), settings.auth)

    def __repr__(self) -> str:
        return f"UserStore({self.db.label!r}, environment_admins={len(self._env)})"

    def _reading(self):
        self.db.ensure("users", WHAT)
        return self.db.reading(WHAT)

    def _writing(self):
        self.db.ensure("users", WHAT)
        return self.db.writing(WHAT)

    # ------------------------------------------------------------------------------ checking

    def authenticate(self, username: str, password: str) -> User | None:
        """The user when the password is theirs, else None (also for an unknown name, after the
        same work, so a login's timing does not tell which names exist)."""
        name, password = (username or "").strip(), password or ""
        if name.casefold() in self._env:
            env_name, expected = self._env[name.casefold()]
            # compared as digests, so not even the password's length shows in the timing
            same = hmac.compare_digest(_sha256(password), _sha256(expected))
            return User(env_name, "admin", from_environment=True) if same else None
        row = self._row(name) if name else None
        if row is None:
            hash_password(password)  # equal work for a name that does not exist
            return None
        return User(row["name"], row["role"]) if verify_password(password, row["password"]) else None

    def check(self, username: str, password: str) -> bool:
        """Gradio's `auth=` callable."""
        return self.authenticate(username, password) is not None

    def role_of(self, username: str) -> str | None:
        user = self.get(username)
        return user.role if user else None

    def get(self, username: str) -> User | None:
        name = (username or "").strip()
        if name.casefold() in self._env:
            return User(self._env[name.casefold()][0], "admin", from_environment=True)
        row = self._row(name) if name else None
        return User(row["name"], row["role"]) if row else None

    def login_required(self) -> bool:
        """True once any user exists: an app with users asks everyone to log in."""
        return bool(self._env) or self.count() > 0

    # ------------------------------------------------------------------------------ managing

    def add(self, username: str, password: str, role: str) -> User:
        name, role = _check_name(username), _check_role(role)
        self._not_from_environment(name)
        _check_password(password)
        stored = hash_password(password)
        row = dict(name=name, role=role, password=stored, created_at=datetime.now(UTC).isoformat(timespec="seconds"))
        try:
            with self._writing() as conn:
                conn.execute(insert(users).values(**row))
        except IntegrityError:
            raise TechniquesError(f"There is already a user {name!r}.", hint="Choose another name, or `techniques users set-role`.") from None
        return User(name, role)

    def remove(self, username: str) -> None:
        name = self._existing(username)
        with self._writing() as conn:
            conn.execute(delete(users).where(users.c.name == name))

    def set_role(self, username: str, role: str) -> User:
        name, role = self._existing(username), _check_role(role)
        with self._writing() as conn:
            conn.execute(update(users).where(users.c.name == name).values(role=role))
        return User(name, role)

    def set_password(self, username: str, password: str) -> None:
        name = self._existing(username)
        _check_password(password)
        stored = hash_password(password)
        with self._writing() as conn:
            conn.execute(update(users).where(users.c.name == name).values(password=stored))

    def list(self) -> list[User]:
        """Every user, the environment's admins first, then the stored ones by name."""
        env = [User(name, "admin", from_environment=True) for name, _ in self._env.values()]
        rows = []
        if self.db.exists():
            with self._reading() as conn:
                rows = conn.execute(select(users.c.name, users.c.role).order_by(func.lower(users.c.name), users.c.name)).all()
        return env + [User(name, role) for name, role in rows if name.casefold() not in self._env]

    def count(self) -> int:
        if not self.db.exists():
            return 0  # no file is created just to find out there are no users
        with self._reading() as conn:
            return int(conn.execute(select(func.count()).select_from(users)).scalar_one())

    # ------------------------------------------------------------------------------ helpers

    def _row(self, name: str):
        """The stored row whose name is `name` in any case."""
        if not self.db.exists():
            return None
        with self._reading() as conn:
            row = conn.execute(select(users.c.name, users.c.role, users.c.password)
                               .where(func.lower(users.c.name) == name.lower())).first()
        return row._mapping if row else None

    def _not_from_environment(self, name: str) -> None:
        if name.casefold() in self._env:
            raise TechniquesError(
                f"{name!r} is set by TECHNIQUES_AUTH (an admin).",
                hint="Change or remove it in TECHNIQUES_AUTH, or choose another name.",
            )

    def _existing(self, username: str) -> str:
        name = (username or "").strip()
        self._not_from_environment(name)
        row = self._row(name) if name else None
        if row is None:
            raise TechniquesError(f"There is no user {name!r}.", hint="`techniques users list` shows who there is.")
        return row["name"]


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, HASH_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        expected = bytes.fromhex(digest)
        if scheme != "scrypt" or len(expected) != HASH_BYTES:  # a cut hash would match many passwords
            return False
        actual = _scrypt(password, bytes.fromhex(salt), int(n), int(r), int(p), len(expected))
    except ValueError:  # a damaged row lets nobody in
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=64 * 1024 * 1024)


def _sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _check_name(username: str) -> str:
    name = (username or "").strip()
    if not _NAME.fullmatch(name):
        raise TechniquesError(
            f"{name!r} is not a usable user name.",
            hint="Use 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit.",
        )
    return name


def _check_role(role: str) -> str:
    value = (role or "").strip().lower()
    if value not in ROLES:
        raise TechniquesError(f"A role is one of {', '.join(ROLES)}, got {role!r}.")
    return value


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise TechniquesError(f"A password needs at least {MIN_PASSWORD} characters.")
