from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from colin.core.ids import ClientOrderIdGenerator, InstrumentId
from colin.core.time import dt_to_ns, ns_to_dt, parse_time, timeframe_to_ns


def test_timeframes() -> None:
    assert timeframe_to_ns("1m") == 60 * 10**9
    assert timeframe_to_ns("4h") == 4 * 3600 * 10**9
    assert timeframe_to_ns("1w") == 7 * 86400 * 10**9
    for bad in ("", "m", "0m", "1x", "1.5h", "-1m"):
        with pytest.raises(ValueError, match="invalid timeframe"):
            timeframe_to_ns(bad)


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)))
def test_datetime_round_trip(value: datetime) -> None:
    aware = value.replace(tzinfo=UTC)
    assert ns_to_dt(dt_to_ns(aware)) == aware


def test_naive_datetimes_are_refused_and_strings_are_utc() -> None:
    with pytest.raises(ValueError, match="naive"):
        dt_to_ns(datetime(2024, 1, 1))
    assert parse_time("2024-01-01") == dt_to_ns(datetime(2024, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="invalid time"):
        parse_time("yesterday")


def test_instrument_id_parts() -> None:
    iid = InstrumentId("BTC/USDT:USDT.BINANCE")
    assert (iid.symbol, iid.venue) == ("BTC/USDT:USDT", "BINANCE")
    assert InstrumentId.of("ETH/USDT", "binance") == "ETH/USDT.BINANCE"
    assert {iid: 1}["BTC/USDT:USDT.BINANCE"] == 1
    with pytest.raises(ValueError, match=r"SYMBOL\.VENUE"):
        InstrumentId("BTCUSDT")


def test_client_order_ids_are_deterministic_and_binance_safe() -> None:
    first = ClientOrderIdGenerator("node 1", "sma/cross")
    second = ClientOrderIdGenerator("node 1", "sma/cross")
    ids = [first.generate() for _ in range(3)]
    assert ids == [second.generate() for _ in range(3)]
    assert ids[0] == "node1-smacross-1"
    resumed = ClientOrderIdGenerator("node 1", "sma/cross", sequence=3)
    assert resumed.generate() == "node1-smacross-4"
    long_id = ClientOrderIdGenerator("x" * 40, "y" * 40, sequence=10**8).generate()
    assert len(long_id) <= 36
