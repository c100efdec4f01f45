"""The SQL store: engine, sessions and schema migrations.

:func:`create_store` opens the database named by a SQLAlchemy URL (default: the embedded SQLite
file ``./colin-data/colin.db``, or ``COLIN_DATABASE_URL``) and brings its schema to the newest
migration, so a user never runs Alembic by hand. SQLite connections use write-ahead logging,
enforce foreign keys, wait for locks instead of failing at once, and sync every commit to disk
(``synchronous=FULL``), which is what makes a journal append durable when it returns.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from colin.core.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///./colin-data/colin.db"
DATABASE_URL_ENV = "COLIN_DATABASE_URL"
SQLITE_BUSY_TIMEOUT_MS = 10_000
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def resolve_database_url(url: str | None = None) -> str:
    """Return ``url``, else ``$COLIN_DATABASE_URL``, else the default SQLite file."""
    return url or os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL


class SqlStore:
    """An open SQL database: its engine and a session factory.

    Parameters
    ----------
    engine
        The SQLAlchemy engine; the store owns it and disposes of it in :meth:`close`.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        """The database URL with any password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Open a session in a transaction: commit on success, roll back on error."""
        with self._sessions.begin() as session:
            yield session

    def migrate(self) -> None:
        """Upgrade the schema to the newest migration (a no-op when it is current)."""
        with self.engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqlStore({self.url})"


def alembic_config() -> Config:
    """Return an Alembic config pointing at the migrations shipped in this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def create_store(url: str | None = None, *, migrate: bool = True) -> SqlStore:
    """Open the SQL store at ``url`` and migrate its schema to the newest version.

    Parameters
    ----------
    url
        A SQLAlchemy URL (``sqlite:///path.db``, ``postgresql+psycopg://user@host/db``). ``None``
        uses ``$COLIN_DATABASE_URL``, else ``sqlite:///./colin-data/colin.db``.
    migrate
        Run the migrations (default). Turn off only to inspect an old database as it is.

    Raises
    ------
    ConfigError
        If the URL cannot be parsed or names a database driver that is not installed.
    """
    resolved = resolve_database_url(url)
    try:
        parsed = make_url(resolved)
    except ArgumentError as exc:
        raise ConfigError(f"invalid database URL {resolved!r}: {exc}") from None
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        _prepare_sqlite_path(parsed.database)
    else:
        kwargs["pool_pre_ping"] = True
    safe_url = parsed.render_as_string(hide_password=True)
    try:
        engine = create_engine(parsed, **kwargs)
    except NoSuchModuleError:
        raise ConfigError(
            f"database URL {safe_url!r}: SQLAlchemy has no dialect or driver "
            f"{parsed.drivername!r} (use sqlite:/// or postgresql+psycopg://)"
        ) from None
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"database URL {safe_url!r} needs the {exc.name!r} module; install it "
            "(PostgreSQL: pip install 'colin[postgres]')"
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
    store = SqlStore(engine)
    if migrate:
        store.migrate()
    return store


def _prepare_sqlite_path(database: str | None) -> None:
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()
