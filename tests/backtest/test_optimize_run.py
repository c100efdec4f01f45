"""Optuna studies over real backtests: walk-forward isolation, pruning, constraints, storage."""

from __future__ import annotations

from pathlib import Path

import optuna
import pandas as pd
import pytest
import yaml
from sqlalchemy import create_engine, inspect

from colin.backtest.optimize.study import best_trial, open_storage, study_storage_url
from colin.core.errors import ConfigError
from colin.core.ids import InstrumentId
from colin.node.backtest import run_backtest
from colin.node.config import BacktestRunConfig, load_config
from colin.node.optimize import OptimizeRequest, run_optimization
from colin.persistence.catalog import ParquetCatalog, sample_catalog_path
from colin.persistence.sql import create_store

SPACE = ("fast=3:12", "slow=10:40")


class RecordingCatalog(ParquetCatalog):
    """The sample catalog, recording the bar open times of every bar read."""

    def __init__(self) -> None:
        super().__init__(sample_catalog_path(), read_only=True)
        self.reads: list[tuple[int, int]] = []

    def read_bars(
        self,
        instrument_id: InstrumentId | str,
        timeframe: str,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> pd.DataFrame:
        frame = super().read_bars(instrument_id, timeframe, start_ns, end_ns)
        if not frame.empty:
            self.reads.append((int(frame["ts_open"].min()), int(frame["ts_open"].max())))
        return frame


def request(tmp_path: Path, **changes: object) -> OptimizeRequest:
    values: dict[str, object] = {
        "base": BacktestRunConfig(start="2024-02-01", end="2024-03-22"),
        "storage": f"sqlite:///{tmp_path / 'studies.db'}",
        "study_name": "t",
        "space": SPACE,
        "trials": 4,
        "seed": 3,
    }
    values.update(changes)
    return OptimizeRequest(**values)  # type: ignore[arg-type]


def test_walk_forward_never_trains_on_data_from_its_test_window(tmp_path: Path) -> None:
    catalog = RecordingCatalog()
    req = request(tmp_path, train="20d", test="10d")
    report = run_optimization(req, catalog)

    assert len(report.windows) == 3
    reads = catalog.reads[1:]  # the first read only finds the catalog range
    storage = open_storage(req.storage)
    for outcome in report.windows:
        window = outcome.window
        assert window is not None
        train_reads, reads = reads[: outcome.completed], reads[outcome.completed :]
        (test_read,), reads = reads[:1], reads[1:]
        assert outcome.completed >= 1
        for first, last in train_reads:
            assert window.train_start <= first <= last < window.test_start
        assert window.test_start <= test_read[0] <= test_read[1] < window.test_end
        # the study itself recorded the data each trial saw (bar close times)
        study = optuna.load_study(study_name=outcome.study_name, storage=storage)
        for trial in study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)):
            assert window.train_start < trial.user_attrs["first_ts"]
            assert trial.user_attrs["last_ts"] <= window.test_start
        assert outcome.test_metrics is not None
        assert outcome.best_params is not None
    assert reads == []
    assert report.out_of_sample is not None
    assert report.out_of_sample["windows"] == 3
    assert report.out_of_sample["trade_count"] == sum(
        o.test_metrics["trade_count"] for o in report.windows if o.test_metrics
    )
    assert report.best_params == report.windows[-1].best_params


def test_combinations_the_strategy_rejects_are_pruned(tmp_path: Path) -> None:
    report = run_optimization(
        request(tmp_path, space=("fast=30:40", "slow=10:29"), trials=3), RecordingCatalog()
    )
    (outcome,) = report.windows
    assert (outcome.completed, outcome.pruned, outcome.best_params) == (0, 3, None)
    with pytest.raises(ConfigError, match="no feasible trial"):
        report.best_config()


def test_trials_over_the_drawdown_limit_are_never_best(tmp_path: Path) -> None:
    req = request(tmp_path, max_drawdown=0.0001, trials=3)
    report = run_optimization(req, RecordingCatalog())
    (outcome,) = report.windows
    assert outcome.completed == 3
    assert outcome.best_params is None
    study = optuna.load_study(study_name="t", storage=open_storage(req.storage))
    for trial in study.trials:
        assert trial.user_attrs["metrics"]["max_drawdown"] > 0.0001
        assert trial.constraints["max_drawdown"] > 0


def test_several_objectives_use_nsga2_and_pick_a_pareto_optimal_trial(tmp_path: Path) -> None:
    req = request(tmp_path, objectives="sharpe,return", trials=6)
    assert req.sampler_name == "nsga2"
    report = run_optimization(req, RecordingCatalog())
    study = optuna.load_study(study_name="t", storage=open_storage(req.storage))
    best = best_trial(study)
    assert best is not None
    assert report.best_params == best.params
    for other in study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)):
        dominates = all(a >= b for a, b in zip(other.values, best.values, strict=True)) and any(
            a > b for a, b in zip(other.values, best.values, strict=True)
        )
        assert not dominates


def test_best_config_round_trips_through_colin_backtest_config(tmp_path: Path) -> None:
    report = run_optimization(request(tmp_path, trials=3), RecordingCatalog())
    path = tmp_path / "best.yaml"
    path.write_text(yaml.safe_dump(report.best_config()))
    config = load_config(path, environ={})
    assert config.backtest.parameters == report.best_params
    result = run_backtest(config.backtest, RecordingCatalog())
    assert result.config["parameters"]["fast"] == report.best_params["fast"]  # type: ignore[index]
    assert result.metrics["sharpe"] == pytest.approx(
        report.windows[0].train_metrics["sharpe"], rel=1e-9
    )


@pytest.mark.slow  # starts two Python processes
def test_two_worker_processes_share_one_stored_study(tmp_path: Path) -> None:
    req = request(
        tmp_path,
        base=BacktestRunConfig(start="2024-02-01", end="2024-02-08"),
        workers=2,
        trials=4,
        catalog_path=tmp_path / "catalog",
    )
    seen: list[int] = []
    report = run_optimization(req, RecordingCatalog(), progress=lambda _l, d, _t: seen.append(d))
    (outcome,) = report.windows
    assert outcome.completed + outcome.pruned == 4
    assert seen[-1] == 4
    study = optuna.load_study(study_name="t", storage=open_storage(req.storage))
    assert len(study.trials) == 4


def test_the_study_storage_lives_beside_the_run_store_without_clashing(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'colin.db'}"
    storage_url = study_storage_url(database)
    assert storage_url == f"sqlite:///{tmp_path / 'colin-optuna.db'}"
    create_store(database)
    open_storage(storage_url)
    create_store(database)  # the run store still migrates
    tables = inspect(create_engine(storage_url)).get_table_names()
    assert "trials" in tables
    assert "runs" not in tables
    with pytest.raises(ConfigError, match="in-memory"):
        study_storage_url("sqlite://")


@pytest.mark.postgres
def test_postgres_storage_keeps_optuna_tables_in_their_own_schema(
    postgres_server_url: str, tmp_path: Path
) -> None:
    req = request(tmp_path, storage=postgres_server_url, study_name=f"pg-{tmp_path.name}", trials=2)
    report = run_optimization(req, RecordingCatalog())
    assert report.windows[0].completed + report.windows[0].pruned == 2
    engine = create_engine(postgres_server_url)
    try:
        assert "trials" in inspect(engine).get_table_names(schema="optuna")
    finally:
        engine.dispose()
    optuna.delete_study(study_name=req.study_name, storage=open_storage(req.storage))


def test_overlapping_test_windows_are_refused_before_any_trial(tmp_path: Path) -> None:
    catalog = RecordingCatalog()
    with pytest.raises(ConfigError, match="--step 5d is shorter than --test 10d"):
        run_optimization(request(tmp_path, train="20d", test="10d", step="5d"), catalog)
    assert len(catalog.reads) <= 1  # only the range lookup, no backtest
