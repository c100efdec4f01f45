"""What an optimisation found: one outcome per study window, and the report over all of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from colin.core.errors import ConfigError

if TYPE_CHECKING:
    from colin.backtest.optimize.walk_forward import Window
    from colin.node.optimize import OptimizeRequest


@dataclass(slots=True)
class WindowOutcome:
    """The result of one study and, in walk-forward mode, of its test run.

    Attributes
    ----------
    window
        The walk-forward window, or ``None`` for an in-sample study.
    study_name
        The study's name in the storage.
    best_params
        The best feasible trial's parameters, or ``None`` when no trial was feasible.
    train_metrics
        That trial's metrics on the training range.
    test_metrics
        The best parameters' metrics on the test range (walk-forward only).
    completed, pruned
        Trial counts of the study.
    """

    window: Window | None
    study_name: str
    best_params: dict[str, Any] | None
    train_metrics: dict[str, float | None] = field(default_factory=dict)
    test_metrics: dict[str, float] | None = None
    completed: int = 0
    pruned: int = 0


@dataclass(slots=True)
class OptimizationReport:
    """Everything :func:`run_optimization` found.

    Attributes
    ----------
    request
        The request it answered.
    windows
        One outcome per window (one in total for an in-sample study).
    out_of_sample
        Metrics of the stitched test-window curve, or ``None`` in sample.
    best_params
        The parameters to trade now: those of the most recent window with a feasible trial.
    """

    request: OptimizeRequest
    windows: list[WindowOutcome]
    out_of_sample: dict[str, float] | None
    best_params: dict[str, Any] | None

    def best_config(self) -> dict[str, Any]:
        """Return a config mapping (``colin backtest --config``) with the best parameters.

        Raises
        ------
        ConfigError
            If no window found a feasible trial.
        """
        if self.best_params is None:
            raise ConfigError("no feasible trial: there are no best parameters to write")
        base = self.request.base
        section = base.model_dump(mode="json", exclude_defaults=True)
        section.update(
            strategy=base.strategy,
            parameters={**base.parameters, **self.best_params},
            instruments=list(base.instruments),
            timeframe=base.timeframe,
        )
        return {"backtest": section}
