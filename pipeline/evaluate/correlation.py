"""Correlation of two per-frame signals over a range of lags (pure, on arrays)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LagCorrelation:
    """Pearson correlation of `mouth` against `target` for each lag in frames.

    Positive lag: the mouth at frame t + lag is compared with the target at frame t, i.e.
    the mouth comes late. NaN where too few frames overlap.
    """

    lags: tuple[int, ...]
    values: tuple[float, ...]

    def at(self, lag: int = 0) -> float:
        return self.values[self.lags.index(lag)] if lag in self.lags else math.nan

    def best(self, within: int | None = None) -> tuple[float, int]:
        """(correlation, lag) of the highest correlation, optionally only within ±`within`."""
        pairs = [(v, lag) for lag, v in zip(self.lags, self.values)
                 if not math.isnan(v) and (within is None or abs(lag) <= within)]
        if not pairs:
            return math.nan, 0
        # Ties (flat curves) go to the smallest |lag|.
        return max(pairs, key=lambda p: (p[0], -abs(p[1])))

    @property
    def value(self) -> float:
        return self.best()[0]

    @property
    def lag(self) -> int:
        return self.best()[1]

    def as_dict(self) -> dict:
        r, lag = self.best()
        return {"best": _finite(r), "lag": lag, "at_zero": _finite(self.at(0)),
                "curve": {str(k): _finite(v) for k, v in zip(self.lags, self.values)}}


def _finite(x: float) -> float | None:
    return None if math.isnan(x) else round(float(x), 4)


def pearson(a: np.ndarray, b: np.ndarray, min_overlap: int = 8) -> float:
    """Pearson correlation over the frames where both are finite; NaN when undefined."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < min_overlap:
        return math.nan
    a, b = a[ok] - a[ok].mean(), b[ok] - b[ok].mean()
    denom = math.sqrt(float(a @ a) * float(b @ b))
    return float(a @ b / denom) if denom > 1e-12 else math.nan


def lag_correlation(mouth: np.ndarray, target: np.ndarray, max_lag: int, min_overlap: int = 8) -> LagCorrelation:
    """Correlate `mouth` with `target` at every lag in [-max_lag, max_lag] frames."""
    mouth = np.asarray(mouth, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    n = min(len(mouth), len(target))
    mouth, target = mouth[:n], target[:n]
    lags = tuple(range(-int(max_lag), int(max_lag) + 1))
    values = []
    for lag in lags:
        if lag >= 0:
            m, t = mouth[lag:], target[: n - lag]
        else:
            m, t = mouth[: n + lag], target[-lag:]
        values.append(pearson(m, t, min_overlap))
    return LagCorrelation(lags, tuple(values))
