"""Lip-sync quality, measured: `evaluate_sync(video, audio=None, source=None) -> SyncReport`.

The pure measures (correlation over lags, what the speech asks of the mouth, face regions,
image comparisons) live in their own modules and work on arrays; `sync` composes them with
the second tracker and the leaves.
"""

from pipeline.evaluate.correlation import LagCorrelation, lag_correlation
from pipeline.evaluate.sync import SyncReport, envelope_measure, evaluate_sync, words_measure

__all__ = ["LagCorrelation", "SyncReport", "envelope_measure", "evaluate_sync", "lag_correlation", "words_measure"]
