"""Rolling z-score mean reversion."""

from __future__ import annotations

from pydantic import Field, model_validator

from colin.indicators.statistics import ZScore
from colin.model.data import Bar
from colin.strategy.builtin.bar_signal import BarSignalStrategy, ShortableParams


class ZScoreReversionParams(ShortableParams):
    """Parameters of :class:`ZScoreReversion`."""

    period: int = Field(20, ge=3, description="Bars in the rolling mean and standard deviation")
    entry_z: float = Field(
        2.0, gt=0, description="Enter when the close is this many deviations from the mean"
    )
    exit_z: float = Field(
        0.0,
        ge=0,
        description="Exit once the close is back within this many deviations of the mean",
    )

    @model_validator(mode="after")
    def _exit_inside_entry(self) -> ZScoreReversionParams:
        if self.exit_z >= self.entry_z:
            raise ValueError(f"exit_z ({self.exit_z}) must be below entry_z ({self.entry_z})")
        return self


class ZScoreReversion(BarSignalStrategy):
    """Fade closes that sit far from their rolling mean.

    With ``z = (close - mean) / std`` over the last ``period`` closes (population std):

    - **long entry** (flat): ``z < -entry_z``;
    - **long exit**: ``z >= -exit_z`` (with the default ``exit_z = 0``: back at the mean);
    - **short entry** (flat, ``allow_short``, perpetuals): ``z > entry_z``;
    - **short exit**: ``z <= exit_z``.

    A flat window has no z-score (NaN) and triggers nothing. Market orders at the bar's close,
    filled at the next open.
    """

    name = "zscore_reversion"
    Params = ZScoreReversionParams
    params: ZScoreReversionParams

    def build_indicators(self) -> None:
        """Create the z-score."""
        self._z = ZScore(self.params.period)

    def update(self, bar: Bar) -> bool:
        """Feed the close; ready once the window is full."""
        self._z.update(bar.close)
        return self._z.ready

    def long_entry(self, bar: Bar) -> bool:
        """Close more than ``entry_z`` deviations below the mean."""
        return self._z.value < -self.params.entry_z

    def long_exit(self, bar: Bar) -> bool:
        """Close back within ``exit_z`` deviations below the mean (or above it)."""
        return self._z.value >= -self.params.exit_z

    def short_entry(self, bar: Bar) -> bool:
        """Close more than ``entry_z`` deviations above the mean."""
        return self._z.value > self.params.entry_z

    def short_exit(self, bar: Bar) -> bool:
        """Close back within ``exit_z`` deviations above the mean (or below it)."""
        return self._z.value <= self.params.exit_z
