"""Suite-wide test settings."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Render rich output 240 columns wide so messages are not wrapped by the tmp path length."""
    monkeypatch.setenv("COLUMNS", "240")
