"""Databases for tests: the PostgreSQL test server and throwaway schemas on it.

Tests that touch the SQL store run on SQLite and on a real PostgreSQL server. The server is named
by ``COLIN_TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``);
each test gets a fresh schema (:func:`temporary_postgres_schema`) dropped afterwards, so tests
never see each other's rows and leave nothing behind.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

POSTGRES_TEST_URL_ENV = "COLIN_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_TEST_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_test_url() -> str:
    """Return the PostgreSQL server URL for tests."""
    return os.environ.get(POSTGRES_TEST_URL_ENV) or DEFAULT_POSTGRES_TEST_URL


def postgres_unreachable_reason(url: str) -> str | None:
    """Return why the server at ``url`` cannot be used, or ``None`` when it answers."""
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, ModuleNotFoundError) as exc:
        safe = make_url(url).render_as_string(hide_password=True)
        return f"PostgreSQL at {safe} is not reachable ({type(exc).__name__}: {exc})"
    finally:
        engine.dispose()
    return None


@contextmanager
def temporary_postgres_schema(url: str) -> Iterator[str]:
    """Create a uniquely named schema, yield a URL whose connections use it, then drop it."""
    schema = f"colin_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
