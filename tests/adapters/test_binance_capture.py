"""Tests for the raw Binance websocket decoder, book synchroniser and capture reader."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from colin.adapters.binance_capture import (
    BinanceBookSync,
    BinanceCaptureDecoder,
    CaptureStats,
    iter_capture,
    local_time_to_ns,
    venue_symbol_for,
)
from colin.core.errors import DataError
from colin.core.ids import InstrumentId
from colin.model import (
    AggressorSide,
    BookDelta,
    BookDeltas,
    BookSide,
    BookSnapshot,
    OrderBook,
    QuoteTick,
    TradeTick,
)

ROOT = Path(__file__).resolve().parents[2]
SPOT_CAPTURE = ROOT / "src/colin/sample_data/captures/binance_spot_btcusdt_20240808.gz"
USDM_CAPTURE = ROOT / "tests/fixtures/data/binance_usdm_btcusdt_20240808_head.gz"
SPOT = InstrumentId("BTC/USDT.BINANCE")
PERP = InstrumentId("BTC/USDT:USDT.BINANCE")
T0 = 1_723_161_253_937_085_768


def _replay(
    path: Path, instrument_id: InstrumentId
) -> tuple[OrderBook, list[object], CaptureStats]:
    stats = CaptureStats()
    book = OrderBook(instrument_id)
    events = list(iter_capture(path, instrument_id, stats=stats))
    for event in events:
        if isinstance(event, BookSnapshot):
            book.apply_snapshot(event)
        elif isinstance(event, BookDeltas):
            book.apply_deltas(event)  # raises DataError on any update-id gap
            assert not book.is_crossed(), event.last_update_id
    return book, events, stats


def test_spot_capture_replays_into_a_consistent_book() -> None:
    book, events, stats = _replay(SPOT_CAPTURE, SPOT)
    assert stats.lines == stats.snapshots + stats.deltas + stats.trades + stats.quotes
    assert stats.snapshots == 1
    assert stats.book.gaps == 0
    assert stats.book.deltas_emitted + stats.book.deltas_stale == stats.deltas
    assert book.last_update_id == max(e.last_update_id for e in events if isinstance(e, BookDeltas))
    stamps = [e.ts_init for e in events]
    assert stamps == sorted(stamps)
    # The book's top of book agrees with the venue's own bookTicker at the end of the capture.
    last_quote = next(e for e in reversed(events) if isinstance(e, QuoteTick))
    assert abs(book.mid_price() - last_quote.mid_price) / last_quote.mid_price < 1e-3


def test_spot_capture_trades_are_real_and_typed() -> None:
    trades = [e for e in iter_capture(SPOT_CAPTURE, SPOT) if isinstance(e, TradeTick)]
    assert len(trades) > 1000
    sides = {t.aggressor_side for t in trades}
    assert sides == {AggressorSide.BUYER, AggressorSide.SELLER}
    assert all(50_000 < t.price < 70_000 and t.size > 0 for t in trades)
    assert len({t.trade_id for t in trades}) == len(trades)


def test_usdm_capture_chains_diffs_through_pu() -> None:
    book, events, stats = _replay(USDM_CAPTURE, PERP)
    assert stats.book.gaps == 0 and stats.book.deltas_emitted > 0
    assert isinstance(
        next(e for e in events if isinstance(e, BookSnapshot | BookDeltas)), BookSnapshot
    )
    assert book.best_bid_price() < book.best_ask_price()


def _depth(u_first: int, u_last: int, bids=(), asks=(), pu: int | None = None) -> str:
    data = {
        "e": "depthUpdate",
        "E": 1_700_000_000_000,
        "s": "BTCUSDT",
        "U": u_first,
        "u": u_last,
        "b": [[str(p), str(q)] for p, q in bids],
        "a": [[str(p), str(q)] for p, q in asks],
    }
    if pu is not None:
        data["pu"] = pu
    return json.dumps({"stream": "btcusdt@depth@100ms", "data": data})


def test_decoder_maps_every_message_kind() -> None:
    decoder = BinanceCaptureDecoder(SPOT)
    deltas = decoder.decode(_depth(5, 7, bids=[(100.5, 2)], asks=[(101, 0)]), T0)
    assert isinstance(deltas, BookDeltas)
    assert (deltas.first_update_id, deltas.last_update_id) == (5, 7)
    assert deltas.ts_event == 1_700_000_000_000_000_000 and deltas.ts_init == T0
    assert [(d.side, d.price, d.size) for d in deltas.deltas] == [
        (BookSide.BID, 100.5, 2.0),
        (BookSide.ASK, 101.0, 0.0),
    ]
    futures = decoder.decode(_depth(10, 20, pu=7), T0)
    assert futures.first_update_id == 8  # continues from pu, not from U
    trade = decoder.decode(
        '{"e":"trade","E":1,"s":"BTCUSDT","t":42,"p":"61837.63","q":"0.02","T":1723161255342,'
        '"m":true}',
        T0,
    )
    assert isinstance(trade, TradeTick)
    assert trade.aggressor_side is AggressorSide.SELLER  # buyer was the maker
    assert (trade.price, trade.size, trade.trade_id) == (61837.63, 0.02, "42")
    assert trade.ts_event == 1_723_161_255_342_000_000
    quote = decoder.decode('{"u":1,"s":"BTCUSDT","b":"1.5","B":"2","a":"1.6","A":"3"}', T0)
    assert isinstance(quote, QuoteTick)
    assert (quote.bid_price, quote.bid_size, quote.ask_price, quote.ask_size) == (1.5, 2, 1.6, 3)
    assert quote.ts_event == T0  # spot bookTicker has no venue time
    snapshot = decoder.decode('{"lastUpdateId":9,"bids":[["2","1"]],"asks":[["3","4"]]}', T0)
    assert isinstance(snapshot, BookSnapshot)
    assert (snapshot.bids, snapshot.asks, snapshot.last_update_id) == (
        [(2.0, 1.0)],
        [(3.0, 4.0)],
        9,
    )
    assert decoder.decode('{"e":"markPriceUpdate","s":"BTCUSDT","p":"1"}', T0) is None


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("not json", "invalid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"e":"kline","s":"BTCUSDT"}', "unknown Binance message type 'kline'"),
        ('{"e":"trade","s":"ETHUSDT","t":1,"p":"1","q":"1","m":true}', "'ETHUSDT'"),
        ('{"e":"trade","s":"BTCUSDT","t":1,"p":"abc","q":"1","m":true}', "malformed Binance trade"),
        ('{"e":"depthUpdate","s":"BTCUSDT","U":1,"u":2,"b":[]}', "malformed Binance depthUpdate"),
    ],
)
def test_decoder_rejects_bad_messages_clearly(raw: str, fragment: str) -> None:
    with pytest.raises(DataError, match=fragment.replace("(", r"\(")):
        BinanceCaptureDecoder(SPOT).decode(raw, T0)


def test_venue_symbol_derivation() -> None:
    assert venue_symbol_for(InstrumentId("ETH/USDT.BINANCE")) == "ETHUSDT"
    assert venue_symbol_for(PERP) == "BTCUSDT"
    assert BinanceCaptureDecoder("BTC/USD:BTC.BINANCE", "btcusd_perp").venue_symbol == "BTCUSD_PERP"


def _deltas(first: int, last: int, ts_init: int = T0) -> BookDeltas:
    return BookDeltas(SPOT, [BookDelta(BookSide.BID, 1.0, 1.0)], first, last, ts_init, ts_init)


def test_sync_buffers_until_snapshot_and_restamps() -> None:
    sync = BinanceBookSync()
    assert sync.on_event(_deltas(1, 5)) == []
    assert sync.on_event(_deltas(6, 12, T0 + 1)) == []
    snapshot = BookSnapshot(SPOT, [(1.0, 1.0)], [(2.0, 1.0)], 9, T0 + 5, T0 + 5)
    out = sync.on_event(snapshot)
    assert out[0] is snapshot
    assert [(d.first_update_id, d.ts_init) for d in out[1:]] == [(6, T0 + 5)]
    assert sync.stats.deltas_stale == 1 and sync.is_synced
    assert sync.on_event(_deltas(13, 14)) and not sync.on_event(_deltas(10, 12))
    assert sync.stats.deltas_stale == 2


def test_sync_detects_gap_and_waits_for_next_snapshot() -> None:
    sync = BinanceBookSync()
    sync.on_event(BookSnapshot(SPOT, [], [], 10, T0))
    assert sync.on_event(_deltas(11, 12))
    assert sync.on_event(_deltas(20, 21)) == []
    assert sync.stats.gaps == 1 and not sync.is_synced
    sync.finish()
    assert sync.stats.deltas_unsynced == 1


def test_capture_without_snapshot_drops_book_but_keeps_trades(tmp_path: Path) -> None:
    path = tmp_path / "nosnap.txt"
    trade = '{"e":"trade","s":"BTCUSDT","t":1,"p":"10","q":"1","T":1700000000000,"m":false}'
    path.write_text(f"{T0} {_depth(1, 2)}\n{T0 + 1} {trade}\n")
    stats = CaptureStats()
    events = list(iter_capture(path, SPOT, stats=stats))
    assert [type(e) for e in events] == [TradeTick]
    assert stats.book.deltas_unsynced == 1


def test_capture_errors_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(f"{T0} {_depth(1, 2)}\n")
        handle.write("garbage-without-timestamp\n")
    with pytest.raises(DataError, match=r"bad\.gz:2: expected '<local timestamp> <JSON>'"):
        list(iter_capture(path, SPOT))
    with pytest.raises(DataError, match="cannot read capture"):
        list(iter_capture(tmp_path / "missing.gz", SPOT))


def test_microsecond_captures_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "old.dat"
    micros = T0 // 1000
    path.write_text(f"{micros} " + '{"u":1,"s":"BTCUSDT","b":"1","B":"1","a":"2","A":"1"}\n')
    (quote,) = iter_capture(path, SPOT)
    assert quote.ts_init == micros * 1000


@given(st.integers(min_value=10**14, max_value=4 * 10**18))
def test_local_time_is_ns_after_conversion(value: int) -> None:
    ns = local_time_to_ns(value)
    assert ns >= 10**17
    assert ns in (value, value * 1000)


@given(st.integers(min_value=-(10**12), max_value=10**14 - 1))
def test_implausible_local_times_are_rejected(value: int) -> None:
    with pytest.raises(DataError, match="neither epoch nanoseconds nor microseconds"):
        local_time_to_ns(value)


def test_truncated_gzip_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.gz"
    path.write_bytes(SPOT_CAPTURE.read_bytes()[:5000])
    with pytest.raises(DataError, match=r"cut\.gz: cannot read capture"):
        list(iter_capture(path, SPOT))


_decimal_text = st.decimals(
    min_value="0.00000001", max_value="1000000", places=8, allow_nan=False, allow_infinity=False
).map(lambda d: f"{d:.8f}")


@given(
    price=_decimal_text,
    size=_decimal_text,
    trade_id=st.integers(0, 2**62),
    maker=st.booleans(),
    millis=st.integers(1_500_000_000_000, 2_500_000_000_000),
)
def test_trade_messages_decode_exactly(price, size, trade_id, maker, millis) -> None:
    raw = json.dumps(
        {
            "e": "trade",
            "E": millis,
            "s": "BTCUSDT",
            "t": trade_id,
            "p": price,
            "q": size,
            "T": millis,
            "m": maker,
        }
    )
    trade = BinanceCaptureDecoder(SPOT).decode(raw, T0)
    assert (trade.price, trade.size, trade.trade_id) == (float(price), float(size), str(trade_id))
    assert trade.ts_event == millis * 1_000_000
    assert trade.aggressor_side is (AggressorSide.SELLER if maker else AggressorSide.BUYER)


@given(
    bids=st.lists(st.tuples(_decimal_text, _decimal_text), max_size=20),
    asks=st.lists(st.tuples(_decimal_text, _decimal_text), max_size=20),
    first=st.integers(1, 2**60),
    span=st.integers(0, 1000),
)
def test_depth_messages_keep_every_level_in_order(bids, asks, first, span) -> None:
    raw = json.dumps(
        {
            "e": "depthUpdate",
            "E": 1,
            "s": "BTCUSDT",
            "U": first,
            "u": first + span,
            "b": [list(level) for level in bids],
            "a": [list(level) for level in asks],
        }
    )
    deltas = BinanceCaptureDecoder(SPOT).decode(raw, T0)
    expected = [(BookSide.BID, float(p), float(q)) for p, q in bids]
    expected += [(BookSide.ASK, float(p), float(q)) for p, q in asks]
    assert [(d.side, d.price, d.size) for d in deltas.deltas] == expected
    assert (deltas.first_update_id, deltas.last_update_id) == (first, first + span)
