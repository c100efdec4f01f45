"""Scorer configuration: weights sum to 1, ordered thresholds, YAML loading with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from colin.core.errors import ConfigError
from colin.strategy.scorer import ConfidenceThresholds, FactorWeights, ScorerConfig

NAMES = ("liquidity", "structure", "killzone", "order_flow", "volume_oi")


def test_defaults_are_the_issue_values() -> None:
    config = ScorerConfig()
    assert config.weights.as_dict() == {
        "liquidity": 0.25,
        "structure": 0.25,
        "killzone": 0.15,
        "order_flow": 0.20,
        "volume_oi": 0.15,
    }
    assert (config.thresholds.high, config.thresholds.medium, config.thresholds.low) == (80, 60, 40)
    assert config.stop_buffer == 0.002
    assert config.reward_risk == 2.0
    assert config.max_position_percent == 2.0


@given(st.lists(st.floats(0.0, 1.0), min_size=5, max_size=5).filter(lambda w: sum(w) > 0.01))
def test_normalised_weights_are_accepted(raw: list[float]) -> None:
    total = sum(raw)
    weights = FactorWeights(**{n: w / total for n, w in zip(NAMES, raw, strict=True)})
    assert sum(weights.as_dict().values()) == pytest.approx(1.0)


@given(
    st.lists(st.floats(0.0, 1.0), min_size=5, max_size=5).filter(lambda w: abs(sum(w) - 1) > 1e-6)
)
def test_weights_not_summing_to_one_are_refused(raw: list[float]) -> None:
    with pytest.raises(ValidationError, match="factor weights must sum to 1"):
        FactorWeights(**dict(zip(NAMES, raw, strict=True)))


@given(st.floats(0.0, 100.0))
def test_levels_follow_the_thresholds(confidence: float) -> None:
    level = ConfidenceThresholds().level(confidence)
    expected = (
        "HIGH"
        if confidence >= 80
        else "MEDIUM"
        if confidence >= 60
        else "LOW"
        if confidence >= 40
        else "NEUTRAL"
    )
    assert level == expected


def test_level_boundaries() -> None:
    levels = ConfidenceThresholds()
    assert [levels.level(c) for c in (100, 80, 79.99, 60, 59.99, 40, 39.99, 0)] == [
        "HIGH",
        "HIGH",
        "MEDIUM",
        "MEDIUM",
        "LOW",
        "LOW",
        "NEUTRAL",
        "NEUTRAL",
    ]


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(ValidationError, match="low < medium < high"):
        ConfidenceThresholds(high=50, medium=60, low=40)


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="stop_bufer"):
        ScorerConfig(stop_bufer=0.01)  # type: ignore[call-arg]


def test_yaml_loading(tmp_path: Path) -> None:
    path = tmp_path / "scorer.yaml"
    path.write_text("stop_buffer: 0.005\nthresholds: {high: 90}\n")
    config = ScorerConfig.from_yaml(path)
    assert config.stop_buffer == 0.005
    assert config.thresholds.high == 90 and config.thresholds.medium == 60


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- 1\n- 2\n", "scorer config must be a mapping, got list"),
        ("reward_risk: -1\n", "reward_risk: Input should be greater than 0"),
        ("weights: {killzone: 2}\n", "weights.killzone: Input should be less than or equal to 1"),
        ("a: [\n", "cannot read scorer config"),
    ],
)
def test_bad_yaml_names_the_file_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"bad\.yaml") as caught:
        ScorerConfig.from_yaml(path)
    assert message in str(caught.value)
