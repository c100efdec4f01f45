"""Fixtures of the simulated-venue tests."""

from __future__ import annotations

from decimal import Decimal

import pytest

from .harness import MINUTE, Harness, spot_instrument


@pytest.fixture
def spot() -> Harness:
    """A spot venue with 10,000 USDT and 1 BTC, its clock at one minute."""
    return Harness(
        [spot_instrument()],
        {"USDT": Decimal(10_000), "BTC": Decimal(1)},
        start_ns=MINUTE,
    )
