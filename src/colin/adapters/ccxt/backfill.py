"""REST backfill of OHLCV, trades, funding rates and open interest through ccxt.

:class:`Backfiller` pages through a time range with ``since``/``limit`` requests, stops at the end
of the range, spends each request's weight from a :class:`TokenBucket` first, and retries failed
requests with bounded backoff: ccxt's ``OperationFailed`` family (network errors, timeouts, 5xx,
``DDoSProtection``/``RateLimitExceeded`` after a 429/418, whose ``Retry-After`` pauses the bucket).
It yields one frame per page, in catalog schema, so a caller can store pages as they come and
resume after an interruption from what is stored (:func:`missing_ranges` says what is not).

Only closed bars are returned: the range is cut at the venue's clock (``fetch_time``), so the bar
still forming never reaches the catalog.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import ccxt
import numpy as np
import numpy.typing as npt
import pandas as pd

from colin.adapters.ccxt.capabilities import VenueCapabilities, market_type_of
from colin.adapters.ccxt.decode import (
    funding_to_frame,
    ohlcv_to_frame,
    open_interest_to_frame,
    trades_to_frame,
)
from colin.adapters.ccxt.rate_limit import RetryPolicy, Sleep, TokenBucket, retry_after_s
from colin.adapters.ccxt.symbols import instrument_from_market
from colin.core.errors import (
    ConfigError,
    DataError,
    NetworkError,
    RateLimitError,
    RetryableError,
    VenueUnavailableError,
)
from colin.core.ids import InstrumentId
from colin.core.time import NANOS_PER_MILLI, timeframe_to_ns
from colin.model.instrument import Instrument

logger = logging.getLogger(__name__)

Range = tuple[int, int]
"""``[start_ns, end_ns)``."""


def missing_ranges(
    stored_ts_open: npt.NDArray[np.int64], start_ns: int, end_ns: int, step_ns: int
) -> list[Range]:
    """Return the ``[start, end)`` ranges of bar open times in ``[start_ns, end_ns)`` not stored.

    ``start_ns`` is rounded up to a bar boundary. Stored times outside the range are ignored. A
    catalog holding everything gives ``[]``; an empty one gives the whole (aligned) range.
    """
    first = -(-start_ns // step_ns) * step_ns
    if first >= end_ns:
        return []
    expected = np.arange(first, end_ns, step_ns, dtype=np.int64)
    missing = expected[~np.isin(expected, stored_ts_open)]
    if not len(missing):
        return []
    breaks = np.flatnonzero(np.diff(missing) != step_ns) + 1
    starts = np.concatenate(([0], breaks))
    ends = np.concatenate((breaks, [len(missing)]))
    return [
        (int(missing[s]), min(end_ns, int(missing[e - 1]) + step_ns))
        for s, e in zip(starts, ends, strict=True)
    ]


class Backfiller:
    """Page through a venue's REST history (see the module docstring).

    Parameters
    ----------
    exchange
        A ``ccxt.pro`` (async) exchange, markets loaded or not.
    capabilities
        The venue's capabilities: page sizes and request weights.
    bucket
        The rate limiter shared with every other client of this venue and IP; by default one
        holding the venue's whole budget.
    retry
        How often and how long to retry a failed request.
    page_limit
        Ask for at most this many rows per request (default: the venue's maximum).
    sleep
        The backoff sleep (injectable for tests).
    """

    def __init__(
        self,
        exchange: Any,
        capabilities: VenueCapabilities,
        bucket: TokenBucket | None = None,
        retry: RetryPolicy | None = None,
        page_limit: int | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.exchange = exchange
        self.capabilities = capabilities
        self.bucket = bucket or TokenBucket.from_budget(capabilities.rate_budget)
        self.retry = retry or RetryPolicy()
        self.page_limit = page_limit
        self._sleep = sleep
        self.requests = 0
        """Requests sent (retries included)."""
        self.retries = 0
        """Requests that failed and were retried."""

    # -- markets and time ------------------------------------------------------------------------

    async def instrument(self, symbol: str) -> Instrument:
        """Load the venue's markets (once) and return the instrument of a unified symbol.

        Raises
        ------
        ConfigError
            If the venue has no such market; the message lists some it has.
        """
        markets = self.exchange.markets or await self._request(
            "markets", None, self.exchange.load_markets
        )
        market = markets.get(symbol) if isinstance(markets, Mapping) else None
        if market is None:
            venue, market_type = self.capabilities.venue, self.capabilities.market_type
            known = sorted(s for s in (markets or {}) if market_type_of(s) == market_type)
            raise ConfigError(f"{venue} {market_type} has no market {symbol}; it has {known[:20]}")
        return instrument_from_market(market, self.capabilities.venue, self.exchange.precisionMode)

    async def venue_time_ms(self) -> int:
        """Return the venue's clock in milliseconds."""
        value = await self._request("time", None, self.exchange.fetch_time)
        if isinstance(value, bool) or not isinstance(value, int):
            raise DataError(f"{self.capabilities.venue}: fetch_time returned {value!r}")
        return value

    async def ohlcv(
        self, instrument_id: InstrumentId, timeframe: str, start_ns: int, end_ns: int
    ) -> AsyncIterator[pd.DataFrame]:
        """Yield the closed bars opened in ``[start_ns, end_ns)``, one frame per page.

        Frames have the catalog's bar columns (``ts_open, open, high, low, close, volume``).
        """
        step_ms = timeframe_to_ns(timeframe) // NANOS_PER_MILLI
        now_ms = await self.venue_time_ms()
        end_ms = min(-(-end_ns // NANOS_PER_MILLI), now_ms // step_ms * step_ms)
        since = -(-start_ns // NANOS_PER_MILLI // step_ms) * step_ms
        symbol = instrument_id.symbol
        where = f"ohlcv {instrument_id} {timeframe}"
        while since < end_ms:
            limit = min(
                self._limit(self.capabilities.history.candles), -(-(end_ms - since) // step_ms)
            )
            rows = await self._request(
                "ohlcv",
                limit,
                self.exchange.fetch_ohlcv,
                symbol,
                timeframe,
                since,
                limit,
                {"until": end_ms - 1},
            )
            frame = _between(ohlcv_to_frame(rows, where), "ts_open", since, end_ms)
            if frame.empty:
                return
            yield frame
            since = int(frame["ts_open"].max()) // NANOS_PER_MILLI + step_ms

    # -- trades ----------------------------------------------------------------------------------

    async def trades(
        self, instrument_id: InstrumentId, start_ns: int, end_ns: int
    ) -> AsyncIterator[pd.DataFrame]:
        """Yield the trades in ``[start_ns, end_ns)``, one frame per page, each trade once.

        Pages walk forward in windows no wider than the venue allows (Binance: one hour); a full
        page continues from its last trade's millisecond, skipping the ids already yielded there.
        """
        page = self.capabilities.history.trades
        if page is None:
            raise ConfigError(
                f"{self.capabilities.venue} {self.capabilities.market_type} serves only recent "
                "trades, not a paginated trade history"
            )
        window = self.capabilities.history.trades_window_ms
        since = -(-start_ns // NANOS_PER_MILLI)
        end_ms = -(-end_ns // NANOS_PER_MILLI)
        boundary: set[str] = set()
        where = f"trades {instrument_id}"
        while since < end_ms:
            window_end = min(end_ms, since + window) if window else end_ms
            limit = self._limit(page)
            rows = await self._request(
                "trades",
                limit,
                self.exchange.fetch_trades,
                instrument_id.symbol,
                since,
                limit,
                {"until": window_end - 1},
            )
            page_frame = _venue_order(
                _between(trades_to_frame(rows, where), "ts_event", since, window_end)
            )
            frame = page_frame[~page_frame["trade_id"].isin(boundary)].reset_index(drop=True)
            if len(rows) < limit or page_frame.empty:
                since, boundary = window_end, set()
            else:
                ms = page_frame["ts_event"] // NANOS_PER_MILLI
                last_ms = int(ms.max())
                if last_ms == since:
                    logger.warning(
                        "%s: more than %d trades at %d ms; moving on to the next millisecond",
                        where,
                        limit,
                        since,
                    )
                    since, boundary = since + 1, set()
                else:
                    since, boundary = last_ms, set(page_frame.loc[ms == last_ms, "trade_id"])
            if len(frame):
                yield frame

    # -- funding and open interest ---------------------------------------------------------------

    async def funding(
        self, instrument_id: InstrumentId, start_ns: int, end_ns: int
    ) -> AsyncIterator[pd.DataFrame]:
        """Yield funding rates in ``[start_ns, end_ns)`` (``ts_event, rate, mark_price``)."""
        page = self._history_page(self.capabilities.history.funding, "funding-rate history")
        async for frame in self._forward(
            "funding",
            page,
            start_ns,
            end_ns,
            lambda since, limit, until: self.exchange.fetch_funding_rate_history(
                instrument_id.symbol, since, limit, {"until": until}
            ),
            lambda rows: funding_to_frame(rows, f"funding {instrument_id}"),
        ):
            yield frame

    async def open_interest(
        self, instrument_id: InstrumentId, start_ns: int, end_ns: int, period: str = "5m"
    ) -> AsyncIterator[pd.DataFrame]:
        """Yield open interest sampled every ``period`` in ``[start_ns, end_ns)``.

        Frames have ``ts_event, open_interest, open_interest_value`` (see
        :func:`colin.adapters.ccxt.decode.open_interest_to_frame`).
        """
        page = self._history_page(self.capabilities.history.open_interest, "open-interest history")
        async for frame in self._forward(
            "open_interest",
            page,
            start_ns,
            end_ns,
            lambda since, limit, until: self.exchange.fetch_open_interest_history(
                instrument_id.symbol, period, since, limit, {"until": until}
            ),
            lambda rows: open_interest_to_frame(rows, f"open interest {instrument_id}"),
        ):
            yield frame

    async def _forward(
        self,
        endpoint: str,
        page: int,
        start_ns: int,
        end_ns: int,
        fetch: Callable[[int, int, int], Awaitable[Any]],
        decode: Callable[[Any], pd.DataFrame],
    ) -> AsyncIterator[pd.DataFrame]:
        since = -(-start_ns // NANOS_PER_MILLI)
        end_ms = -(-end_ns // NANOS_PER_MILLI)
        while since < end_ms:
            limit = self._limit(page)
            rows = await self._request(endpoint, limit, fetch, since, limit, end_ms - 1)
            frame = _between(decode(rows), "ts_event", since, end_ms)
            if frame.empty:
                return
            yield frame
            if len(rows) < limit:
                return
            since = int(frame["ts_event"].max()) // NANOS_PER_MILLI + 1

    # -- requests --------------------------------------------------------------------------------

    def _limit(self, venue_page: int) -> int:
        return venue_page if self.page_limit is None else min(venue_page, self.page_limit)

    def _history_page(self, page: int | None, what: str) -> int:
        if page is None:
            raise ConfigError(
                f"{self.capabilities.venue} {self.capabilities.market_type} has no {what}"
            )
        return page

    async def _request(
        self, endpoint: str, limit: int | None, call: Callable[..., Awaitable[Any]], *args: Any
    ) -> Any:
        venue = self.capabilities.venue
        weight = self.capabilities.weight(endpoint, limit)
        for attempt in range(self.retry.max_attempts):
            await self.bucket.acquire(weight)
            self.requests += 1
            try:
                return await call(*args)
            except ccxt.OperationFailed as exc:
                if attempt + 1 >= self.retry.max_attempts:
                    raise _give_up(venue, endpoint, attempt + 1, exc) from exc
                self.retries += 1
                delay = self.retry.delay(attempt)
                if isinstance(exc, ccxt.DDoSProtection):
                    headers = getattr(self.exchange, "last_response_headers", None)
                    self.bucket.penalize(retry_after_s(headers) or delay)
                    logger.warning("%s %s: rate limited (%s); backing off", venue, endpoint, exc)
                else:
                    logger.warning("%s %s failed (%s); retry in %.2fs", venue, endpoint, exc, delay)
                    await self._sleep(delay)
            except ccxt.BaseError as exc:
                raise DataError(f"{venue} refused {endpoint}: {type(exc).__name__}: {exc}") from exc
        raise AssertionError("unreachable: the loop returns or raises")


def _between(frame: pd.DataFrame, column: str, start_ms: int, end_ms: int) -> pd.DataFrame:
    ts = frame[column]
    keep = (ts >= start_ms * NANOS_PER_MILLI) & (ts < end_ms * NANOS_PER_MILLI)
    return frame.loc[keep].reset_index(drop=True)


def _venue_order(trades: pd.DataFrame) -> pd.DataFrame:
    """Sort trades by time, then by numeric id: ccxt orders same-millisecond trades by id *text*
    (``"10" < "9"``), which scrambles them wherever ids differ in length."""
    ids = trades["trade_id"].astype(str)
    if trades.empty or not ids.str.fullmatch(r"\d{1,18}").all():
        return trades
    order = np.lexsort((ids.astype(np.int64).to_numpy(), trades["ts_event"].to_numpy()))
    return trades.iloc[order].reset_index(drop=True)


def _give_up(venue: str, endpoint: str, attempts: int, exc: Exception) -> RetryableError:
    message = f"{venue} {endpoint}: gave up after {attempts} attempts: {type(exc).__name__}: {exc}"
    if isinstance(exc, ccxt.DDoSProtection):
        return RateLimitError(message)
    if isinstance(exc, ccxt.NetworkError):
        return NetworkError(message)
    return VenueUnavailableError(message)
