"""What the ``colin data`` commands share: the catalog option, time options and progress display."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from colin.core.time import parse_time

console = Console()

CatalogOption = Annotated[
    Path | None,
    typer.Option(
        "--catalog", help="Catalog directory (default: $COLIN_CATALOG or ./colin-data/catalog)"
    ),
]


def progress_display() -> Progress:
    """A transient progress display (spinner, bar, count, elapsed time) on :data:`console`."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def option_time(value: str | None, option: str) -> int | None:
    """Parse an ISO date/time option into UTC nanoseconds (``None`` stays ``None``).

    Raises
    ------
    typer.BadParameter
        If ``value`` is not a date/time; the message names ``option``.
    """
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from exc
