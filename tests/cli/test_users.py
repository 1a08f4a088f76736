"""`techniques users`: add, list, set-role, set-password and remove, the password from stdin and
never on the command line or in the output."""

from __future__ import annotations

import io

import pytest

from cli.main import main
from records.users import UserStore
from techniques.settings import Settings

PASSWORD = "a long enough password"


def run(capsys, monkeypatch, store, *argv, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["users", *argv, "--store", str(store)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def store(tmp_path):
    return tmp_path / "store"


def users(store) -> UserStore:
    return UserStore.from_settings(Settings(data_dir=store))


def test_add_reads_the_password_from_stdin_and_never_prints_it(capsys, monkeypatch, store):
    code, out, err = run(capsys, monkeypatch, store, "add", "ann", "--role", "therapist", stdin=PASSWORD + "\n")
    assert (code, out.strip(), err) == (0, "added ann (therapist)", "")
    assert users(store).authenticate("ann", PASSWORD).role == "therapist"
    code, out, _ = run(capsys, monkeypatch, store, "list")
    assert code == 0 and out.splitlines() == ["ann\ttherapist"]
    assert PASSWORD not in out


def test_set_role_set_password_and_remove(capsys, monkeypatch, store):
    run(capsys, monkeypatch, store, "add", "ann", "--role", "student", stdin=PASSWORD + "\n")
    assert run(capsys, monkeypatch, store, "set-role", "ann", "admin")[:2] == (0, "ann is now admin\n")
    assert users(store).role_of("ann") == "admin"
    assert run(capsys, monkeypatch, store, "set-password", "ann", stdin="another password\n")[0] == 0
    assert users(store).authenticate("ann", "another password") is not None
    assert run(capsys, monkeypatch, store, "remove", "ann")[:2] == (0, "removed ann\n")
    assert users(store).list() == []


def test_mistakes_are_one_line_errors(capsys, monkeypatch, store):
    code, _, err = run(capsys, monkeypatch, store, "add", "ann", "--role", "student", stdin="")
    assert code == 1 and err.startswith("error: No password on standard input.")
    code, _, err = run(capsys, monkeypatch, store, "add", "ann", "--role", "student", stdin="short\n")
    assert code == 1 and "at least 8 characters" in err
    run(capsys, monkeypatch, store, "add", "ann", "--role", "student", stdin=PASSWORD + "\n")
    code, _, err = run(capsys, monkeypatch, store, "add", "ann", "--role", "admin", stdin=PASSWORD + "\n")
    assert code == 1 and "already a user 'ann'" in err
    code, _, err = run(capsys, monkeypatch, store, "remove", "bob")
    assert code == 1 and "no user 'bob'" in err
    with pytest.raises(SystemExit):  # argparse refuses an unknown role
        run(capsys, monkeypatch, store, "set-role", "ann", "owner")


def test_the_environment_admin_is_listed_and_not_changed_here(capsys, monkeypatch, store):
    monkeypatch.setenv("TECHNIQUES_AUTH", "owner:pw-from-env")
    code, out, _ = run(capsys, monkeypatch, store, "list")
    assert code == 0 and out.splitlines() == ["owner\tadmin\t(TECHNIQUES_AUTH)"]
    assert "pw-from-env" not in out
    code, _, err = run(capsys, monkeypatch, store, "set-role", "owner", "student")
    assert code == 1 and "TECHNIQUES_AUTH" in err
