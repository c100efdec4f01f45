"""Parameter optimisation with Optuna on the event-driven engine, optionally walk-forward.

Every trial is a full :func:`~colin.node.backtest.run_backtest` of the configured strategy with
the trial's parameters. With ``train``/``test`` spans the catalog range is split into rolling
windows (:mod:`colin.backtest.optimize.walk_forward`): each window's study sees only its
training bars, and its best parameters are then run once on the test bars that follow. The test
runs are stitched into one out-of-sample equity curve, which is what the report's headline
metrics describe. Without spans the study runs on the whole range and its result is in sample.

Studies live in Optuna's RDB storage (:mod:`colin.backtest.optimize.study`); ``workers > 1``
starts that many processes that share each window's study through the storage.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import optuna

from colin.backtest.metrics import compute_metrics
from colin.backtest.optimize.objectives import ObjectiveSpec
from colin.backtest.optimize.space import SearchSpace, search_space
from colin.backtest.optimize.study import (
    Evaluation,
    Evaluator,
    InvalidParameters,
    SamplerName,
    best_trial,
    load_study,
    open_storage,
    trial_objective,
)
from colin.backtest.optimize.walk_forward import (
    Window,
    parse_span,
    stitch_equity,
    walk_forward_windows,
)
from colin.backtest.result import BacktestResult
from colin.core.errors import ConfigError, NotFoundError
from colin.core.time import ns_to_iso, timeframe_to_ns
from colin.node.backtest import Catalog, build_strategy, run_backtest
from colin.node.config import BacktestRunConfig
from colin.node.optimize_report import OptimizationReport, WindowOutcome
from colin.persistence.catalog import default_catalog
from colin.strategy.registry import strategy_class

OUT_OF_SAMPLE_KEYS = (
    "total_return",
    "cagr",
    "volatility",
    "sharpe",
    "sortino",
    "calmar",
    "max_drawdown",
)
"""Metrics of the stitched out-of-sample curve (trade counts are summed over the windows)."""

Progress = Callable[[str, int, int], None]
"""``progress(label, trials_done, trials_total)`` after every finished trial."""


@dataclass(frozen=True, slots=True)
class OptimizeRequest:
    """What to optimise and how.

    Attributes
    ----------
    base
        The backtest to optimise; its ``parameters`` hold the fixed (not searched) values.
    space
        ``--space`` specs (empty: every numeric parameter bounded on both sides).
    objectives
        Comma-separated objective names.
    max_drawdown
        Drawdown constraint as a fraction, or ``None``.
    sampler
        ``"tpe"`` or ``"nsga2"``; by default TPE for one objective and NSGA-II for several.
    trials
        Trials per study (per window in walk-forward mode).
    train, test, step
        Walk-forward spans (durations such as ``"90d"`` or bar counts); no ``train`` means one
        in-sample study on the whole range.
    storage
        Optuna storage URL.
    study_name
        Study name; window ``k`` uses ``<study_name>.w<k>``.
    workers
        Processes sharing each study.
    seed
        Sampler seed (worker ``i`` uses ``seed + i``).
    catalog_path
        The catalog root the worker processes open (as :func:`default_catalog` does).
    """

    base: BacktestRunConfig
    storage: str
    study_name: str
    space: tuple[str, ...] = ()
    objectives: str = "sharpe"
    max_drawdown: float | None = None
    sampler: SamplerName | None = None
    trials: int = 50
    train: str | None = None
    test: str | None = None
    step: str | None = None
    workers: int = 1
    seed: int | None = None
    catalog_path: Path | None = None

    @property
    def spec(self) -> ObjectiveSpec:
        """The parsed objectives and constraint."""
        return ObjectiveSpec.parse(self.objectives, self.max_drawdown)

    @property
    def sampler_name(self) -> SamplerName:
        """The sampler to use."""
        if self.sampler is not None:
            return self.sampler
        return "tpe" if len(self.spec.names) == 1 else "nsga2"

    def search_space(self) -> SearchSpace:
        """The strategy's search space."""
        return search_space(strategy_class(self.base.strategy).Params, self.space)


def run_optimization(
    request: OptimizeRequest, catalog: Catalog, progress: Progress | None = None
) -> OptimizationReport:
    """Run the request's studies (and test runs) and collect the report.

    Raises
    ------
    ConfigError
        If the space, objectives, spans or storage are invalid.
    NotFoundError
        If the catalog has no bars for the range.
    """
    if request.trials < 1 or request.workers < 1:
        raise ConfigError("--trials and --workers must be at least 1")
    request.spec  # noqa: B018 - validate the objectives before any work
    request.search_space()
    storage = open_storage(request.storage)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    start, end = _data_range(request.base, catalog)
    if request.train is None:
        outcome = _run_study(request, catalog, storage, request.study_name, start, end, progress)
        return OptimizationReport(request, [outcome], None, outcome.best_params)
    if request.test is None:
        raise ConfigError("walk-forward needs --test as well as --train")
    tf = request.base.timeframe
    test = parse_span(request.test, tf, "--test")
    step = test if request.step is None else parse_span(request.step, tf, "--step")
    if step < test:
        raise ConfigError(
            f"--step {request.step} is shorter than --test {request.test}: the test windows "
            "would overlap and could not be stitched into one out-of-sample curve"
        )
    windows = walk_forward_windows(start, end, parse_span(request.train, tf, "--train"), test, step)
    outcomes = []
    segments: list[tuple[np.ndarray, np.ndarray, float]] = []
    trades = 0
    for window in windows:
        name = f"{request.study_name}.w{window.index}"
        outcome = _run_study(
            request, catalog, storage, name, window.train_start, window.train_end, progress, window
        )
        if outcome.best_params is not None:
            result = _backtest(
                request.base, catalog, outcome.best_params, window.test_start, window.test_end
            )
            outcome.test_metrics = result.metrics
            segments.append((result.equity_ts, result.equity, result.starting_equity))
            trades += int(result.metrics["trade_count"])
        outcomes.append(outcome)
    latest = next((o.best_params for o in reversed(outcomes) if o.best_params is not None), None)
    return OptimizationReport(
        request, outcomes, _out_of_sample(request.base, segments, trades), latest
    )


def _data_range(base: BacktestRunConfig, catalog: Catalog) -> tuple[int, int]:
    bars = catalog.read_bars(base.instruments[0], base.timeframe, base.start_ns, base.end_ns)
    if bars.empty:
        raise NotFoundError(
            f"no {base.timeframe} bars for {base.instruments[0]} between "
            f"{base.start or 'the start'} and {base.end or 'the end'}"
        )
    ts = bars["ts_open"].to_numpy()
    return int(ts[0]), int(ts[-1]) + timeframe_to_ns(base.timeframe)


def _backtest(
    base: BacktestRunConfig, catalog: Catalog, params: dict[str, Any], start: int, end: int
) -> BacktestResult:
    config = base.model_copy(
        update={
            "parameters": {**base.parameters, **params},
            "start": ns_to_iso(start),
            "end": ns_to_iso(end),
        }
    )
    try:
        build_strategy(config)
    except ConfigError as exc:
        raise InvalidParameters(str(exc)) from None
    return run_backtest(config, catalog)


def window_evaluator(base: BacktestRunConfig, catalog: Catalog, start: int, end: int) -> Evaluator:
    """Return the evaluator that backtests parameters on bars opening in ``[start, end)``."""

    def evaluate(params: dict[str, Any]) -> Evaluation:
        result = _backtest(base, catalog, params, start, end)
        return Evaluation(result.metrics, int(result.equity_ts[0]), int(result.equity_ts[-1]))

    return evaluate


def _run_study(
    request: OptimizeRequest,
    catalog: Catalog,
    storage: optuna.storages.RDBStorage,
    name: str,
    start: int,
    end: int,
    progress: Progress | None,
    window: Window | None = None,
) -> WindowOutcome:
    spec, space = request.spec, request.search_space()
    study = load_study(storage, name, spec, request.sampler_name, request.seed)
    label = f"window {window.index}" if window is not None else "in-sample"
    if request.workers == 1:
        callbacks = []
        if progress is not None:
            before = len(study.get_trials(deepcopy=False))

            def report(study: optuna.Study, _trial: optuna.trial.FrozenTrial) -> None:
                progress(label, len(study.get_trials(deepcopy=False)) - before, request.trials)

            callbacks.append(report)
        study.optimize(
            trial_objective(space, spec, window_evaluator(request.base, catalog, start, end)),
            n_trials=request.trials,
            callbacks=callbacks,
        )
    else:
        _run_workers(request, study, name, start, end, label, progress)
    trials = study.get_trials(deepcopy=False)
    best = best_trial(study)
    return WindowOutcome(
        window=window,
        study_name=name,
        best_params=None if best is None else dict(best.params),
        train_metrics={} if best is None else dict(best.user_attrs["metrics"]),
        completed=sum(t.state is optuna.trial.TrialState.COMPLETE for t in trials),
        pruned=sum(t.state is optuna.trial.TrialState.PRUNED for t in trials),
    )


def _run_workers(
    request: OptimizeRequest,
    study: optuna.Study,
    name: str,
    start: int,
    end: int,
    label: str,
    progress: Progress | None,
) -> None:
    shares = [request.trials // request.workers] * request.workers
    for i in range(request.trials % request.workers):
        shares[i] += 1
    before = len(study.get_trials(deepcopy=False))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=request.workers, mp_context=context) as pool:
        futures = [
            pool.submit(_worker, request, name, start, end, i, share)
            for i, share in enumerate(shares)
            if share
        ]
        while not all(f.done() for f in futures):
            if progress is not None:
                done = len(study.get_trials(deepcopy=False)) - before
                progress(label, done, request.trials)
            time.sleep(0.2)
        for future in futures:
            future.result()
    if progress is not None:
        progress(label, len(study.get_trials(deepcopy=False)) - before, request.trials)


def _worker(
    request: OptimizeRequest, name: str, start: int, end: int, index: int, trials: int
) -> None:
    """Run ``trials`` trials of study ``name`` in a worker process."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    catalog = default_catalog(request.catalog_path)
    seed = None if request.seed is None else request.seed + index
    study = load_study(
        open_storage(request.storage), name, request.spec, request.sampler_name, seed
    )
    evaluate = window_evaluator(request.base, catalog, start, end)
    study.optimize(trial_objective(request.search_space(), request.spec, evaluate), n_trials=trials)


def _out_of_sample(
    base: BacktestRunConfig,
    segments: list[tuple[np.ndarray, np.ndarray, float]],
    trades: int,
) -> dict[str, float] | None:
    if not segments:
        return None
    starting = float(segments[0][2])
    ts, equity = stitch_equity(segments, starting)
    if len(ts) < 2:
        return None
    curve = BacktestResult(
        run_id="out-of-sample",
        config={},
        base_currency=base.base_currency,
        starting_equity=starting,
        equity_ts=ts,
        equity=equity,
        fills=[],
        orders=[],
    )
    metrics = compute_metrics(curve)
    stitched = {key: metrics[key] for key in OUT_OF_SAMPLE_KEYS}
    stitched["trade_count"] = trades
    stitched["windows"] = len(segments)
    return stitched
