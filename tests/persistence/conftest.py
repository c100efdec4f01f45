"""Store fixtures: every store test runs on SQLite and on the real PostgreSQL server.

Without a reachable server the PostgreSQL cases skip with the reason, except under ``CI=true``,
where they fail: CI must never pass by skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from colin.persistence.sql import SqlStore, create_store
from colin.testkit.sql import (
    postgres_test_url,
    postgres_unreachable_reason,
    temporary_postgres_schema,
)


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """The PostgreSQL test server's URL, after checking that it answers."""
    url = postgres_test_url()
    reason = postgres_unreachable_reason(url)
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true requires it")
        pytest.skip(reason)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, or a fresh schema on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'colin.db'}"
        return
    with temporary_postgres_schema(request.getfixturevalue("postgres_server_url")) as url:
        yield url


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    """An open, migrated store on each backend."""
    with create_store(database_url) as opened:
        yield opened
