"""Decision engine configuration, fusion arithmetic, labels and regime classification."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from colin.core.errors import ConfigError
from colin.strategy.decision.config import SOURCE_NAMES, DecisionConfig, LabelCutoffs, RegimeConfig
from colin.strategy.decision.engine import fuse, label
from colin.strategy.decision.regime import classify
from colin.strategy.decision.sources import CorrelationSource, MonteCarloSource, TechnicalSource


def test_defaults_are_the_issue_weights() -> None:
    weights = DecisionConfig().weights.as_dict()
    assert weights["technical"] == 0.30
    assert weights["momentum"] == 0.25
    assert weights["correlation"] == 0.20
    assert weights["sentiment"] == 0.15
    assert weights["ml"] == 0.10
    assert weights["monte_carlo"] == 0.10
    assert set(weights) == set(SOURCE_NAMES)


@given(st.sampled_from(SOURCE_NAMES), st.floats(max_value=-1e-12, allow_nan=False))
def test_negative_weight_is_rejected(name: str, weight: float) -> None:
    with pytest.raises(ValidationError, match=rf"weights\.{name}"):
        DecisionConfig.model_validate({"weights": {name: weight}})


@pytest.mark.parametrize("weight", [math.nan, math.inf])
def test_non_finite_weight_is_rejected(weight: float) -> None:
    with pytest.raises(ValidationError, match="finite"):
        DecisionConfig.model_validate({"weights": {"technical": weight}})


def test_all_zero_weights_are_rejected() -> None:
    with pytest.raises(ValidationError, match="at least one source weight"):
        DecisionConfig.model_validate({"weights": dict.fromkeys(SOURCE_NAMES, 0.0)})


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"weights": {"astrology": 0.5}}, "astrology"),
        ({"regime_weights": {"trending": {"astrology": 0.5}}}, "unknown source 'astrology'"),
        ({"regime_weights": {"sideways": {"technical": 0.5}}}, "sideways"),
        ({"regime_weights": {"volatile": {"technical": -1.0}}}, "regime_weights.volatile"),
        ({"labels": {"moderate": 3.0, "strong": 2.0}}, "moderate"),
        ({"threshold": {"min_scale": 3.0, "max_scale": 2.0}}, "min_scale"),
        ({"threshold": {"vol_period": 50, "reference_period": 40}}, "reference_period"),
        ({"threshold": {"base": 0.0}}, "base"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_config_names_the_field(payload: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        DecisionConfig.model_validate(payload)


def test_regime_override_leaving_no_weight_is_rejected() -> None:
    zero = dict.fromkeys(SOURCE_NAMES, 0.0)
    with pytest.raises(ValidationError, match=r"regime_weights\.ranging: every source weight is 0"):
        DecisionConfig.model_validate({"regime_weights": {"ranging": zero}})


def test_config_is_frozen() -> None:
    config = DecisionConfig()
    with pytest.raises(ValidationError):
        config.labels = LabelCutoffs()  # type: ignore[misc]


def test_weights_for_applies_the_regime_override_only_in_that_regime() -> None:
    config = DecisionConfig.model_validate({"regime_weights": {"trending": {"technical": 0.9}}})
    assert config.weights_for("trending")["technical"] == 0.9
    assert config.weights_for("ranging")["technical"] == 0.30
    assert config.weights_for(None)["technical"] == 0.30


def test_fuse_is_the_renormalised_weighted_average() -> None:
    weights = {"technical": 0.30, "momentum": 0.25, "monte_carlo": 0.10, "ml": 0.10}
    fusion = fuse({"technical": 0.6, "momentum": -0.2, "monte_carlo": 0.5}, weights)
    assert fusion is not None
    # 0.30 + 0.25 + 0.10 = 0.65; ml (absent) takes no share.
    assert fusion.weights == pytest.approx(
        {"technical": 0.3 / 0.65, "momentum": 0.25 / 0.65, "monte_carlo": 0.1 / 0.65}
    )
    assert fusion.score == pytest.approx((0.18 - 0.05 + 0.05) / 0.65)
    # Technical and Monte Carlo agree with the positive score: 0.40 of 0.65.
    assert fusion.agreement == pytest.approx(0.40 / 0.65)


def test_fuse_without_weighted_sources_gives_nothing() -> None:
    assert fuse({}, {"technical": 1.0}) is None
    assert fuse({"ml": 0.5}, {"ml": 0.0}) is None


@given(
    st.dictionaries(
        st.sampled_from(SOURCE_NAMES),
        st.tuples(st.floats(-1, 1), st.floats(0.01, 10)),
        min_size=1,
    )
)
def test_fused_score_stays_within_the_source_range(entries: dict[str, tuple[float, float]]) -> None:
    fusion = fuse({k: v[0] for k, v in entries.items()}, {k: v[1] for k, v in entries.items()})
    assert fusion is not None
    values = [v[0] for v in entries.values()]
    assert min(values) - 1e-12 <= fusion.score <= max(values) + 1e-12
    assert math.isclose(sum(fusion.weights.values()), 1.0)
    assert 0.0 <= fusion.agreement <= 1.0


@pytest.mark.parametrize(
    ("magnitude", "expected"),
    [
        (0.05, "NEUTRAL"),
        (0.1, "WEAK"),
        (0.149, "WEAK"),
        (0.151, "MODERATE"),
        (0.249, "MODERATE"),
        (0.25, "STRONG"),
    ],
)
def test_labels_follow_the_cutoffs(magnitude: float, expected: str) -> None:
    assert label(magnitude, 0.1, LabelCutoffs(moderate=1.5, strong=2.5)) == expected


@pytest.mark.parametrize(
    ("adx", "hurst", "ratio", "expected"),
    [
        (40.0, 0.7, 1.6, "volatile"),
        (30.0, 0.3, 1.0, "trending"),
        (10.0, 0.6, 1.0, "trending"),
        (10.0, 0.4, 1.49, "ranging"),
        (10.0, math.nan, 1.0, "ranging"),
    ],
)
def test_regime_classification(adx: float, hurst: float, ratio: float, expected: str) -> None:
    assert classify(RegimeConfig(), adx, hurst, ratio) == expected


def test_bad_source_parameters_raise_config_errors() -> None:
    with pytest.raises(ConfigError, match="fast"):
        TechnicalSource(fast=50, slow=20)
    with pytest.raises(ConfigError, match="window"):
        CorrelationSource("BTC/USDT.BINANCE", window=5, lookback=6)
    with pytest.raises(ConfigError, match="paths"):
        MonteCarloSource(paths=0)
