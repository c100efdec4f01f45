"""Feature sets: YAML specs, stable column names, batch frame == streaming rows, no lookahead."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from colin.core.errors import ConfigError, DataError
from colin.indicators.features.builtin import builtin_sets, load_feature_set
from colin.indicators.features.frame import aggregate_bars, compute_features
from colin.indicators.features.registry import REGISTRY
from colin.indicators.features.spec import FeatureSetSpec, FeatureSpec
from colin.indicators.features.stream import FeatureStream

from .helpers import HOUR_NS, to_bars


def test_column_names_are_stable_and_spell_out_defaults() -> None:
    assert FeatureSpec(indicator="rsi", params={"period": 14}).columns("1h") == ("rsi_14",)
    assert FeatureSpec(indicator="ema").columns("1h") == ("ema_20",)
    bands = FeatureSpec(indicator="bb", params={"period": 20, "width": 2}, outputs=("upper",))
    assert bands.columns("1h") == ("bb_upper_20_2",)
    assert FeatureSpec(indicator="macd").columns("1h") == (
        "macd_12_26_9",
        "macd_signal_12_26_9",
        "macd_histogram_12_26_9",
    )
    assert FeatureSpec(indicator="rsi", timeframe="4h").columns("1h") == ("rsi_14_4h",)
    assert FeatureSpec(indicator="vwap").columns("1h") == ("vwap_1d",)


def test_bundled_core_set_has_thirty_plus_columns() -> None:
    assert "core_1h" in builtin_sets()
    spec = load_feature_set("core_1h")
    assert len(spec.columns()) >= 30
    assert {"rsi_14", "bb_upper_20_2", "ema_20_4h", "session"} <= set(spec.columns())


def test_batch_frame_equals_streaming_rows_on_real_bars(bars: pd.DataFrame) -> None:
    spec = load_feature_set("core_1h")
    window = bars.iloc[:900].reset_index(drop=True)
    frame = compute_features(spec, window)
    assert list(frame.columns) == spec.columns()
    np.testing.assert_array_equal(frame.index.to_numpy(), window["ts_open"].to_numpy())
    stream = FeatureStream(spec)
    rows = np.array([list(stream.update(bar)) for bar in to_bars(window)])
    for i, column in enumerate(frame.columns):
        expected = frame[column].to_numpy()
        np.testing.assert_array_equal(np.isnan(rows[:, i]), np.isnan(expected), err_msg=column)
        mask = ~np.isnan(expected)
        np.testing.assert_allclose(
            rows[mask, i], expected[mask], rtol=1e-9, atol=1e-9, err_msg=column
        )
        assert mask[-100:].all(), f"{column} not ready after warm-up"
    assert stream.row()["rsi_14"] == frame["rsi_14"].iloc[-1]


def test_higher_timeframe_features_use_only_closed_bars(bars: pd.DataFrame) -> None:
    spec = FeatureSetSpec(
        name="mtf",
        timeframe="1h",
        features=(FeatureSpec(indicator="sma", params={"period": 2}, timeframe="4h"),),
    )
    window = bars.iloc[:40].reset_index(drop=True)
    frame = compute_features(spec, window)
    four_hour = aggregate_bars(window, 4 * HOUR_NS)
    closes = four_hour["close"].to_numpy()
    ts = window["ts_open"].to_numpy()
    first_4h_close = four_hour["ts_open"].iloc[1] + 4 * HOUR_NS  # the 2nd 4h bar completes SMA(2)
    for i, t in enumerate(ts):
        closed = four_hour[four_hour["ts_open"] + 4 * HOUR_NS <= t + HOUR_NS]
        if t + HOUR_NS < first_4h_close or len(closed) < 2:
            assert np.isnan(frame["sma_2_4h"].iloc[i])
        else:
            expected = (closed["close"].iloc[-1] + closed["close"].iloc[-2]) / 2
            assert frame["sma_2_4h"].iloc[i] == pytest.approx(expected, rel=1e-12)
    assert len(closes) == 10 + (window["ts_open"].iloc[0] % (4 * HOUR_NS) != 0)


def test_appending_future_bars_never_changes_earlier_rows(bars: pd.DataFrame) -> None:
    spec = load_feature_set("core_1h")
    full = compute_features(spec, bars.iloc[:700])
    for cut in (333, 500):
        prefix = compute_features(spec, bars.iloc[:cut])
        pd.testing.assert_frame_equal(prefix, full.iloc[:cut])


def test_gap_in_bars_hands_over_the_higher_timeframe_bar_like_batch(bars: pd.DataFrame) -> None:
    spec = FeatureSetSpec(
        name="gap",
        timeframe="1h",
        features=(FeatureSpec(indicator="ema", params={"period": 2}, timeframe="4h"),),
    )
    window = bars.iloc[:60].drop(index=[17, 18, 19, 35]).reset_index(drop=True)  # outages
    frame = compute_features(spec, window)
    stream = FeatureStream(spec)
    values = [stream.update(bar)[0] for bar in to_bars(window)]
    np.testing.assert_allclose(values, frame["ema_2_4h"].to_numpy(), rtol=1e-12, equal_nan=True)


def test_bad_specs_are_refused_with_clear_messages(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown indicator 'rsx'"):
        FeatureSpec(indicator="rsx")
    with pytest.raises(ConfigError, match=r"rsi: unknown parameter\(s\) \['length'\]"):
        FeatureSetSpec.from_mapping(
            {
                "name": "x",
                "timeframe": "1h",
                "features": [{"indicator": "rsi", "params": {"length": 3}}],
            }
        )
    with pytest.raises(ConfigError, match="period must be >= 2"):
        FeatureSetSpec.from_mapping(
            {
                "name": "x",
                "timeframe": "1h",
                "features": [{"indicator": "rsi", "params": {"period": 1}}],
            }
        )
    with pytest.raises(ConfigError, match="not a multiple of the base timeframe"):
        FeatureSetSpec.from_mapping(
            {"name": "x", "timeframe": "4h", "features": [{"indicator": "rsi", "timeframe": "6h"}]}
        )
    with pytest.raises(ConfigError, match="duplicate feature columns"):
        FeatureSetSpec.from_mapping(
            {
                "name": "x",
                "timeframe": "1h",
                "features": [{"indicator": "rsi"}, {"indicator": "rsi"}],
            }
        )
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed")
    with pytest.raises(ConfigError, match=r"broken\.yaml: cannot read feature set"):
        FeatureSetSpec.from_yaml(broken)
    with pytest.raises(ConfigError, match="not a bundled set"):
        load_feature_set("no_such_set")


def test_bad_bars_are_refused(bars: pd.DataFrame) -> None:
    spec = load_feature_set("core_1h")
    with pytest.raises(DataError, match=r"missing column\(s\) \['volume'\]"):
        compute_features(spec, bars.drop(columns="volume"))
    shuffled = bars.iloc[[0, 2, 1]]
    with pytest.raises(DataError, match="ts_open: time is not increasing at row 2"):
        compute_features(spec, shuffled)
    shifted = bars.iloc[:5].assign(ts_open=bars["ts_open"].iloc[:5] + 60_000_000_000)
    with pytest.raises(DataError, match="not aligned to 1h bars"):
        compute_features(spec, shifted)


_values = st.one_of(
    st.integers(-5, 300),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
)
_feature = st.fixed_dictionaries(
    {"indicator": st.one_of(st.sampled_from(sorted(REGISTRY)), st.text(max_size=6))},
    optional={
        "params": st.dictionaries(
            st.sampled_from(["period", "width", "fast", "slow", "estimator", "anchor", "bogus"]),
            _values,
            max_size=3,
        ),
        "outputs": st.lists(st.sampled_from(["value", "upper", "signal", "nope"]), max_size=2),
        "timeframe": st.sampled_from(["1h", "4h", "1d", "90m", "0h", "x"]),
    },
)


@settings(max_examples=150, deadline=None)
@given(
    document=st.one_of(
        st.fixed_dictionaries(
            {
                "name": st.text(max_size=5),
                "timeframe": st.sampled_from(["1h", "30m", "bad"]),
                "features": st.lists(_feature, max_size=4),
            }
        ),
        st.lists(st.integers()),
        st.text(),
        st.none(),
    )
)
def test_any_document_gives_a_spec_or_a_config_error(document: object) -> None:
    try:
        spec = FeatureSetSpec.from_mapping(document, source="fuzz")
    except ConfigError as exc:
        assert str(exc).startswith("fuzz")
        return
    columns = spec.columns()
    assert len(columns) == len(set(columns)) > 0
    assert all(FeatureSpec.model_validate(f.model_dump()) == f for f in spec.features)
