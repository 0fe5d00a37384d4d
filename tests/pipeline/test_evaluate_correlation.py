"""Lag correlation (pipeline/evaluate/correlation.py) on synthetic signals, each with a negative control."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tests.helpers.judge import smooth_noise

from pipeline.evaluate import LagCorrelation, lag_correlation


def test_lag_correlation_finds_the_shift_and_mismatch_scores_near_zero():
    x = smooth_noise(400)
    late = np.concatenate([np.zeros(3), x[:-3]])  # the mouth comes 3 frames late
    lc = lag_correlation(late, x, max_lag=6)
    assert lc.lag == 3 and lc.value > 0.99
    assert lc.at(0) < lc.value
    other = lag_correlation(smooth_noise(400, seed=1), x, max_lag=6)  # negative control
    assert abs(other.at(0)) < 0.25 and other.value < 0.35


def test_lag_correlation_ignores_missing_frames_and_reports_undefined():
    x = smooth_noise(200)
    y = x.copy()
    y[50:60] = np.nan  # frames without a face
    assert lag_correlation(y, x, 2).at(0) == pytest.approx(1.0)
    flat = lag_correlation(np.ones(50), x[:50], 2)
    assert math.isnan(flat.value)
    lc = LagCorrelation((-1, 0, 1), (0.2, 0.5, 0.6))
    assert lc.best() == (0.6, 1) and lc.best(within=0) == (0.5, 0)
    assert lc.as_dict()["lag"] == 1
