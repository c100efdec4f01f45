"""Bar quality checks and repair policies, on real Binance candles with injected defects."""

from __future__ import annotations

import logging
import re
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from colin.core.errors import DataError
from colin.core.time import NANOS_PER_HOUR
from colin.data.quality import IssueKind, RepairPolicy, check_bars, repair_bars

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures/data/BTC_USDT-1h.feather"


@pytest.fixture(scope="module")
def real_bars() -> pd.DataFrame:
    raw = pd.read_feather(FIXTURE)
    return pd.DataFrame(
        {
            "ts_open": raw["date"].dt.as_unit("ns").astype("int64").to_numpy(),
            **{c: raw[c].to_numpy(float) for c in ("open", "high", "low", "close", "volume")},
        }
    )


def test_real_binance_bars_are_clean(real_bars: pd.DataFrame) -> None:
    report = check_bars(real_bars, "1h", "BTC_USDT-1h")
    assert report.ok, report.describe()
    assert report.rows == 300
    assert report.first_ts == int(real_bars["ts_open"].iloc[0])


@pytest.mark.parametrize(
    ("kind", "mutate", "fragment"),
    [
        (
            IssueKind.NAN,
            lambda b: b.loc.__setitem__((5, "close"), np.nan),
            "NaN/inf in column(s) close",
        ),
        (IssueKind.NON_POSITIVE_PRICE, lambda b: b.loc.__setitem__((5, "low"), 0.0), "price <= 0"),
        (IssueKind.NEGATIVE_VOLUME, lambda b: b.loc.__setitem__((5, "volume"), -1.0), "volume"),
        (IssueKind.OHLC_INCONSISTENT, lambda b: b.loc.__setitem__((5, "high"), 1.0), "high/low"),
        (
            IssueKind.MISALIGNED,
            lambda b: b.loc.__setitem__((5, "ts_open"), b.ts_open[5] + 7),
            "boundary",
        ),
    ],
)
def test_each_row_defect_is_found_and_raised_with_row_and_column(
    real_bars: pd.DataFrame, kind: IssueKind, mutate, fragment: str
) -> None:
    bars = real_bars.copy()
    mutate(bars)
    report = check_bars(bars, "1h", "file.feather")
    assert report.count(kind) == 1
    assert report.issues[kind].examples[0].startswith("row 5 ")
    with pytest.raises(
        DataError, match=rf"file\.feather: 1 {kind} .*row 5 .*{re.escape(fragment)}"
    ):
        repair_bars(bars, "1h", RepairPolicy.RAISE, source="file.feather")


def test_duplicates_out_of_order_and_gaps(real_bars: pd.DataFrame) -> None:
    bars = pd.concat([real_bars.iloc[:10], real_bars.iloc[[3]], real_bars.iloc[15:]])
    bars = pd.concat([bars.iloc[:2], bars.iloc[[5]], bars.iloc[2:]]).reset_index(drop=True)
    report = check_bars(bars, "1h", "x")
    assert report.count(IssueKind.DUPLICATE) == 4  # two rows each for two repeated times
    assert report.count(IssueKind.NON_MONOTONIC) == 2
    assert report.count(IssueKind.GAP) == 5  # rows 10..14 were removed
    assert "5 bar(s) missing after" in report.issues[IssueKind.GAP].examples[0]


def test_drop_policy_repairs_and_logs(real_bars: pd.DataFrame, caplog) -> None:
    bars = real_bars.copy()
    bars.loc[7, "close"] = np.nan
    bars.loc[8, "high"] = bars.loc[8, "low"] - 1
    bars = pd.concat([bars, bars.iloc[[20]].assign(volume=123.0)]).iloc[::-1]
    with caplog.at_level(logging.WARNING, logger="colin.data.quality"):
        clean, report = repair_bars(bars, "1h", "drop", source="src")
    assert len(clean) == 298
    assert clean["ts_open"].is_monotonic_increasing and clean["ts_open"].is_unique
    # the duplicate keeps the last row in file order, which after reversal is the original one
    kept = clean.loc[clean.ts_open == real_bars.ts_open[20], "volume"].item()
    assert kept == real_bars.volume[20]
    assert check_bars(clean, "1h").count(IssueKind.GAP) == 2
    assert report.rows_out == 298
    assert any("dropped 1 row(s) with nan" in r for r in report.repairs)
    assert any("sorted" in r for r in report.repairs)
    assert "src: dropped 1 row(s) with ohlc_inconsistent" in caplog.text
    assert "src: dropped 1 duplicate row(s), kept the last" in caplog.text


def test_fill_policy_inserts_flagged_zero_volume_bars(real_bars: pd.DataFrame) -> None:
    bars = real_bars.drop(index=[50, 51, 52]).reset_index(drop=True)
    clean, report = repair_bars(bars, "1h", "fill")
    assert len(clean) == 300 and check_bars(clean, "1h").ok
    filled = clean[clean["filled"]]
    assert list(filled.ts_open) == list(real_bars.ts_open[50:53])
    assert (filled.volume == 0).all()
    previous_close = real_bars.close[49]
    assert (filled[["open", "high", "low", "close"]] == previous_close).all().all()
    assert not clean.loc[~clean["filled"], "volume"].eq(0).all()
    assert "filled 3 missing bar(s)" in report.repairs[-1]


def test_missing_column_and_bad_types_are_clear(real_bars: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"f\.csv: missing column\(s\) \['volume'\]"):
        check_bars(real_bars.drop(columns="volume"), "1h", "f.csv")
    with pytest.raises(DataError, match="ts_open must be int64"):
        check_bars(real_bars.assign(ts_open=real_bars.ts_open.astype(float)), "1h", "f.csv")
    with pytest.raises(DataError, match="invalid timeframe"):
        check_bars(real_bars, "1hour")


def test_weekly_bars_align_to_monday() -> None:
    monday = pd.Timestamp("2024-01-01", tz="UTC").value  # a Monday
    bars = pd.DataFrame(
        {
            "ts_open": [monday, monday + 7 * 24 * NANOS_PER_HOUR],
            "open": 1.0,
            "high": 1.0,
            "low": 1.0,
            "close": 1.0,
            "volume": 1.0,
        }
    )
    assert check_bars(bars, "1w").ok


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    corrupt=st.lists(
        st.tuples(
            st.integers(0, 299),
            st.sampled_from(["nan", "dup", "swap", "neg", "ohlc", "drop"]),
        ),
        max_size=12,
    ),
    policy=st.sampled_from(["drop", "fill"]),
)
def test_repairs_always_produce_clean_bars(real_bars: pd.DataFrame, corrupt, policy: str) -> None:
    bars = real_bars.copy()
    dropped: set[int] = set()
    for row, action in corrupt:
        if action == "nan":
            bars.loc[row, "open"] = np.nan
        elif action == "neg":
            bars.loc[row, "volume"] = -5.0
        elif action == "ohlc":
            bars.loc[row, "low"] = bars.loc[row, "high"] * 2
        elif action == "drop":
            dropped.add(row)
        elif action == "dup":
            bars = pd.concat([bars, bars.loc[[row]]])
        else:
            bars = pd.concat([bars.loc[[row]], bars.drop(index=row)])
    bars = bars.drop(index=list(dropped), errors="ignore").reset_index(drop=True)
    clean, report = repair_bars(bars, "1h", policy)
    after = check_bars(clean, "1h")
    remaining = set(after.issues) - ({IssueKind.GAP} if policy == "drop" else set())
    assert not remaining, after.describe()
    if not check_bars(bars, "1h").ok:
        assert report.repairs
    with pytest.raises(DataError) if not report.ok else nullcontext():
        repair_bars(bars, "1h", "raise")
