"""Suite-wide test settings and the database fixtures shared by every store test.

Without a reachable PostgreSQL server the PostgreSQL cases skip with the reason, except under
``CI=true``, where they fail: CI must never pass by skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from colin.testkit.sql import (
    postgres_test_url,
    postgres_unreachable_reason,
    temporary_postgres_schema,
)


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Render rich output 240 columns wide so messages are not wrapped by the tmp path length."""
    monkeypatch.setenv("COLUMNS", "240")


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
