"""What an optimisation maximises, read from a backtest's metrics.

Objectives are metric keys of :func:`colin.backtest.metrics.compute_metrics`: ``sharpe``,
``sortino``, ``calmar`` and ``return`` (``total_return``), all maximised. An undefined value (a
run without trades has no Sharpe ratio) scores ``-inf``, so it is never preferred to a defined
one. ``max_drawdown`` turns into a constraint: a trial whose drawdown exceeds it is infeasible
and never chosen as the best, whatever its objective values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from optuna.study import StudyDirection

from colin.core.errors import ConfigError

OBJECTIVE_METRICS: dict[str, str] = {
    "sharpe": "sharpe",
    "sortino": "sortino",
    "calmar": "calmar",
    "return": "total_return",
}
"""Objective name to the metric key it reads."""


@dataclass(frozen=True, slots=True)
class ObjectiveSpec:
    """The objectives of a study and its drawdown constraint.

    Attributes
    ----------
    names
        Objective names (keys of :data:`OBJECTIVE_METRICS`), in order.
    max_drawdown
        Largest acceptable max drawdown as a fraction (``0.2`` = 20%), or ``None``.
    """

    names: tuple[str, ...]
    max_drawdown: float | None = None

    def __post_init__(self) -> None:
        if not self.names:
            raise ConfigError("--objective: name at least one objective")
        for name in self.names:
            if name not in OBJECTIVE_METRICS:
                known = ", ".join(OBJECTIVE_METRICS)
                raise ConfigError(f"--objective: unknown objective {name!r} (choose from {known})")
        if len(set(self.names)) != len(self.names):
            raise ConfigError(f"--objective: {','.join(self.names)} names an objective twice")
        if self.max_drawdown is not None and not 0 < self.max_drawdown < 1:
            raise ConfigError(
                f"--max-drawdown must be a fraction between 0 and 1, got {self.max_drawdown}"
            )

    @classmethod
    def parse(cls, text: str, max_drawdown: float | None = None) -> ObjectiveSpec:
        """Read comma-separated objective names (``"sharpe,calmar"``)."""
        return cls(tuple(part.strip() for part in text.split(",") if part.strip()), max_drawdown)

    @property
    def directions(self) -> list[StudyDirection]:
        """Optuna study directions: every objective is maximised."""
        return [StudyDirection.MAXIMIZE] * len(self.names)

    @property
    def metric_keys(self) -> tuple[str, ...]:
        """The metric key behind each objective."""
        return tuple(OBJECTIVE_METRICS[name] for name in self.names)

    def values(self, metrics: Mapping[str, float]) -> tuple[float, ...]:
        """Return the objective values of a run (``-inf`` where a metric is undefined)."""
        out = []
        for key in self.metric_keys:
            value = float(metrics.get(key, math.nan))
            out.append(value if not math.isnan(value) else -math.inf)
        return tuple(out)

    def violation(self, metrics: Mapping[str, float]) -> float:
        """Return the drawdown constraint's value: ``<= 0`` when satisfied (Optuna's convention)."""
        if self.max_drawdown is None:
            return 0.0
        drawdown = float(metrics.get("max_drawdown", math.nan))
        return math.inf if math.isnan(drawdown) else drawdown - self.max_drawdown
