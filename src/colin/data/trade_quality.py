"""Data-quality checks and repairs for trades (the tick-data sibling of :mod:`.quality`).

Problems: NaN/inf price or size, non-positive price, negative size, ``ts_event`` going backwards
and a repeated non-empty ``trade_id``. The :class:`RepairPolicy` works as for bars: ``raise``
names the first offending row, ``drop`` (and ``fill``, which has nothing to fill for trades)
drops bad rows and duplicates, sorts stably by ``ts_event`` and logs every repair.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from colin.core.errors import DataError
from colin.core.time import ns_to_iso
from colin.data.frames import require_columns
from colin.data.quality import MAX_EXAMPLES, Issue, IssueKind, QualityReport, RepairPolicy

logger = logging.getLogger(__name__)


def check_trades(trades: pd.DataFrame, source: str = "trades") -> QualityReport:
    """Check a trades frame (``ts_event, price, size`` and optional ``trade_id``)."""
    require_columns(trades, ("ts_event", "price", "size"), source)
    ts = trades["ts_event"].to_numpy(np.int64)
    report = QualityReport(
        source=source,
        timeframe="tick",
        rows=len(trades),
        first_ts=int(ts.min()) if len(ts) else None,
        last_ts=int(ts.max()) if len(ts) else None,
    )
    for kind, mask in _masks(trades, ts).items():
        positions = np.flatnonzero(mask)
        if len(positions):
            examples = tuple(
                f"row {int(p)} (ts_event={ns_to_iso(int(ts[p]))}): {kind}; price="
                f"{trades['price'].iloc[p]} size={trades['size'].iloc[p]}"
                for p in positions[:MAX_EXAMPLES]
            )
            report.issues[kind] = Issue(kind, len(positions), examples)
    return report


def repair_trades(
    trades: pd.DataFrame, policy: RepairPolicy | str = RepairPolicy.RAISE, source: str = "trades"
) -> tuple[pd.DataFrame, QualityReport]:
    """Check ``trades`` and apply ``policy``; return clean trades sorted by ``ts_event``.

    Raises
    ------
    DataError
        Under ``raise``, naming the first problem.
    """
    policy = RepairPolicy(policy)
    report = check_trades(trades, source)
    if not report.ok and policy is RepairPolicy.RAISE:
        issue = next(iter(report.issues.values()))
        raise DataError(
            f"{source}: {issue.count} {issue.kind} problem(s) in trades, first: "
            f"{issue.examples[0]} (choose the repair policy 'drop' to repair)"
        )
    ts = trades["ts_event"].to_numpy(np.int64)
    masks = _masks(trades, ts)
    bad = np.zeros(len(trades), dtype=bool)
    for kind in (IssueKind.NAN, IssueKind.NON_POSITIVE_PRICE, IssueKind.NEGATIVE_VOLUME):
        bad |= masks[kind]
    bad |= _duplicate_ids(trades, keep="first")
    clean = trades.loc[~bad]
    if bad.any():
        _log(report, f"dropped {int(bad.sum())} bad or duplicate trade row(s)")
    if masks[IssueKind.NON_MONOTONIC].any():
        _log(report, "sorted out-of-order trades by ts_event")
    clean = clean.sort_values("ts_event", kind="stable").reset_index(drop=True)
    report.rows_out = len(clean)
    return clean, report


def _masks(trades: pd.DataFrame, ts: np.ndarray) -> dict[IssueKind, np.ndarray]:
    price = trades["price"].to_numpy(np.float64)
    size = trades["size"].to_numpy(np.float64)
    nan = ~np.isfinite(price) | ~np.isfinite(size)
    backwards = np.zeros(len(ts), dtype=bool)
    backwards[1:] = ts[1:] < ts[:-1]
    with np.errstate(invalid="ignore"):
        return {
            IssueKind.NAN: nan,
            IssueKind.NON_POSITIVE_PRICE: (price <= 0) & ~nan,
            IssueKind.NEGATIVE_VOLUME: (size < 0) & ~nan,
            IssueKind.NON_MONOTONIC: backwards,
            IssueKind.DUPLICATE: _duplicate_ids(trades, keep=False),
        }


def _duplicate_ids(trades: pd.DataFrame, keep: str | bool) -> np.ndarray:
    if "trade_id" not in trades.columns:
        return np.zeros(len(trades), dtype=bool)
    ids = trades["trade_id"].astype(str)
    return (ids.duplicated(keep=keep) & (ids != "")).to_numpy()  # type: ignore[arg-type]


def _log(report: QualityReport, message: str) -> None:
    logger.warning("%s: %s", report.source, message)
    report.repairs.append(message)
