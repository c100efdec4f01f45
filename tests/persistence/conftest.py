"""Store fixtures: every store test runs on SQLite and on the real PostgreSQL server.

``database_url`` (in the top-level conftest) gives each backend in turn.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from colin.persistence.sql import SqlStore, create_store


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    """An open, migrated store on each backend."""
    with create_store(database_url) as opened:
        yield opened
