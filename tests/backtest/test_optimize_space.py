"""Search spaces from strategy parameter models, and the objectives read from metrics."""

from __future__ import annotations

import math

import optuna
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import Field

from colin.backtest.optimize.objectives import ObjectiveSpec
from colin.backtest.optimize.space import Dimension, search_space
from colin.core.errors import ConfigError
from colin.strategy.builtin.sma_cross import SmaCrossParams
from colin.strategy.params import StrategyParams


class BoundedParams(StrategyParams):
    period: int = Field(14, ge=2, lt=100)
    weight: float = Field(0.5, gt=0, le=1)
    threshold: float = Field(1.0, ge=0)
    label: str = "x"


def test_default_space_holds_the_fields_bounded_on_both_sides() -> None:
    space = search_space(BoundedParams)
    assert space.names == ("period", "weight")
    period, weight = space.dimensions
    assert (period.kind, period.low, period.high) == ("int", 2, 99)
    assert weight.kind == "float"
    assert 0 < weight.low < 1e-300
    assert weight.high == 1


def test_specs_set_ranges_choices_and_log_scale() -> None:
    space = search_space(SmaCrossParams, ["fast=5:30", "buffer_bps=1:100:log", "timeframe=1h,4h"])
    fast, buffer, timeframe = space.dimensions
    assert fast == Dimension("fast", "int", 5, 30)
    assert buffer == Dimension("buffer_bps", "float", 1, 100, log=True)
    assert timeframe == Dimension("timeframe", "categorical", choices=("1h", "4h"))
    assert [d.describe() for d in space.dimensions] == [
        "fast=5:30",
        "buffer_bps=1.0:100.0:log",
        "timeframe=1h,4h",
    ]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nope=1:2", "has no parameter 'nope'"),
        ("fast", "no bound on both sides"),
        ("fast=1:30", r"within the bounds of 'fast' \[2, inf\]"),
        ("fast=5.5:30", "is an integer"),
        ("fast=30:5", "LOW < HIGH"),
        ("fast=a:b", "must be numbers"),
        ("fast=1:2:3", "LOW:HIGH:log"),
        ("buffer_bps=0:10:log", "log scale needs LOW > 0"),
        ("instrument_id=2:3", "not numeric"),
        ("timeframe=1h,1h", "distinct"),
    ],
)
def test_bad_specs_name_the_spec_and_the_reason(spec: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        search_space(SmaCrossParams, [spec])


def test_a_parameter_given_twice_is_an_error() -> None:
    with pytest.raises(ConfigError, match="given twice"):
        search_space(SmaCrossParams, ["fast=2:5", "fast=3:6"])


def test_a_model_without_bounded_fields_needs_specs() -> None:
    class Loose(StrategyParams):
        size: float = 1.0

    with pytest.raises(ConfigError, match="--space NAME=LOW:HIGH"):
        search_space(Loose)


@given(low=st.integers(3, 500), width=st.integers(1, 500))
def test_integer_ranges_parse_and_suggest_within_bounds(low: int, width: int) -> None:
    (dimension,) = search_space(SmaCrossParams, [f"slow={low}:{low + width}"]).dimensions
    assert (dimension.low, dimension.high) == (low, low + width)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study()
    value = dimension.suggest(study.ask())
    assert isinstance(value, int)
    assert low <= value <= low + width


@given(text=st.text(max_size=20))
def test_arbitrary_spec_text_is_accepted_or_refused_with_a_config_error(text: str) -> None:
    try:
        space = search_space(SmaCrossParams, [f"fast={text}"])
    except ConfigError:
        return
    (dimension,) = space.dimensions
    assert dimension.name == "fast"


def test_objectives_read_metrics_and_score_undefined_values_lowest() -> None:
    spec = ObjectiveSpec.parse("sharpe, return", max_drawdown=0.2)
    assert spec.metric_keys == ("sharpe", "total_return")
    assert len(spec.directions) == 2
    assert spec.values({"sharpe": 1.5, "total_return": 0.1}) == (1.5, 0.1)
    assert spec.values({"sharpe": math.nan, "total_return": 0.1}) == (-math.inf, 0.1)
    assert spec.violation({"max_drawdown": 0.25}) == pytest.approx(0.05)
    assert spec.violation({"max_drawdown": 0.1}) < 0
    assert ObjectiveSpec.parse("calmar").violation({"max_drawdown": 0.9}) == 0.0


@pytest.mark.parametrize(
    ("text", "max_drawdown", "message"),
    [
        ("profit", None, "unknown objective 'profit'"),
        ("", None, "at least one objective"),
        ("sharpe,sharpe", None, "twice"),
        ("sharpe", 1.5, "between 0 and 1"),
    ],
)
def test_bad_objectives_are_refused(text: str, max_drawdown: float | None, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ObjectiveSpec.parse(text, max_drawdown)
