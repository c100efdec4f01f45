"""Opening the store: URLs, SQLite pragmas, migrations without drift."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from colin.core.errors import ConfigError
from colin.persistence.sql import DATABASE_URL_ENV, SqlStore, create_store, resolve_database_url
from colin.persistence.sql.models import Base

TABLES = {
    "alembic_version",
    "audit_log",
    "journal_entries",
    "run_fills",
    "run_orders",
    "run_positions",
    "run_prices",
    "runs",
}


def test_migrations_create_every_table_and_autogenerate_finds_no_drift(store: SqlStore) -> None:
    with store.engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) == TABLES
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert context.get_current_revision() == "0001"


def test_migrating_again_is_a_no_op(database_url: str) -> None:
    with create_store(database_url) as first:
        first.migrate()
    with create_store(database_url) as second, second.engine.connect() as connection:
        revisions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    assert revisions == [("0001",)]


def test_store_without_migration_leaves_the_database_empty(database_url: str) -> None:
    with create_store(database_url, migrate=False) as store, store.engine.connect() as connection:
        assert inspect(connection).get_table_names() == []


def test_sqlite_connections_use_wal_foreign_keys_busy_timeout_and_full_sync(
    tmp_path: Path,
) -> None:
    with create_store(f"sqlite:///{tmp_path / 'a' / 'b' / 'colin.db'}") as store:
        assert store.dialect == "sqlite"
        with store.engine.connect() as connection:
            pragma = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
    assert pragma == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 10_000,
        "synchronous": 2,
    }
    assert (tmp_path / "a" / "b" / "colin.db").exists()


def test_normal_durability_lowers_sqlite_sync_and_unknown_levels_are_refused(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'colin.db'}"
    with create_store(url, durability="normal") as store, store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    with pytest.raises(ConfigError, match="durability must be 'full' or 'normal', got 'off'"):
        create_store(url, durability="off")  # type: ignore[arg-type]


def test_held_connections_are_closed_with_the_store(tmp_path: Path) -> None:
    store = create_store(f"sqlite:///{tmp_path / 'colin.db'}")
    held = store.hold_connection()
    assert held.exec_driver_sql("SELECT 1").scalar() == 1
    store.close()
    assert held.closed


def test_url_comes_from_the_argument_then_the_environment_then_the_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    assert resolve_database_url() == "sqlite:///./colin-data/colin.db"
    env_url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv(DATABASE_URL_ENV, env_url)
    assert resolve_database_url() == env_url
    assert resolve_database_url("sqlite:///other.db") == "sqlite:///other.db"
    with create_store() as store:
        assert store.url == env_url
    assert (tmp_path / "env.db").exists()


def test_default_store_is_created_under_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    with create_store():
        pass
    assert (tmp_path / "colin-data" / "colin.db").is_file()


def test_bad_urls_give_a_config_error_naming_the_url() -> None:
    with pytest.raises(ConfigError, match="invalid database URL 'not a url'"):
        create_store("not a url")
    with pytest.raises(ConfigError, match=r"no dialect or driver 'postgresql\+nosuchdriver'"):
        create_store("postgresql+nosuchdriver://user:secret@localhost/db")
    with pytest.raises(ConfigError, match="needs the 'asyncpg' module"):
        create_store("postgresql+asyncpg://user:secret@localhost/db")


def test_store_url_hides_the_password() -> None:
    store = create_store("postgresql+psycopg://colin:hunter2@127.0.0.1:1/x", migrate=False)
    assert "hunter2" not in store.url and "hunter2" not in repr(store)
    store.close()
