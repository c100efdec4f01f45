"""The SQL store: runs, order journal and audit log over SQLAlchemy (SQLite or PostgreSQL)."""

from colin.persistence.sql.audit import AuditEntry, AuditLog, VerificationResult
from colin.persistence.sql.journal import SqlJournal
from colin.persistence.sql.run_records import RunResult, RunSummary, StoredPosition, StoredRun
from colin.persistence.sql.runs import RunRepository
from colin.persistence.sql.store import (
    DATABASE_URL_ENV,
    DEFAULT_DATABASE_URL,
    SqlStore,
    create_store,
    resolve_database_url,
)

__all__ = [
    "DATABASE_URL_ENV",
    "DEFAULT_DATABASE_URL",
    "AuditEntry",
    "AuditLog",
    "RunRepository",
    "RunResult",
    "RunSummary",
    "SqlJournal",
    "SqlStore",
    "StoredPosition",
    "StoredRun",
    "VerificationResult",
    "create_store",
    "resolve_database_url",
]
