"""Volume profile: traded volume by price over a window of bars."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from colin.core.errors import DataError
from colin.strategy.scorer.factor import FloatArray


class VolumeProfile(NamedTuple):
    """Volume per price bin, the point of control and the value area."""

    edges: FloatArray
    volume: FloatArray
    point_of_control: float
    value_area_low: float
    value_area_high: float


def volume_profile(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    volume: FloatArray,
    bins: int = 24,
    value_area: float = 0.7,
) -> VolumeProfile:
    """Bin each bar's volume at its typical price ``(H + L + C) / 3``.

    The point of control is the centre of the bin with the most volume; the value area grows
    from it, one neighbouring bin at a time (the larger first), until it holds ``value_area`` of
    the volume.

    Raises
    ------
    DataError
        If there are no bars, or the window has no volume.
    """
    if len(close) == 0:
        raise DataError("volume profile: no bars")
    if not 0.0 < value_area <= 1.0:
        raise DataError(f"volume profile: value_area must be in (0, 1], got {value_area}")
    typical = (high + low + close) / 3.0
    total = float(volume.sum())
    if total <= 0.0:
        raise DataError("volume profile: the window has no volume")
    lo, hi = float(low.min()), float(high.max())
    edges = np.linspace(lo, hi if hi > lo else lo + 1.0, bins + 1)
    counts, _ = np.histogram(typical, bins=edges, weights=volume)
    peak = int(np.argmax(counts))
    first, last, held = peak, peak, float(counts[peak])
    while held < value_area * total and (first > 0 or last < bins - 1):
        below = counts[first - 1] if first > 0 else -1.0
        above = counts[last + 1] if last < bins - 1 else -1.0
        if above >= below:
            last += 1
            held += float(above)
        else:
            first -= 1
            held += float(below)
    centre = float((edges[peak] + edges[peak + 1]) / 2.0)
    return VolumeProfile(edges, counts, centre, float(edges[first]), float(edges[last + 1]))
