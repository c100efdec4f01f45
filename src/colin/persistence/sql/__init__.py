"""The SQL store: runs, order journal and audit log over SQLAlchemy (SQLite or PostgreSQL)."""
