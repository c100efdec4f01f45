"""The Parquet market-data catalog: write, list and range-read bars, ticks, book, funding and
open interest."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from colin.core.errors import ConfigError, DataError, NotFoundError
from colin.core.ids import InstrumentId
from colin.core.time import timeframe_to_ns
from colin.data.quality import IssueKind, check_bars
from colin.model.instrument import Instrument
from colin.persistence.catalog.instruments import load_instruments, save_instruments
from colin.persistence.catalog.layout import (
    METADATA_INSTRUMENT,
    METADATA_KIND,
    METADATA_TIMEFRAME,
    NO_TIMEFRAME,
    DataKind,
    DatasetKey,
    part_files,
    period_labels,
)
from colin.persistence.catalog.reads import CatalogReads
from colin.persistence.catalog.schemas import EXTRA_BAR_COLUMNS, to_table

COMPRESSION = "zstd"
ROW_GROUP_SIZE = 256 * 1024
_ALLOWED_ON_WRITE = {IssueKind.GAP}


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    """Summary of one stored dataset."""

    kind: DataKind
    instrument_id: InstrumentId
    timeframe: str | None
    rows: int
    first_ts: int | None
    last_ts: int | None
    files: int
    size_bytes: int
    root: Path


class ParquetCatalog(CatalogReads):
    """Market data in Parquet files (zstd) under one root directory.

    See :mod:`colin.persistence.catalog.layout` for the directory layout. Time ranges are
    ``[start_ns, end_ns)`` on the dataset's time column (``ts_open`` for bars, ``ts_event`` for
    trades and funding, ``ts_init`` (receive time, the replay order) for quotes and book). Writes
    merge with what is stored: bars by ``ts_open`` (new rows win), tick data by replacing the
    stored rows inside the written time range.

    Parameters
    ----------
    root
        The catalog directory (created on first write).
    read_only
        Refuse writes (used for the bundled sample data).
    """

    def __init__(self, root: str | Path, read_only: bool = False) -> None:
        self.root = Path(root)
        self.read_only = read_only

    def __repr__(self) -> str:
        return f"ParquetCatalog({str(self.root)!r}{', read_only=True' if self.read_only else ''})"

    # -- instruments -----------------------------------------------------------------------------

    def instruments(self) -> list[Instrument]:
        """Return every stored instrument, sorted by id."""
        stored = load_instruments(self._instruments_path)
        return [stored[key] for key in sorted(stored)]

    def instrument(self, instrument_id: InstrumentId | str) -> Instrument:
        """Return one instrument.

        Raises
        ------
        NotFoundError
            Naming the id and the instruments that are available.
        """
        stored = load_instruments(self._instruments_path)
        try:
            return stored[InstrumentId(instrument_id)]
        except KeyError:
            raise NotFoundError(
                f"instrument {instrument_id} not in catalog {self.root}; available: "
                f"{sorted(stored) or 'none'}"
            ) from None

    def write_instruments(self, instruments: Iterable[Instrument]) -> None:
        """Add or replace instruments."""
        self._check_writable()
        stored = load_instruments(self._instruments_path)
        stored.update({instrument.id: instrument for instrument in instruments})
        save_instruments(self._instruments_path, stored)

    # -- writes ----------------------------------------------------------------------------------

    def write_bars(
        self, instrument_id: InstrumentId | str, timeframe: str, bars: pd.DataFrame
    ) -> int:
        """Store OHLCV bars (``ts_open, open, high, low, close, volume``; optional ``filled``).

        Returns
        -------
        int
            Rows written.

        Raises
        ------
        DataError
            If the bars fail a quality check other than gaps (repair them first with
            :func:`colin.data.quality.repair_bars`).
        """
        key = DatasetKey(DataKind.BARS, InstrumentId(instrument_id), timeframe)
        report = check_bars(bars, timeframe, key.describe())
        blocking = [issue for kind, issue in report.issues.items() if kind not in _ALLOWED_ON_WRITE]
        if blocking:
            raise DataError(
                f"refusing to store {key.describe()}: {blocking[0].count} {blocking[0].kind} "
                f"problem(s), first: {blocking[0].examples[0]}"
            )
        return self._write(key, bars)

    def write_trades(self, instrument_id: InstrumentId | str, trades: pd.DataFrame) -> int:
        """Store trades (``ts_event, price, size`` and optional ``ts_init, side, trade_id``)."""
        return self._write(DatasetKey(DataKind.TRADES, InstrumentId(instrument_id)), trades)

    def write_quotes(self, instrument_id: InstrumentId | str, quotes: pd.DataFrame) -> int:
        """Store top-of-book quotes (``ts_event, ts_init, bid/ask price and size``)."""
        return self._write(DatasetKey(DataKind.QUOTES, InstrumentId(instrument_id)), quotes)

    def write_book(self, instrument_id: InstrumentId | str, book: pd.DataFrame) -> int:
        """Store a book frame (see :func:`colin.persistence.catalog.book_events_to_frame`)."""
        return self._write(DatasetKey(DataKind.BOOK, InstrumentId(instrument_id)), book)

    def write_funding(self, instrument_id: InstrumentId | str, funding: pd.DataFrame) -> int:
        """Store funding rates (``ts_event, rate`` and optional ``mark_price``)."""
        return self._write(DatasetKey(DataKind.FUNDING, InstrumentId(instrument_id)), funding)

    def write_open_interest(
        self, instrument_id: InstrumentId | str, period: str, interest: pd.DataFrame
    ) -> int:
        """Store open interest sampled every ``period`` (``ts_event, open_interest`` and optional
        ``open_interest_value``: contracts or base units, and their quote value); each period is
        a dataset of its own, like a bar timeframe."""
        timeframe_to_ns(period)  # refuses a malformed period
        key = DatasetKey(DataKind.OPEN_INTEREST, InstrumentId(instrument_id), period)
        return self._write(key, interest)

    # -- reads -----------------------------------------------------------------------------------

    def has_dataset(self, key: DatasetKey) -> bool:
        """Whether the dataset has at least one stored file."""
        return bool(part_files(key.directory(self.root)))

    def list_datasets(self, kind: DataKind | str | None = None) -> list[DatasetInfo]:
        """Return a summary of every stored dataset (optionally of one kind), sorted."""
        kinds = [DataKind(kind)] if kind is not None else list(DataKind)
        infos = []
        for data_kind in kinds:
            base = self.root / data_kind.value
            if base.is_dir():
                for directory in sorted(base.glob("*/*/*")):
                    info = _summarise(data_kind, directory, self.root)
                    if info is not None:
                        infos.append(info)
        return sorted(infos, key=lambda i: (i.kind, i.instrument_id, i.timeframe or ""))

    # -- internals -------------------------------------------------------------------------------

    @property
    def _instruments_path(self) -> Path:
        return self.root / "instruments.json"

    def _check_writable(self) -> None:
        if self.read_only:
            raise ConfigError(f"catalog {self.root} is read-only")

    def read(
        self, key: DatasetKey, start_ns: int | None = None, end_ns: int | None = None
    ) -> pd.DataFrame:
        """Return the rows of one dataset with its time column in ``[start_ns, end_ns)``."""
        directory = key.directory(self.root)
        if not part_files(directory):
            raise NotFoundError(self._missing_message(key))
        files = part_files(directory, start_ns, end_ns)
        schema = _stored_schema(files or part_files(directory)[:1])
        if not files:
            empty: pd.DataFrame = schema.empty_table().to_pandas()
            return empty
        column = pc.field(key.kind.time_column)
        condition = None
        if start_ns is not None:
            condition = column >= start_ns
        if end_ns is not None:
            condition = column < end_ns if condition is None else condition & (column < end_ns)
        dataset = ds.dataset([str(path) for path in files], schema=schema, format="parquet")
        table = dataset.to_table(filter=condition)
        for name in EXTRA_BAR_COLUMNS:
            if name in table.schema.names:
                flags = pc.fill_null(table[name], False)
                table = table.set_column(table.schema.get_field_index(name), name, flags)
        frame: pd.DataFrame = table.to_pandas()
        return frame

    def _missing_message(self, key: DatasetKey) -> str:
        same_instrument = [
            info for info in self.list_datasets() if info.instrument_id == key.instrument_id
        ]
        available = [
            f"{info.kind.value} {info.timeframe or ''}".strip() for info in same_instrument
        ]
        if not available:
            others = sorted({str(info.instrument_id) for info in self.list_datasets(key.kind)})
            detail = f"{key.kind.value} exist for: {others or 'no instrument'}"
        else:
            detail = f"{key.instrument_id} has: {available}"
        return f"no {key.describe()} in catalog {self.root}; {detail}"

    def _write(self, key: DatasetKey, frame: pd.DataFrame) -> int:
        self._check_writable()
        table = to_table(key.kind, frame, key.describe())
        if table.num_rows == 0:
            return 0
        time_column = key.kind.time_column
        order = pc.sort_indices(table, [(time_column, "ascending")])  # stable
        table = table.take(order)
        ts = table[time_column].to_numpy()
        labels = period_labels(ts, key.kind.monthly)
        directory = key.directory(self.root)
        directory.mkdir(parents=True, exist_ok=True)
        boundaries = np.flatnonzero(labels[1:] != labels[:-1]) + 1
        starts = [0, *boundaries.tolist()]
        ends = [*boundaries.tolist(), len(labels)]
        for start, end in zip(starts, ends, strict=True):
            part = table.slice(start, end - start)
            path = directory / f"part-{labels[start]}.parquet"
            if path.exists():
                part = _merge(key.kind, pq.read_table(path), part)
            _write_file(path, part, key)
        return int(table.num_rows)


def _merge(kind: DataKind, stored: pa.Table, new: pa.Table) -> pa.Table:
    time_column = kind.time_column
    if stored.schema.names != new.schema.names:
        # Only the optional boolean flags (``filled``, ``partial``) can differ: absent means False.
        names = [*new.schema.names, *(n for n in stored.schema.names if n not in new.schema.names)]
        stored, new = _with_flags(stored, names), _with_flags(new, names)
    if kind is DataKind.BARS:
        keep = pc.invert(pc.is_in(stored[time_column], value_set=new[time_column]))
    else:
        low, high = pc.min(new[time_column]), pc.max(new[time_column])
        keep = pc.or_(pc.less(stored[time_column], low), pc.greater(stored[time_column], high))
    merged = pa.concat_tables([stored.filter(keep), new])
    return merged.take(pc.sort_indices(merged, [(time_column, "ascending")]))


def _with_flags(table: pa.Table, names: list[str]) -> pa.Table:
    for name in names:
        if name not in table.schema.names:
            table = table.append_column(name, pa.array([False] * table.num_rows, pa.bool_()))
    return table.select(names)


def _write_file(path: Path, table: pa.Table, key: DatasetKey) -> None:
    metadata = {
        METADATA_KIND: key.kind.value.encode(),
        METADATA_INSTRUMENT: str(key.instrument_id).encode(),
        METADATA_TIMEFRAME: (key.timeframe or NO_TIMEFRAME).encode(),
    }
    table = table.replace_schema_metadata(metadata)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, temporary, compression=COMPRESSION, row_group_size=ROW_GROUP_SIZE)
    temporary.replace(path)


def _stored_schema(files: list[Path]) -> pa.Schema:
    return pa.unify_schemas([pq.read_schema(path).remove_metadata() for path in files])


def _summarise(kind: DataKind, directory: Path, root: Path) -> DatasetInfo | None:
    files = part_files(directory)
    if not files:
        return None
    rows, size, first, last = 0, 0, None, None
    metadata = pq.read_metadata(files[0]).metadata or {}
    if METADATA_INSTRUMENT not in metadata:
        raise DataError(f"{files[0]}: not a Colin catalog file (no instrument id in its metadata)")
    for path in files:
        info = pq.read_metadata(path)
        rows += info.num_rows
        size += path.stat().st_size
        index = info.schema.names.index(kind.time_column)
        for group in range(info.num_row_groups):
            stats = info.row_group(group).column(index).statistics
            if stats is not None and stats.has_min_max:
                first = stats.min if first is None else min(first, stats.min)
                last = stats.max if last is None else max(last, stats.max)
    timeframe = metadata.get(METADATA_TIMEFRAME, NO_TIMEFRAME.encode()).decode()
    return DatasetInfo(
        kind=kind,
        instrument_id=InstrumentId(metadata[METADATA_INSTRUMENT].decode()),
        timeframe=None if timeframe == NO_TIMEFRAME else timeframe,
        rows=rows,
        first_ts=first,
        last_ts=last,
        files=len(files),
        size_bytes=size,
        root=root,
    )


def dataset_key(info: DatasetInfo) -> DatasetKey:
    """Return the key of a listed dataset."""
    return DatasetKey(info.kind, info.instrument_id, info.timeframe)
