"""Data-quality checks and repairs for OHLCV bars.

:func:`check_bars` finds every problem in a bars frame and returns a :class:`QualityReport`;
:func:`repair_bars` applies a :class:`RepairPolicy`:

``raise``
    Any problem raises :class:`DataError` naming the source, the first offending row, the column
    and the reason. The default wherever data enters Colin.
``drop``
    Rows with NaN, non-positive prices, negative volume, inconsistent OHLC or a misaligned open
    time are dropped; duplicates keep the last row; rows are sorted. Gaps are left as they are.
    Every repair is logged and listed in the report.
``fill``
    As ``drop``, then every missing bar is inserted as a zero-volume bar at the previous close,
    flagged in a boolean ``filled`` column.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd

from colin.core.errors import DataError
from colin.core.time import ns_to_iso
from colin.data.frames import (
    BAR_COLUMNS,
    PRICE_COLUMNS,
    bucket_start,
    require_columns,
    timeframe_ns,
)

logger = logging.getLogger(__name__)

MAX_EXAMPLES = 5


class RepairPolicy(StrEnum):
    """What to do with bad bars."""

    RAISE = "raise"
    DROP = "drop"
    FILL = "fill"


class IssueKind(StrEnum):
    """The kinds of problem :func:`check_bars` looks for."""

    NAN = "nan"
    NON_POSITIVE_PRICE = "non_positive_price"
    NEGATIVE_VOLUME = "negative_volume"
    OHLC_INCONSISTENT = "ohlc_inconsistent"
    MISALIGNED = "misaligned"
    DUPLICATE = "duplicate"
    NON_MONOTONIC = "non_monotonic"
    GAP = "gap"


_ROW_ISSUES = (
    IssueKind.NAN,
    IssueKind.NON_POSITIVE_PRICE,
    IssueKind.NEGATIVE_VOLUME,
    IssueKind.OHLC_INCONSISTENT,
    IssueKind.MISALIGNED,
)


@dataclass(frozen=True, slots=True)
class Issue:
    """One kind of problem: how many rows (or missing bars, for gaps) and the first examples."""

    kind: IssueKind
    count: int
    examples: tuple[str, ...]


@dataclass(slots=True)
class QualityReport:
    """The result of checking (and possibly repairing) one bars frame."""

    source: str
    timeframe: str
    rows: int
    first_ts: int | None
    last_ts: int | None
    issues: dict[IssueKind, Issue] = field(default_factory=dict)
    repairs: list[str] = field(default_factory=list)
    rows_out: int | None = None

    @property
    def ok(self) -> bool:
        """Whether no problem was found."""
        return not self.issues

    def count(self, kind: IssueKind) -> int:
        """Return how many problems of ``kind`` were found (0 if none)."""
        issue = self.issues.get(kind)
        return 0 if issue is None else issue.count

    def describe(self) -> str:
        """Return a multi-line, human-readable summary."""
        lines = [f"{self.source} [{self.timeframe}]: {self.rows} rows"]
        if self.ok:
            lines.append("  no problems found")
        for issue in self.issues.values():
            lines.append(f"  {issue.kind}: {issue.count}")
            lines.extend(f"    {example}" for example in issue.examples)
        lines.extend(f"  repaired: {repair}" for repair in self.repairs)
        return "\n".join(lines)


def check_bars(bars: pd.DataFrame, timeframe: str, source: str = "bars") -> QualityReport:
    """Check a bars frame for NaN, bad prices, negative volume, OHLC errors, misaligned times,
    duplicates, out-of-order rows and gaps.

    Parameters
    ----------
    bars
        Columns ``ts_open, open, high, low, close, volume`` (extra columns are ignored).
    timeframe
        The bars' timeframe, e.g. ``"1h"``; gaps and alignment are judged against it.
    source
        A name for messages (a file path or dataset id).

    Raises
    ------
    DataError
        If a column is missing or ``ts_open`` is not integer.
    """
    require_columns(bars, BAR_COLUMNS, source)
    step = timeframe_ns(timeframe)
    if not pd.api.types.is_integer_dtype(bars["ts_open"].dtype):
        raise DataError(
            f"{source}: column ts_open must be int64 nanoseconds, got {bars['ts_open'].dtype}"
        )
    ts = bars["ts_open"].to_numpy(np.int64)
    report = QualityReport(
        source=source,
        timeframe=timeframe,
        rows=len(bars),
        first_ts=int(ts.min()) if len(ts) else None,
        last_ts=int(ts.max()) if len(ts) else None,
    )
    masks = _row_masks(bars, ts, step)
    for kind in _ROW_ISSUES:
        _add(report, kind, masks[kind], bars, ts)
    backwards = np.zeros(len(ts), dtype=bool)
    backwards[1:] = ts[1:] < ts[:-1]
    _add(report, IssueKind.NON_MONOTONIC, backwards, bars, ts)
    _add(report, IssueKind.DUPLICATE, pd.Series(ts).duplicated(keep=False).to_numpy(), bars, ts)
    _add_gaps(report, np.unique(ts[~masks[IssueKind.MISALIGNED]]), step)
    return report


def repair_bars(
    bars: pd.DataFrame,
    timeframe: str,
    policy: RepairPolicy | str = RepairPolicy.RAISE,
    source: str = "bars",
) -> tuple[pd.DataFrame, QualityReport]:
    """Check ``bars`` and apply ``policy`` (see the module docstring).

    Returns
    -------
    (DataFrame, QualityReport)
        Clean bars (sorted, unique ``ts_open``, default index) and the report, whose ``repairs``
        list says what was changed.

    Raises
    ------
    DataError
        Under ``raise``, on the first problem; under any policy, on missing columns.
    """
    policy = RepairPolicy(policy)
    report = check_bars(bars, timeframe, source)
    if report.ok:
        report.rows_out = len(bars)
        return _sorted(bars), report
    if policy is RepairPolicy.RAISE:
        issue = next(iter(report.issues.values()))
        raise DataError(
            f"{source}: {issue.count} {issue.kind} problem(s) in {timeframe} bars, first: "
            f"{issue.examples[0]} (choose a repair policy 'drop' or 'fill' to repair)"
        )
    step = timeframe_ns(timeframe)
    ts = bars["ts_open"].to_numpy(np.int64)
    masks = _row_masks(bars, ts, step)
    bad = np.zeros(len(bars), dtype=bool)
    for kind in _ROW_ISSUES:
        if masks[kind].any():
            bad |= masks[kind]
            _log_repair(report, f"dropped {int(masks[kind].sum())} row(s) with {kind}")
    clean = bars.loc[~bad]
    if report.count(IssueKind.NON_MONOTONIC):
        _log_repair(report, "sorted out-of-order rows by ts_open")
    clean = clean.sort_values("ts_open", kind="stable")
    duplicated = clean["ts_open"].duplicated(keep="last")
    if duplicated.any():
        _log_repair(report, f"dropped {int(duplicated.sum())} duplicate row(s), kept the last")
        clean = clean.loc[~duplicated]
    clean = clean.reset_index(drop=True)
    if policy is RepairPolicy.FILL:
        clean = _fill_gaps(clean, step, report)
    elif report.count(IssueKind.GAP):
        _log_repair(report, f"left {report.count(IssueKind.GAP)} missing bar(s) unfilled")
    report.rows_out = len(clean)
    return clean, report


# -- helpers -------------------------------------------------------------------------------------


def _row_masks(bars: pd.DataFrame, ts: np.ndarray, step: int) -> dict[IssueKind, np.ndarray]:
    values = {name: bars[name].to_numpy(np.float64) for name in BAR_COLUMNS[1:]}
    o, h, low, c, v = (values[name] for name in ("open", "high", "low", "close", "volume"))
    nan = np.zeros(len(bars), dtype=bool)
    for column in values.values():
        nan |= ~np.isfinite(column)
    with np.errstate(invalid="ignore"):
        non_positive = np.zeros(len(bars), dtype=bool)
        for name in PRICE_COLUMNS:
            non_positive |= values[name] <= 0
        inconsistent = (h < np.maximum.reduce([o, c, low])) | (low > np.minimum.reduce([o, c, h]))
        negative = v < 0
    return {
        IssueKind.NAN: nan,
        IssueKind.NON_POSITIVE_PRICE: non_positive & ~nan,
        IssueKind.NEGATIVE_VOLUME: negative & ~nan,
        IssueKind.OHLC_INCONSISTENT: inconsistent & ~nan,
        IssueKind.MISALIGNED: bucket_start(ts, step) != ts,
    }


def _describe_row(kind: IssueKind, bars: pd.DataFrame, position: int, ts: int) -> str:
    row = bars.iloc[position]
    if kind is IssueKind.NAN:
        names = [n for n in BAR_COLUMNS[1:] if not np.isfinite(float(row[n]))]
        detail = f"NaN/inf in column(s) {', '.join(names)}"
    elif kind is IssueKind.NON_POSITIVE_PRICE:
        names = [n for n in PRICE_COLUMNS if float(row[n]) <= 0]
        detail = f"price <= 0 in column(s) {', '.join(names)}"
    elif kind is IssueKind.NEGATIVE_VOLUME:
        detail = f"column volume is negative ({row['volume']})"
    elif kind is IssueKind.OHLC_INCONSISTENT:
        detail = (
            f"columns high/low inconsistent with open/close (o={row['open']} h={row['high']} "
            f"l={row['low']} c={row['close']})"
        )
    elif kind is IssueKind.MISALIGNED:
        detail = "column ts_open is not on a bar boundary of the timeframe"
    elif kind is IssueKind.DUPLICATE:
        detail = "column ts_open repeats an earlier row's"
    else:
        detail = "column ts_open is earlier than the previous row's"
    return f"row {position} (ts_open={ns_to_iso(ts)}): {detail}"


def _add(
    report: QualityReport, kind: IssueKind, mask: np.ndarray, bars: pd.DataFrame, ts: np.ndarray
) -> None:
    positions = np.flatnonzero(mask)
    if len(positions):
        examples = tuple(
            _describe_row(kind, bars, int(p), int(ts[p])) for p in positions[:MAX_EXAMPLES]
        )
        report.issues[kind] = Issue(kind, len(positions), examples)


def _add_gaps(report: QualityReport, unique_ts: np.ndarray, step: int) -> None:
    if len(unique_ts) < 2:
        return
    missing = np.diff(unique_ts) // step - 1
    where = np.flatnonzero(missing > 0)
    if len(where):
        examples = tuple(
            f"{int(missing[i])} bar(s) missing after {ns_to_iso(int(unique_ts[i]))}"
            for i in where[:MAX_EXAMPLES]
        )
        report.issues[IssueKind.GAP] = Issue(IssueKind.GAP, int(missing[where].sum()), examples)


def _log_repair(report: QualityReport, message: str) -> None:
    logger.warning("%s: %s", report.source, message)
    report.repairs.append(message)


def _sorted(bars: pd.DataFrame) -> pd.DataFrame:
    return bars.sort_values("ts_open", kind="stable").reset_index(drop=True)


def _fill_gaps(bars: pd.DataFrame, step: int, report: QualityReport) -> pd.DataFrame:
    filled = bars.assign(filled=False)
    if len(bars) < 2:
        return filled
    ts = bars["ts_open"].to_numpy(np.int64)
    full = np.arange(ts[0], ts[-1] + step, step, dtype=np.int64)
    if len(full) == len(ts):
        return filled
    out = filled.set_index("ts_open").reindex(full)
    out.index.name = "ts_open"
    inserted = out["open"].isna().to_numpy()
    close = out["close"].ffill()
    for name in PRICE_COLUMNS:
        out[name] = out[name].fillna(close)
    out["volume"] = out["volume"].fillna(0.0)
    out["filled"] = inserted
    _log_repair(report, f"filled {int(inserted.sum())} missing bar(s) with zero-volume bars")
    return out.reset_index()
