"""Turn Colin's errors into clear one-paragraph messages and exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
import yaml
from rich.console import Console
from rich.markup import escape

from colin.core.errors import ColinError

err_console = Console(stderr=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Print a :class:`ColinError` in red (no traceback) and exit with status 2."""
    try:
        yield
    except ColinError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(code=2) from exc


def user_error(message: str) -> typer.Exit:
    """Print ``message`` in red (no traceback) and return the exit with status 2 to raise."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    return typer.Exit(code=2)


def parse_assignments(values: list[str], option: str) -> dict[str, Any]:
    """Parse ``key=value`` pairs (values read as YAML scalars) from a repeated option."""
    parsed: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint=option)
        parsed[key.strip()] = yaml.safe_load(raw)
    return parsed
