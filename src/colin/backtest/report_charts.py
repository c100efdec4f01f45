"""The plotly figures of the HTML backtest report.

Every time axis is UTC. Long series are thinned with
:func:`colin.backtest.downsample.downsample_indices` before they reach a figure, so figure size
depends on the chart width, not on the run length.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from colin.backtest.downsample import DEFAULT_MAX_POINTS, downsample_indices
from colin.backtest.trades import RoundTrip
from colin.model.enums import PositionSide

DEFAULT_MAX_TRIPS = 2_000
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 20, "t": 50, "b": 40},
    "hovermode": "x unified",
    "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
}


def _times(ts: np.ndarray) -> pd.DatetimeIndex:
    return pd.to_datetime(np.asarray(ts, dtype=np.int64), unit="ns", utc=True)


def price_figure(
    instrument_id: str,
    ts: np.ndarray,
    close: np.ndarray,
    trips: list[RoundTrip],
    max_points: int = DEFAULT_MAX_POINTS,
    max_trips: int = DEFAULT_MAX_TRIPS,
) -> go.Figure:
    """Plot the close price of one instrument with round-trip entries and exits.

    Long entries are green up-triangles, short entries red down-triangles, exits black crosses
    at the average exit price; hovering an exit shows the trip's net PnL. With more than
    ``max_trips`` trips only the ``max_trips`` with the largest absolute net PnL are marked, and
    the title says so.
    """
    title = f"{instrument_id}: price, entries and exits"
    if len(trips) > max_trips:
        title += f" (the {max_trips:,} largest of {len(trips):,} trades marked)"
        trips = sorted(trips, key=lambda trip: abs(trip.net_pnl), reverse=True)[:max_trips]
    keep = downsample_indices(close, max_points)
    size = 10 if len(trips) <= 200 else 6  # dense markers would hide the price
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(x=_times(ts[keep]), y=close[keep], name="close", mode="lines", line={"width": 1})
    )
    for side, symbol, color in (
        (PositionSide.LONG, "triangle-up", "#16a34a"),
        (PositionSide.SHORT, "triangle-down", "#dc2626"),
    ):
        entries = [trip for trip in trips if trip.side is side]
        if entries:
            figure.add_trace(
                go.Scatter(
                    x=_times(np.array([trip.entry_ts for trip in entries])),
                    y=[float(trip.avg_entry_price) for trip in entries],
                    name=f"{side.value.lower()} entry",
                    mode="markers",
                    marker={"symbol": symbol, "size": size, "color": color},
                    text=[f"{side.value} {trip.quantity}" for trip in entries],
                )
            )
    exits = [trip for trip in trips if trip.exit_ts is not None and trip.avg_exit_price]
    if exits:
        figure.add_trace(
            go.Scatter(
                x=_times(np.array([trip.exit_ts for trip in exits])),
                y=[float(trip.avg_exit_price or 0) for trip in exits],
                name="exit",
                mode="markers",
                marker={"symbol": "x", "size": size - 2, "color": "#111827"},
                text=[f"net PnL {trip.net_pnl:.2f}" for trip in exits],
            )
        )
    figure.update_layout(title=title, height=420, **_LAYOUT)
    return figure


def equity_figure(
    ts: np.ndarray, equity: np.ndarray, currency: str, max_points: int = DEFAULT_MAX_POINTS
) -> go.Figure:
    """Plot the equity curve."""
    keep = downsample_indices(equity, max_points)
    figure = go.Figure(go.Scatter(x=_times(ts[keep]), y=equity[keep], name="equity", mode="lines"))
    figure.update_layout(title=f"Equity ({currency})", height=360, **_LAYOUT)
    return figure


def drawdown_figure(
    ts: np.ndarray, equity: np.ndarray, starting_equity: float, max_points: int = DEFAULT_MAX_POINTS
) -> go.Figure:
    """Plot the underwater curve: the fall from the running peak, in percent (0 at new highs)."""
    peaks = np.maximum.accumulate(np.concatenate(([starting_equity], equity)))[1:]
    drawdown = (equity / peaks - 1.0) * 100.0
    keep = downsample_indices(drawdown, max_points)
    figure = go.Figure(
        go.Scatter(
            x=_times(ts[keep]),
            y=drawdown[keep],
            name="drawdown %",
            mode="lines",
            fill="tozeroy",
            line={"color": "#dc2626", "width": 1},
        )
    )
    figure.update_layout(title="Drawdown (%)", height=280, **_LAYOUT)
    figure.update_yaxes(ticksuffix="%")
    return figure


def monthly_returns(ts: np.ndarray, equity: np.ndarray, starting_equity: float) -> pd.DataFrame:
    """Return compounded monthly returns as a year × month (1..12) frame of fractions.

    A month's return is its last equity over the previous month's last equity (the starting
    equity for the first month), minus one; months outside the run are NaN.
    """
    month_end = pd.Series(equity, index=_times(ts)).resample("ME").last().ffill()
    previous = month_end.shift(1).fillna(starting_equity)
    returns = month_end / previous - 1.0
    months = pd.DatetimeIndex(returns.index)
    frame = pd.DataFrame({"year": months.year, "month": months.month, "value": returns.to_numpy()})
    table = frame.pivot(index="year", columns="month", values="value")
    return table.reindex(columns=range(1, 13))


def monthly_returns_figure(table: pd.DataFrame) -> go.Figure:
    """Plot :func:`monthly_returns` as a heatmap, red for losses and green for gains."""
    values = table.to_numpy(dtype=np.float64) * 100.0
    text = [["" if np.isnan(value) else f"{value:.1f}%" for value in row] for row in values]
    limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    figure = go.Figure(
        go.Heatmap(
            z=values,
            x=list(_MONTHS),
            y=[str(year) for year in table.index],
            text=text,
            texttemplate="%{text}",
            colorscale="RdYlGn",
            zmid=0.0,
            zmin=-limit,
            zmax=limit,
            colorbar={"ticksuffix": "%"},
            hovertemplate="%{y} %{x}: %{z:.2f}%<extra></extra>",
        )
    )
    layout = {**_LAYOUT, "hovermode": "closest"}
    figure.update_layout(
        title="Monthly returns", height=max(220, 60 + 45 * len(table.index)), **layout
    )
    figure.update_yaxes(type="category", autorange="reversed")
    return figure
