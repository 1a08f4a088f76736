"""A PostgreSQL server for the records tests that run on both databases."""

from __future__ import annotations

import pytest

from tests.records.postgres import postgres_or_skip


@pytest.fixture(scope="session")
def postgres():
    server = postgres_or_skip()
    yield server
    server.stop()
