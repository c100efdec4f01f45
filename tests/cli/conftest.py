"""Fixtures of the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder with its own catalog and SQL store (the sample data still shows)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLIN_CATALOG", str(tmp_path / "catalog"))
    monkeypatch.setenv("COLIN_DATABASE_URL", f"sqlite:///{tmp_path / 'colin.db'}")
    return tmp_path
