"""``colin features list`` and ``colin features compute`` against the bundled sample catalog."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from colin.cli.features import app
from colin.indicators.features.builtin import load_feature_set
from colin.indicators.features.frame import compute_features
from colin.persistence.catalog import sample_catalog

runner = CliRunner()


def test_list_shows_indicators_and_sets() -> None:
    result = runner.invoke(app, ["list"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "rsi" in result.output and "core_1h" in result.output
    one_set = runner.invoke(app, ["list", "--set", "core_1h"], env={"COLUMNS": "200"})
    assert one_set.exit_code == 0 and "bb_upper_20_2" in one_set.output


def test_compute_writes_the_feature_frame(tmp_path: Path) -> None:
    target = tmp_path / "out" / "btc.parquet"
    result = runner.invoke(
        app,
        [
            "compute",
            "--symbol",
            "BTC/USDT.BINANCE",
            "--set",
            "core_1h",
            "--start",
            "2024-03-01T00:00:00Z",
            "--end",
            "2024-04-01T00:00:00Z",
            "--catalog",
            str(tmp_path / "catalog"),
            "--output",
            str(target),
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "wrote 744 rows x 33 features" in result.output
    written = pq.read_table(target)
    assert b"colin.feature_set" in written.schema.metadata
    frame = written.to_pandas()
    bars = sample_catalog().read_bars(
        "BTC/USDT.BINANCE", "1h", 1709251200000000000, 1711929600000000000
    )
    expected = compute_features(load_feature_set("core_1h"), bars).reset_index()
    pd.testing.assert_frame_equal(frame, expected)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--symbol", "NOPE/USDT.BINANCE", "--set", "core_1h"], "no bars NOPE/USDT.BINANCE 1h"),
        (["--symbol", "BTC/USDT.BINANCE", "--set", "missing_set"], "not a bundled set"),
    ],
)
def test_compute_reports_clear_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(
        app, ["compute", *args, "--catalog", str(tmp_path)], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 2
    assert message in result.output.replace("\n", "")
