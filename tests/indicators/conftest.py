"""Shared fixtures: a committed slice of real Binance BTC/USDT 1h bars."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "indicators"


def load_bars() -> pd.DataFrame:
    """Return the 3,000-bar BTC/USDT 1h slice (ts_open in ns, OHLCV floats)."""
    return pd.read_csv(DATA / "btc_usdt_1h.csv")


@pytest.fixture(scope="session")
def bars() -> pd.DataFrame:
    return load_bars()
