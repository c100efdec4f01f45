"""Market data from an exchange (or the local exchange simulator) through the ccxt data client.

:class:`ExchangeFeed` subscribes :class:`~colin.adapters.ccxt.data_client.CcxtDataClient` to the
node's instruments and data kinds and hands the decoded bars, trades and book updates to the
node. The client reconnects dropped streams by itself; a stream that stops for good (the venue
refuses the subscription) ends the feed with an error, which stops the node. Silence is read
from the client's per-stream staleness: an instrument is silent when all its streams are, and
the feed is as silent as its most silent instrument.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from colin.adapters.ccxt.capabilities import VenueCapabilities
from colin.adapters.ccxt.data_client import CcxtDataClient
from colin.core.errors import DataError
from colin.core.ids import InstrumentId
from colin.node.feeds import MarketDataSink

_HEALTH_CHECK_S = 0.5


class ExchangeFeed:
    """Stream the configured data of the node's instruments from a ccxt exchange.

    Parameters
    ----------
    exchange
        A ``ccxt.pro`` exchange (public data needs no keys).
    capabilities
        The venue's capabilities.
    instruments
        Instrument ids to follow.
    timeframe
        Bar timeframe.
    kinds
        ``bars``, ``trades``, ``book``.
    owns_exchange
        Close the exchange with the feed (``False`` when the execution client shares it).
    """

    def __init__(
        self,
        exchange: Any,
        capabilities: VenueCapabilities,
        instruments: Sequence[str],
        timeframe: str,
        kinds: Sequence[str],
        owns_exchange: bool = True,
    ) -> None:
        self._exchange = exchange
        self._capabilities = capabilities
        self._instruments = [InstrumentId(i) for i in instruments]
        self._timeframe = timeframe
        self._kinds = list(kinds)
        self._owns_exchange = owns_exchange
        self.client: CcxtDataClient | None = None
        self._streams: dict[InstrumentId, list[str]] = defaultdict(list)

    async def run(self, sink: MarketDataSink) -> None:
        """Subscribe and deliver until cancelled.

        Raises
        ------
        DataError
            If a stream stops for good.
        """
        client = CcxtDataClient(
            self._exchange,
            self._capabilities,
            on_bar=sink.handle_bar,
            on_trade=sink.handle_trade,
            on_book=sink.handle_book,
            owns_exchange=self._owns_exchange,
        )
        self.client = client
        for iid in self._instruments:
            for kind in self._kinds:
                if kind == "bars":
                    key = client.subscribe_bars(iid, self._timeframe)
                elif kind == "trades":
                    key = client.subscribe_trades(iid)
                else:
                    key = client.subscribe_book(iid)
                self._streams[iid].append(key)
        while True:
            await asyncio.sleep(_HEALTH_CHECK_S)
            for key, state in client.streams.items():
                if state.error is not None:
                    raise DataError(f"market data stream {key} stopped: {state.error}")

    def silence_s(self) -> float:
        """Seconds since the most silent instrument's last message (0 before the start)."""
        if self.client is None or not self._streams:
            return 0.0
        staleness = self.client.staleness()
        return max(min(staleness[key] for key in keys) for keys in self._streams.values())

    async def close(self) -> None:
        """Stop the streams (and close the exchange if the feed owns it)."""
        if self.client is not None:
            await self.client.close()
            self.client = None
        elif self._owns_exchange:
            await self._exchange.close()
