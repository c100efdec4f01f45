"""The node's event loop: uvloop when installed, asyncio's own on request, a clear refusal."""

from __future__ import annotations

import asyncio
import sys

import pytest

from colin.core.errors import ConfigError
from colin.node.event_loop import loop_factory, run_on_loop
from colin.node.live_config import TradingNodeConfig


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_auto_runs_on_uvloop_when_it_is_installed() -> None:
    pytest.importorskip("uvloop")
    assert run_on_loop(_loop_module, "auto").startswith("uvloop")
    assert run_on_loop(_loop_module, "uvloop").startswith("uvloop")


def test_asyncio_runs_on_the_standard_loop() -> None:
    assert loop_factory("asyncio") is None
    assert run_on_loop(_loop_module, "asyncio").startswith("asyncio")


def test_without_uvloop_auto_falls_back_and_uvloop_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop now raises ImportError
    assert loop_factory("auto") is None
    assert run_on_loop(_loop_module, "auto").startswith("asyncio")
    with pytest.raises(ConfigError, match="needs the uvloop package"):
        run_on_loop(_loop_module, "uvloop")


def test_the_node_config_defaults_to_auto_and_refuses_other_names() -> None:
    assert TradingNodeConfig.model_validate({}).event_loop == "auto"
    with pytest.raises(ValueError, match="event_loop"):
        TradingNodeConfig.model_validate({"event_loop": "trio"})
