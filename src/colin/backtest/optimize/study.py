"""Optuna studies in the SQL database: storage, samplers, the trial objective and the best trial.

Optuna keeps its own tables and its own Alembic version table, which would collide with Colin's
run store in the same schema. :func:`study_storage_url` therefore maps Colin's SQLite file
``colin.db`` to ``colin-optuna.db`` beside it, and :func:`open_storage` puts Optuna's tables in
the ``optuna`` schema of a PostgreSQL database (unless the URL sets its own ``options``, such as a
``search_path``, which are then used as given). Several processes opening the same storage share
one study: that is how ``--workers`` runs in parallel.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import optuna
import sqlalchemy as sa
from optuna.samplers import BaseSampler, NSGAIISampler, TPESampler
from optuna.trial import FrozenTrial, TrialState
from sqlalchemy.engine import make_url

from colin.backtest.optimize.objectives import ObjectiveSpec
from colin.backtest.optimize.space import SearchSpace
from colin.core.errors import ConfigError

SamplerName = Literal["tpe", "nsga2"]
POSTGRES_SCHEMA = "optuna"
CONSTRAINT_NAME = "max_drawdown"
METRICS_ATTR = "metrics"


class InvalidParameters(ConfigError):
    """The strategy rejects a parameter combination (the trial is pruned, not failed)."""


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What one backtest told the optimiser.

    Attributes
    ----------
    metrics
        The run's metrics (:func:`colin.backtest.metrics.compute_metrics`).
    first_ts, last_ts
        Close time (UTC ns) of the first and last bar the run replayed: the data it saw.
    """

    metrics: Mapping[str, float]
    first_ts: int
    last_ts: int


Evaluator = Callable[[dict[str, Any]], Evaluation]


def study_storage_url(database_url: str) -> str:
    """Return the study storage URL that goes with Colin's database URL.

    A SQLite file ``name.db`` maps to ``name-optuna.db`` in the same folder; any other URL is
    returned as is (:func:`open_storage` keeps PostgreSQL tables apart by schema).

    Raises
    ------
    ConfigError
        If the URL is an in-memory SQLite database (worker processes could not share it).
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return database_url
    if not url.database or url.database == ":memory:":
        raise ConfigError("an in-memory SQLite database cannot hold a shared study: give --storage")
    path = Path(url.database)
    return url.set(
        database=str(path.with_name(f"{path.stem}-optuna{path.suffix}"))
    ).render_as_string(hide_password=False)


def open_storage(url: str) -> optuna.storages.RDBStorage:
    """Open (and create if needed) Optuna's RDB storage at ``url``.

    Raises
    ------
    ConfigError
        If the URL is invalid or the database cannot be opened.
    """
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(f"invalid study storage URL {url!r}: {exc}") from None
    engine_kwargs: dict[str, Any] = {}
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine_kwargs["connect_args"] = {"timeout": 30}
        elif parsed.get_backend_name() == "postgresql" and "options" not in parsed.query:
            _create_schema(parsed)
            engine_kwargs["connect_args"] = {"options": f"-csearch_path={POSTGRES_SCHEMA}"}
        return optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs)
    except (sa.exc.SQLAlchemyError, RuntimeError, OSError) as exc:
        shown = parsed.render_as_string(hide_password=True)
        raise ConfigError(f"cannot open the study storage {shown}: {exc}") from None


def _create_schema(url: sa.URL) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{POSTGRES_SCHEMA}"'))
    finally:
        engine.dispose()


def make_sampler(name: SamplerName, seed: int | None) -> BaseSampler:
    """Return the sampler ``name`` (TPE or NSGA-II); both honour the trials' constraints."""
    if name == "tpe":
        return TPESampler(seed=seed, multivariate=True)
    if name == "nsga2":
        return NSGAIISampler(seed=seed)
    raise ConfigError(f"--sampler: unknown sampler {name!r} (choose tpe or nsga2)")


def load_study(
    storage: optuna.storages.RDBStorage | str,
    name: str,
    spec: ObjectiveSpec,
    sampler: SamplerName,
    seed: int | None = None,
) -> optuna.Study:
    """Create the study ``name`` in ``storage``, or join it if it exists.

    Raises
    ------
    ConfigError
        If an existing study of that name has other objectives.
    """
    study = optuna.create_study(
        storage=storage,
        study_name=name,
        directions=spec.directions,
        sampler=make_sampler(sampler, seed),
        load_if_exists=True,
    )
    stored = study.user_attrs.get("objectives")
    if stored is None:
        study.set_user_attr("objectives", list(spec.names))
    elif list(stored) != list(spec.names):
        raise ConfigError(
            f"study {name!r} already exists with objectives {','.join(stored)}; "
            "choose another --study-name"
        )
    return study


def trial_objective(
    space: SearchSpace, spec: ObjectiveSpec, evaluate: Evaluator
) -> Callable[[optuna.Trial], tuple[float, ...]]:
    """Wrap ``evaluate`` as an Optuna objective.

    Every trial records its metrics and the data range it saw (``first_ts``/``last_ts``) as user
    attributes, and the drawdown constraint (if any) as the Optuna constraint
    ``max_drawdown``; a combination the strategy rejects
    (:class:`InvalidParameters`) prunes the trial with the reason.
    """

    def objective(trial: optuna.Trial) -> tuple[float, ...]:
        params = space.suggest(trial)
        try:
            evaluation = evaluate(params)
        except InvalidParameters as exc:
            trial.set_user_attr("pruned_reason", str(exc))
            raise optuna.TrialPruned(str(exc)) from None
        metrics = {k: _json_number(v) for k, v in evaluation.metrics.items()}
        trial.set_user_attr(METRICS_ATTR, metrics)
        trial.set_user_attr("first_ts", evaluation.first_ts)
        trial.set_user_attr("last_ts", evaluation.last_ts)
        if spec.max_drawdown is not None:
            trial.set_constraint(CONSTRAINT_NAME, spec.violation(evaluation.metrics))
        return spec.values(evaluation.metrics)

    return objective


def _json_number(value: float) -> float | None:
    number = float(value)
    if math.isnan(number):
        return None
    return number if math.isfinite(number) else math.copysign(1e308, number)


def best_trial(study: optuna.Study) -> FrozenTrial | None:
    """Return the best feasible completed trial, or ``None`` if there is none.

    With one objective the highest value wins; with several, the Pareto-optimal trial with the
    highest first objective. Trials that violate the drawdown constraint never win.
    """
    feasible = [
        t
        for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if all(value <= 0.0 for value in t.constraints.values())
    ]
    if not feasible:
        return None
    front = [t for t in feasible if not any(_dominates(o, t) for o in feasible)]
    return max(front, key=lambda t: (tuple(t.values), -t.number))


def _dominates(a: FrozenTrial, b: FrozenTrial) -> bool:
    return all(x >= y for x, y in zip(a.values, b.values, strict=True)) and any(
        x > y for x, y in zip(a.values, b.values, strict=True)
    )
