"""Trade quality checks and repairs, on real Binance trades with injected defects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from colin.core.errors import DataError
from colin.data.quality import IssueKind
from colin.data.trade_quality import check_trades, repair_trades
from colin.persistence.catalog import sample_catalog


@pytest.fixture(scope="module")
def trades() -> pd.DataFrame:
    return sample_catalog().read_trades("BTC/USDT.BINANCE").iloc[:1000].reset_index(drop=True)


def test_real_trades_are_clean(trades: pd.DataFrame) -> None:
    assert check_trades(trades).ok


def test_defects_are_found_and_raise_by_default(trades: pd.DataFrame) -> None:
    bad = trades.copy()
    bad.loc[10, "price"] = np.nan
    bad.loc[11, "size"] = -1.0
    bad.loc[12, "price"] = 0.0
    bad = pd.concat([bad, bad.iloc[[100]]]).reset_index(drop=True)
    report = check_trades(bad, "t.csv")
    assert report.count(IssueKind.NAN) == 1
    assert report.count(IssueKind.NEGATIVE_VOLUME) == 1
    assert report.count(IssueKind.NON_POSITIVE_PRICE) == 1
    assert report.count(IssueKind.DUPLICATE) == 2
    assert report.count(IssueKind.NON_MONOTONIC) == 1
    with pytest.raises(DataError, match=r"t\.csv: 1 nan problem\(s\) in trades, first: row 10 "):
        repair_trades(bad, source="t.csv")
    clean, repaired = repair_trades(bad, "drop", source="t.csv")
    assert len(clean) == 997
    assert clean["ts_event"].is_monotonic_increasing
    assert clean["trade_id"].is_unique
    assert repaired.repairs == [
        "dropped 4 bad or duplicate trade row(s)",
        "sorted out-of-order trades by ts_event",
    ]


def test_out_of_order_trades_are_sorted_stably(trades: pd.DataFrame) -> None:
    shuffled = trades.iloc[::-1].reset_index(drop=True)
    clean, report = repair_trades(shuffled, "drop")
    assert report.repairs == ["sorted out-of-order trades by ts_event"]
    assert clean["ts_event"].is_monotonic_increasing
    assert sorted(clean["trade_id"]) == sorted(trades["trade_id"])
