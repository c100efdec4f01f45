"""The typed range reads every catalog offers, written once over a generic ``read(key, ...)``."""

from __future__ import annotations

from abc import ABC, abstractmethod

import pandas as pd

from colin.core.ids import InstrumentId
from colin.persistence.catalog.events import INSTRUMENT_ATTR
from colin.persistence.catalog.layout import DataKind, DatasetKey


class CatalogReads(ABC):
    """Bars, trades, quotes, book, funding and open-interest reads in ``[start_ns, end_ns)``.

    Bars filter on ``ts_open``; trades, funding and open interest on ``ts_event``; quotes and book
    on ``ts_init``. A missing dataset raises :class:`~colin.core.errors.NotFoundError` naming what
    the catalog does have.
    """

    @abstractmethod
    def read(
        self, key: DatasetKey, start_ns: int | None = None, end_ns: int | None = None
    ) -> pd.DataFrame:
        """Return the rows of one dataset in the time range."""

    def read_bars(
        self,
        instrument_id: InstrumentId | str,
        timeframe: str,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> pd.DataFrame:
        """Return bars (``ts_open, open, high, low, close, volume``), sorted and unique."""
        key = DatasetKey(DataKind.BARS, InstrumentId(instrument_id), timeframe)
        return self.read(key, start_ns, end_ns)

    def read_trades(
        self,
        instrument_id: InstrumentId | str,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> pd.DataFrame:
        """Return trades (``ts_event, ts_init, price, size, side, trade_id``)."""
        return self.read(DatasetKey(DataKind.TRADES, InstrumentId(instrument_id)), start_ns, end_ns)

    def read_quotes(
        self,
        instrument_id: InstrumentId | str,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> pd.DataFrame:
        """Return quotes (``ts_event, ts_init, bid_price, ask_price, bid_size, ask_size``)."""
        return self.read(DatasetKey(DataKind.QUOTES, InstrumentId(instrument_id)), start_ns, end_ns)

    def read_book(
        self,
        instrument_id: InstrumentId | str,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> pd.DataFrame:
        """Return the book frame.

        Turn it into objects with :func:`colin.persistence.catalog.iter_book_events`; the frame's
        ``attrs["instrument_id"]`` is set for that.
        """
        key = DatasetKey(DataKind.BOOK, InstrumentId(instrument_id))
        frame = self.read(key, start_ns, end_ns)
        frame.attrs[INSTRUMENT_ATTR] = str(key.instrument_id)
        return frame

    def read_funding(
        self,
        instrument_id: InstrumentId | str,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> pd.DataFrame:
        """Return funding rates (``ts_event, rate`` and ``mark_price``)."""
        key = DatasetKey(DataKind.FUNDING, InstrumentId(instrument_id))
        return self.read(key, start_ns, end_ns)

    def read_open_interest(
        self,
        instrument_id: InstrumentId | str,
        period: str,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> pd.DataFrame:
        """Return open interest sampled every ``period`` (``ts_event, open_interest,
        open_interest_value``)."""
        key = DatasetKey(DataKind.OPEN_INTEREST, InstrumentId(instrument_id), period)
        return self.read(key, start_ns, end_ns)
