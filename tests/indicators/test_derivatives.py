"""Derivatives features on real Bybit BTCUSDT funding and perp/spot prices (LEAN sample data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from colin.core.errors import DataError
from colin.core.ids import InstrumentId
from colin.indicators.derivatives import (
    Basis,
    FundingRateFeatures,
    OpenInterestChange,
    basis,
    funding_features,
    open_interest_change,
)
from colin.model.data import FundingRate

from .conftest import DATA


def test_funding_level_and_change_on_real_rates() -> None:
    frame = pd.read_csv(DATA / "bybit_btcusdt_funding.csv", header=None, names=["time", "rate"])
    batch = funding_features(frame["rate"])
    np.testing.assert_array_equal(batch.level, [-0.0002016, -0.00022398, -0.00038555])
    np.testing.assert_allclose(batch.change[1:], [-0.00002238, -0.00016157], rtol=1e-9)
    assert np.isnan(batch.change[0])
    assert batch.annualized[0] == pytest.approx(-0.0002016 * 1095)
    streaming = FundingRateFeatures()
    for i, rate in enumerate(frame["rate"]):
        streaming.handle_funding(FundingRate(InstrumentId("BTCUSDT-PERP.BYBIT"), rate, i))
        assert streaming.value == batch.level[i]
        assert streaming.annualized == batch.annualized[i]
        if i:
            assert streaming.change == pytest.approx(batch.change[i], rel=1e-12)


def test_basis_on_real_perp_and_spot_closes() -> None:
    frame = pd.read_csv(DATA / "bybit_btcusdt_basis_1m.csv")
    batch = basis(frame["perp_close"], frame["spot_close"])
    # 2022-12-13 00:00: perp 17199.0, spot 17205.0 -> -6 / 17205
    assert batch[0] == pytest.approx(-6.0 / 17205.0, rel=1e-12)
    assert -0.002 < np.median(batch) < 0.0  # the perp traded slightly below spot that day
    streaming = Basis()
    for i, (perp, spot) in enumerate(zip(frame["perp_close"], frame["spot_close"], strict=True)):
        streaming.update(perp, spot)
        assert streaming.value == batch[i]


def test_open_interest_change_and_missing_data() -> None:
    oi = np.array([100.0, 110.0, 0.0, 50.0, 55.0])
    change = open_interest_change(oi, 1)
    np.testing.assert_allclose(change, [np.nan, 0.1, -1.0, np.nan, 0.1], equal_nan=True)
    streaming = OpenInterestChange(1)
    values = []
    for value in oi:
        streaming.update(value)
        values.append(streaming.value)
    np.testing.assert_allclose(values, change, equal_nan=True)
    with pytest.raises(DataError, match="no open-interest data"):
        open_interest_change(None)
    with pytest.raises(DataError, match="perp_price: price must be positive"):
        basis([0.0], [1.0])
