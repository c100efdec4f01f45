"""Many instruments and timeframes in one run are replayed in one time order."""

from __future__ import annotations

from colin.backtest.engine import BacktestEngine
from colin.core.time import parse_time
from colin.model import Bar
from colin.persistence.catalog import sample_catalog
from colin.strategy.strategy import Strategy

BTC, ETH = "BTC/USDT.BINANCE", "ETH/USDT.BINANCE"


class Recorder(Strategy):
    """Records every bar it is given, with the clock at delivery."""

    name = "recorder"

    def on_start(self) -> None:
        self.seen: list[tuple[int, str, str, int]] = []
        for instrument_id, timeframe in ((BTC, "15m"), (BTC, "1h"), (ETH, "1h")):
            self.subscribe_bars(instrument_id, timeframe)

    def on_bar(self, bar: Bar) -> None:
        now = self.clock.timestamp_ns()
        self.seen.append((bar.ts_event, bar.instrument_id, bar.timeframe, now))


def test_two_instruments_and_two_timeframes_replay_in_time_order() -> None:
    catalog = sample_catalog()
    start, end = parse_time("2024-02-01"), parse_time("2024-02-03")
    engine = BacktestEngine(starting_balances={"USDT": 10_000})
    for instrument_id in (BTC, ETH):
        engine.add_instrument(catalog.instrument(instrument_id))
        engine.add_bars(instrument_id, "1h", catalog.read_bars(instrument_id, "1h", start, end))
    engine.add_bars(BTC, "15m", catalog.read_bars(BTC, "15m", start, end))
    recorder = Recorder()
    engine.add_strategy(recorder)
    result = engine.run()

    seen = recorder.seen
    assert len(seen) == 48 * 2 + 48 * 4
    assert [s[0] for s in seen] == sorted(s[0] for s in seen)
    assert all(ts_event == now for ts_event, _, _, now in seen)
    hour_close = parse_time("2024-02-01T05:00:00")
    at_hour = [(iid, tf) for ts, iid, tf, _ in seen if ts == hour_close]
    # at one instant: the shorter timeframe first, then the longer ones
    assert at_hour == [(BTC, "15m"), (BTC, "1h"), (ETH, "1h")]
    # one equity point per distinct timestamp
    assert len(result.equity_ts) == len({s[0] for s in seen})
