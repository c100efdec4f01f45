"""The Parquet market-data catalog, its on-disk layout and the bundled sample data."""

from colin.persistence.catalog.events import (
    book_events_to_frame,
    iter_book_events,
    iter_quotes,
    iter_trades,
    quotes_to_frame,
    trades_to_frame,
)
from colin.persistence.catalog.layered import (
    CATALOG_ENV,
    LayeredCatalog,
    default_catalog,
    sample_catalog,
    sample_catalog_path,
)
from colin.persistence.catalog.layout import DataKind, DatasetKey
from colin.persistence.catalog.parquet_catalog import DatasetInfo, ParquetCatalog

__all__ = [
    "CATALOG_ENV",
    "DataKind",
    "DatasetInfo",
    "DatasetKey",
    "LayeredCatalog",
    "ParquetCatalog",
    "book_events_to_frame",
    "default_catalog",
    "iter_book_events",
    "iter_quotes",
    "iter_trades",
    "quotes_to_frame",
    "sample_catalog",
    "sample_catalog_path",
    "trades_to_frame",
]
