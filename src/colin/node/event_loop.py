"""The event loop a trading node runs on: uvloop where it is installed, else asyncio's own.

uvloop (libuv under asyncio's API; ccxt installs it on CPython outside Windows) runs the same
coroutines with less Python in each loop iteration, socket read and callback, which shortens the
path from a market message to the order it causes (docs/performance.md, "Live trading"). The
``event_loop`` setting of the node config picks it: ``auto`` (uvloop when importable),
``uvloop`` (refuse to start without it) or ``asyncio``.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Coroutine
from typing import Any, Literal, TypeVar

from colin.core.errors import ConfigError

EventLoopKind = Literal["auto", "uvloop", "asyncio"]
"""The ``event_loop`` setting of a trading node."""

T = TypeVar("T")


def loop_factory(kind: EventLoopKind) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """Return the factory of the event loop ``kind`` names (``None``: asyncio's default).

    Raises
    ------
    ConfigError
        If ``kind`` is ``"uvloop"`` and uvloop is not installed.
    """
    if kind == "asyncio":
        return None
    try:
        uvloop = importlib.import_module("uvloop")
    except ImportError:
        if kind == "uvloop":
            raise ConfigError(
                "event_loop 'uvloop' needs the uvloop package (pip install uvloop; it is not "
                "available on Windows); use 'auto' or 'asyncio'"
            ) from None
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def run_on_loop(main: Callable[[], Coroutine[Any, Any, T]], kind: EventLoopKind) -> T:
    """Run the coroutine ``main()`` to completion on a new event loop of ``kind`` and close it.

    The coroutine is created only once the loop is chosen, so a refused ``kind`` leaves none
    behind un-awaited.
    """
    with asyncio.Runner(loop_factory=loop_factory(kind)) as runner:
        return runner.run(main())
