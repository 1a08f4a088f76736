"""Users and roles: passwords only as salted scrypt hashes, checked in constant time; the
TECHNIQUES_AUTH single-user setup is an admin."""

from __future__ import annotations

import sqlite3

import pytest

from records.users import FILENAME, User, UserStore, hash_password, verify_password
from techniques.errors import TechniquesError
from techniques.settings import Settings

PASSWORD = "correct horse battery"


@pytest.fixture
def store(tmp_path) -> UserStore:
    return UserStore.from_settings(Settings(data_dir=tmp_path))


def stored_rows(store: UserStore) -> list[tuple]:
    with sqlite3.connect(store.path) as conn:
        return conn.execute("SELECT name, role, password FROM users ORDER BY name").fetchall()


def test_a_user_logs_in_with_their_password_only(store):
    store.add("ann", PASSWORD, "therapist")
    assert store.authenticate("ann", PASSWORD) == User("ann", "therapist")
    assert store.check("ann", PASSWORD)
    for name, password in [("ann", PASSWORD + "x"), ("ann", ""), ("ann", PASSWORD.upper()), ("bob", PASSWORD), ("", PASSWORD)]:
        assert store.authenticate(name, password) is None
        assert not store.check(name, password)


def test_passwords_are_salted_hashes_at_rest(store):
    store.add("ann", PASSWORD, "admin")
    store.add("bob", PASSWORD, "student")
    rows = stored_rows(store)
    hashes = [r[2] for r in rows]
    assert all(h.startswith("scrypt$") for h in hashes)
    assert hashes[0] != hashes[1]  # same password, different salt
    raw = b"".join(p.read_bytes() for p in store.path.parent.glob(FILENAME + "*"))
    assert PASSWORD.encode() not in raw


def test_a_hash_verifies_only_its_own_password_and_a_damaged_one_lets_nobody_in():
    stored = hash_password(PASSWORD)
    assert verify_password(PASSWORD, stored)
    assert not verify_password("another password", stored)
    assert not verify_password(PASSWORD, stored[:-4])
    assert not verify_password(PASSWORD, "plain$" + PASSWORD)
    assert not verify_password(PASSWORD, "")


def test_roles_are_kept_changed_and_checked(store):
    store.add("ann", PASSWORD, "Therapist")
    assert store.role_of("ann") == "therapist" and store.role_of("ANN") == "therapist"
    assert store.set_role("ann", "admin") == User("ann", "admin")
    assert store.authenticate("ann", PASSWORD).is_admin
    assert store.role_of("nobody") is None
    with pytest.raises(TechniquesError, match="role is one of admin, therapist, student"):
        store.set_role("ann", "owner")
    with pytest.raises(TechniquesError, match="role is one of"):
        store.add("bob", PASSWORD, "root")


def test_names_are_unique_whatever_their_case_and_checked(store):
    store.add("Ann", PASSWORD, "student")
    with pytest.raises(TechniquesError, match="already a user"):
        store.add("ann", PASSWORD, "admin")
    assert store.authenticate("ANN", PASSWORD) == User("Ann", "student")
    for bad in ["", "a:b", "a,b", "has space", "-dash", "x" * 65]:
        with pytest.raises(TechniquesError, match="not a usable user name"):
            store.add(bad, PASSWORD, "student")


def test_a_short_password_is_refused(store):
    with pytest.raises(TechniquesError, match="at least 8 characters"):
        store.add("ann", "short", "admin")
    assert store.list() == []


def test_remove_and_set_password(store):
    store.add("ann", PASSWORD, "student")
    store.add("bob", PASSWORD, "student")
    store.set_password("ann", "a new password")
    assert store.authenticate("ann", PASSWORD) is None
    assert store.authenticate("ann", "a new password") == User("ann", "student")
    store.remove("ann")
    assert store.authenticate("ann", "a new password") is None
    assert [u.name for u in store.list()] == ["bob"]
    with pytest.raises(TechniquesError, match="no user 'ann'"):
        store.remove("ann")


def test_the_environments_single_user_is_an_admin_and_stays_managed_there(tmp_path):
    store = UserStore.from_settings(Settings.from_env({"TECHNIQUES_DATA_DIR": str(tmp_path), "TECHNIQUES_AUTH": "owner:s3cret-pw"}))
    assert store.login_required()
    assert store.authenticate("owner", "s3cret-pw") == User("owner", "admin", from_environment=True)
    assert store.authenticate("owner", "s3cret-p") is None
    assert store.role_of("owner") == "admin"
    assert store.list() == [User("owner", "admin", from_environment=True)]
    for change in (lambda: store.add("owner", PASSWORD, "student"), lambda: store.remove("owner"),
                   lambda: store.set_role("owner", "student"), lambda: store.set_password("owner", PASSWORD)):
        with pytest.raises(TechniquesError, match="TECHNIQUES_AUTH"):
            change()
    assert "s3cret-pw" not in repr(store)


def test_no_users_means_no_login_and_no_file(store):
    assert not store.login_required()
    assert store.authenticate("ann", PASSWORD) is None
    assert not store.path.exists()
    store.add("ann", PASSWORD, "admin")
    assert store.login_required()
