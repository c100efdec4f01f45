"""Catalogs stacked on top of each other, and the bundled sample data.

:func:`default_catalog` puts the user's catalog (``./colin-data/catalog``, or ``$COLIN_CATALOG``)
over the read-only sample data shipped inside the package, so that a fresh clone can backtest
without importing anything. Reads use the first layer that holds the dataset; writes go to the
top layer.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import TypeVar

import pandas as pd

from colin.core.errors import NotFoundError
from colin.core.ids import InstrumentId
from colin.model.instrument import Instrument
from colin.persistence.catalog.layout import DataKind, DatasetKey
from colin.persistence.catalog.parquet_catalog import DatasetInfo, ParquetCatalog, dataset_key
from colin.persistence.catalog.reads import CatalogReads

DEFAULT_USER_CATALOG = Path("colin-data") / "catalog"
CATALOG_ENV = "COLIN_CATALOG"

_T = TypeVar("_T")


def sample_catalog_path() -> Path:
    """Return the directory of the bundled sample catalog."""
    return Path(str(resources.files("colin.sample_data").joinpath("catalog")))


def sample_catalog() -> ParquetCatalog:
    """Return a read-only catalog over the sample data shipped with Colin.

    It holds real Binance spot candles (BTC/USDT and ETH/USDT, 2024, 5m and 1h; BTC/USDT 1m) and
    about four minutes of BTC/USDT trades, quotes and order book from a websocket capture; see
    ``colin/sample_data/ATTRIBUTION.md``.
    """
    return ParquetCatalog(sample_catalog_path(), read_only=True)


def default_catalog(path: str | Path | None = None) -> LayeredCatalog:
    """Return the user's catalog layered over the sample catalog.

    Parameters
    ----------
    path
        The user catalog; defaults to ``$COLIN_CATALOG`` or else ``./colin-data/catalog``.
    """
    chosen = (
        Path(path)
        if path is not None
        else Path(os.environ.get(CATALOG_ENV) or DEFAULT_USER_CATALOG)
    )
    return LayeredCatalog([ParquetCatalog(chosen), sample_catalog()])


class LayeredCatalog(CatalogReads):
    """Several catalogs read as one: the first layer holding a dataset serves it.

    Parameters
    ----------
    layers
        Catalogs, highest priority first; writes go to ``layers[0]``.
    """

    def __init__(self, layers: Sequence[ParquetCatalog]) -> None:
        if not layers:
            raise ValueError("LayeredCatalog needs at least one catalog")
        self.layers = list(layers)

    def __repr__(self) -> str:
        return f"LayeredCatalog({self.layers!r})"

    @property
    def root(self) -> Path:
        """The writable (top) layer's root."""
        return self.layers[0].root

    # -- reads -----------------------------------------------------------------------------------

    def read(
        self, key: DatasetKey, start_ns: int | None = None, end_ns: int | None = None
    ) -> pd.DataFrame:
        """Return the rows of one dataset from the first layer that has it."""
        return self._layer_for(key).read(key, start_ns, end_ns)

    def instruments(self) -> list[Instrument]:
        """Return the instruments of all layers (upper layers win), sorted by id."""
        merged: dict[InstrumentId, Instrument] = {}
        for layer in reversed(self.layers):
            merged.update({instrument.id: instrument for instrument in layer.instruments()})
        return [merged[key] for key in sorted(merged)]

    def instrument(self, instrument_id: InstrumentId | str) -> Instrument:
        """Return one instrument from the first layer that has it."""
        return self._first(
            lambda layer: layer.instrument(instrument_id), f"instrument {instrument_id}"
        )

    def list_datasets(self, kind: DataKind | str | None = None) -> list[DatasetInfo]:
        """Return every dataset visible through the layers (upper layers shadow lower ones)."""
        seen: dict[DatasetKey, DatasetInfo] = {}
        for layer in self.layers:
            for info in layer.list_datasets(kind):
                seen.setdefault(dataset_key(info), info)
        return sorted(seen.values(), key=lambda i: (i.kind, i.instrument_id, i.timeframe or ""))

    def has_dataset(self, key: DatasetKey) -> bool:
        """Whether any layer holds the dataset."""
        return any(layer.has_dataset(key) for layer in self.layers)

    # -- writes (top layer) ----------------------------------------------------------------------

    def write_bars(
        self, instrument_id: InstrumentId | str, timeframe: str, bars: pd.DataFrame
    ) -> int:
        """Store bars in the top layer."""
        return self.layers[0].write_bars(instrument_id, timeframe, bars)

    def write_trades(self, instrument_id: InstrumentId | str, trades: pd.DataFrame) -> int:
        """Store trades in the top layer."""
        return self.layers[0].write_trades(instrument_id, trades)

    def write_quotes(self, instrument_id: InstrumentId | str, quotes: pd.DataFrame) -> int:
        """Store quotes in the top layer."""
        return self.layers[0].write_quotes(instrument_id, quotes)

    def write_book(self, instrument_id: InstrumentId | str, book: pd.DataFrame) -> int:
        """Store a book frame in the top layer."""
        return self.layers[0].write_book(instrument_id, book)

    def write_funding(self, instrument_id: InstrumentId | str, funding: pd.DataFrame) -> int:
        """Store funding rates in the top layer."""
        return self.layers[0].write_funding(instrument_id, funding)

    def write_open_interest(
        self, instrument_id: InstrumentId | str, period: str, interest: pd.DataFrame
    ) -> int:
        """Store open interest sampled every ``period`` in the top layer."""
        return self.layers[0].write_open_interest(instrument_id, period, interest)

    def write_instruments(self, instruments: Iterable[Instrument]) -> None:
        """Store instruments in the top layer."""
        self.layers[0].write_instruments(instruments)

    # -- internals -------------------------------------------------------------------------------

    def _layer_for(self, key: DatasetKey) -> ParquetCatalog:
        for layer in self.layers:
            if layer.has_dataset(key):
                return layer
        available = [
            f"{info.kind.value} {info.instrument_id} {info.timeframe or ''}".strip()
            for info in self.list_datasets(key.kind)
        ]
        roots = ", ".join(str(layer.root) for layer in self.layers)
        raise NotFoundError(
            f"no {key.describe()} in catalogs {roots}; available {key.kind.value}: "
            f"{available or 'none'} (import data with 'colin data import')"
        )

    def _first(self, read: Callable[[ParquetCatalog], _T], what: str) -> _T:
        for layer in self.layers:
            try:
                return read(layer)
            except NotFoundError:
                continue
        raise NotFoundError(
            f"{what} not found in any catalog; available: "
            f"{[str(i.id) for i in self.instruments()] or 'none'}"
        )
