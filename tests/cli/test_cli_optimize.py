"""``colin optimize`` on the bundled sample: results table, study storage and best config."""

from __future__ import annotations

from pathlib import Path

import optuna
import typer
import yaml
from typer.testing import CliRunner

from colin.cli.optimize import optimize
from colin.node.config import load_config

runner = CliRunner()
app = typer.Typer()
app.command("optimize")(optimize)
app.command("noop")(lambda: None)  # two commands, so "optimize" is addressed by name


def test_walk_forward_optimisation_prints_windows_and_writes_the_best_config(
    workdir: Path,
) -> None:
    result = runner.invoke(
        app,
        [
            "optimize",
            "--start",
            "2024-02-01",
            "--end",
            "2024-03-12",
            "--space",
            "fast=3:12",
            "--space",
            "slow=15:40",
            "--objective",
            "sortino",
            "--trials",
            "3",
            "--train",
            "20d",
            "--test",
            "10d",
            "--study-name",
            "cli",
            "--seed",
            "1",
            "--out",
            "best.yaml",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "study cli: sortino" in result.output
    assert "2024-02-21..2024-03-02" in result.output  # window 0's test span
    assert "out of sample" in result.output
    assert "Sharpe ratio" in result.output
    written = yaml.safe_load((workdir / "best.yaml").read_text())
    assert written["backtest"]["strategy"] == "sma_cross"
    assert set(written["backtest"]["parameters"]) == {"fast", "slow"}
    assert (
        load_config(workdir / "best.yaml", environ={}).backtest.parameters
        == (written["backtest"]["parameters"])
    )
    # the study sits beside the SQL store, one study per window
    storage = f"sqlite:///{workdir / 'colin-optuna.db'}"
    names = {s.study_name for s in optuna.get_all_study_summaries(storage)}
    assert names == {"cli.w0", "cli.w1"}


def test_in_sample_run_says_so(workdir: Path) -> None:
    result = runner.invoke(
        app,
        [
            "optimize",
            "--start",
            "2024-02-01",
            "--end",
            "2024-02-15",
            "--space",
            "fast=3:6",
            "--space",
            "slow=8:12",
            "--trials",
            "2",
            "--study-name",
            "in",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "in sample" in result.output
    assert (workdir / "runs" / "in.yaml").exists()


def test_bad_options_give_clear_errors(workdir: Path) -> None:
    result = runner.invoke(app, ["optimize", "--space", "fast=1:5", "--trials", "1"])
    assert result.exit_code == 2
    assert "within the bounds of 'fast'" in result.output
    result = runner.invoke(app, ["optimize", "--objective", "profit", "--space", "fast=3:5"])
    assert result.exit_code == 2
    assert "unknown objective 'profit'" in result.output
    result = runner.invoke(
        app, ["optimize", "--space", "fast=3:5", "--train", "30d", "--test", "soon"]
    )
    assert result.exit_code == 2
    assert "--test 'soon'" in result.output


def test_no_feasible_trial_exits_with_status_1(workdir: Path) -> None:
    result = runner.invoke(
        app,
        [
            "optimize",
            "--start",
            "2024-02-01",
            "--end",
            "2024-02-15",
            "--space",
            "fast=20:30",
            "--space",
            "slow=5:19",
            "--trials",
            "2",
        ],
    )
    assert result.exit_code == 1
    assert "no feasible trial" in result.output
