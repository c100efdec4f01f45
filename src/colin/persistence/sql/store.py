"""The SQL store: engine, sessions and schema migrations.

:func:`create_store` opens the database named by a SQLAlchemy URL (default: the embedded SQLite
file ``./colin-data/colin.db``, or ``COLIN_DATABASE_URL``) and brings its schema to the newest
migration, so a user never runs Alembic by hand. SQLite connections use write-ahead logging,
enforce foreign keys and wait for locks instead of failing at once.

How hard a SQLite commit is pushed to disk is the store's *durability* (SQLite's ``synchronous``
pragma, in WAL mode):

- ``"full"`` (the default): every commit is synced to disk before it returns (one ``fsync`` per
  commit). A committed journal append survives a process crash and a power cut or OS crash.
- ``"normal"``: commits are written to the WAL file without a sync; the WAL is synced at
  checkpoints. A committed append survives a crash of the process (``SIGKILL``, OOM kill), but a
  power cut or OS crash may lose the last commits (never corrupting the database).

PostgreSQL ignores the setting: its own ``synchronous_commit`` decides.

With ``checkpoint_interval_s`` a SQLite store checkpoints its write-ahead log from a background
thread instead of inside the commit that fills it (:mod:`colin.persistence.sql.checkpoints`); a
trading node's journal uses it so that no order's append pays for a checkpoint.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from colin.core.errors import ConfigError
from colin.persistence.sql.checkpoints import WalCheckpointer

DEFAULT_DATABASE_URL = "sqlite:///./colin-data/colin.db"
DATABASE_URL_ENV = "COLIN_DATABASE_URL"
SQLITE_BUSY_TIMEOUT_MS = 10_000
MIGRATIONS_DIR = Path(__file__).with_name("migrations")

Durability = Literal["full", "normal"]
"""How hard a SQLite commit is synced to disk; see the module docstring."""


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

    def __init__(self, engine: Engine, checkpointer: WalCheckpointer | None = None) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._held: list[Connection] = []
        self.checkpointer = checkpointer
        """The background WAL checkpointer (``None``: SQLite checkpoints inside commits)."""

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

    def hold_connection(self) -> Connection:
        """Check out a connection for a hot writer to keep; the store closes it in :meth:`close`.

        A connection must be used by one thread at a time (one per writer object).
        """
        connection = self.engine.connect()
        self._held.append(connection)
        return connection

    def migrate(self) -> None:
        """Upgrade the schema to the newest migration (a no-op when it is current)."""
        with self.engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        """Stop the checkpointer, close the held connections and release every pooled one."""
        if self.checkpointer is not None:
            self.checkpointer.stop()
        for connection in self._held:
            connection.close()
        self._held.clear()
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


def create_store(
    url: str | None = None,
    *,
    migrate: bool = True,
    durability: Durability = "full",
    checkpoint_interval_s: float | None = None,
) -> SqlStore:
    """Open the SQL store at ``url`` and migrate its schema to the newest version.

    Parameters
    ----------
    url
        A SQLAlchemy URL (``sqlite:///path.db``, ``postgresql+psycopg://user@host/db``). ``None``
        uses ``$COLIN_DATABASE_URL``, else ``sqlite:///./colin-data/colin.db``.
    migrate
        Run the migrations (default). Turn off only to inspect an old database as it is.
    durability
        ``"full"`` (default) or ``"normal"``: SQLite's ``synchronous`` level in WAL mode, see the
        module docstring. Ignored on PostgreSQL.
    checkpoint_interval_s
        SQLite file databases: checkpoint the write-ahead log from a background thread this often
        instead of inside commits. ``None`` (default): SQLite's automatic checkpoints. Ignored on
        PostgreSQL and in-memory SQLite.

    Raises
    ------
    ConfigError
        If the URL cannot be parsed, names a database driver that is not installed, or
        ``durability`` is not ``"full"`` or ``"normal"``.
    """
    if durability not in _SYNCHRONOUS:
        raise ConfigError(f"store durability must be 'full' or 'normal', got {durability!r}")
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
    checkpointer = None
    if engine.dialect.name == "sqlite":
        on_file = parsed.database not in (None, "", ":memory:")
        if checkpoint_interval_s is not None and on_file:
            checkpointer = WalCheckpointer(engine, checkpoint_interval_s)
        event.listen(
            engine, "connect", _SqlitePragmas(_SYNCHRONOUS[durability], checkpointer is None)
        )
    store = SqlStore(engine, checkpointer)
    if migrate:
        store.migrate()
    if checkpointer is not None:
        checkpointer.start()
    return store


def _prepare_sqlite_path(database: str | None) -> None:
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


_SYNCHRONOUS: dict[str, str] = {"full": "FULL", "normal": "NORMAL"}


class _SqlitePragmas:
    """The connect hook that configures every new SQLite connection."""

    def __init__(self, synchronous: str, auto_checkpoints: bool) -> None:
        self.synchronous = synchronous
        self.auto_checkpoints = auto_checkpoints

    def __call__(self, dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={self.synchronous}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if not self.auto_checkpoints:
                cursor.execute("PRAGMA wal_autocheckpoint=0")
        finally:
            cursor.close()
