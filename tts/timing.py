"""Check a phoneme timeline against its audio: phone activity must coincide with speech energy.

Two measures on 10 ms frames: the lag that best lines up "a phone is active" with "the audio is
loud" (cross-correlation within ±300 ms; a synced timeline peaks near 0), and the share of
active frames that are loud. A timeline shifted by 100 ms peaks near 100 ms and fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tts.audio import frame_energy_db
from tts.errors import SpeechError

HOP_S = 0.01
MIN_CORRELATION = 0.45


@dataclass(frozen=True)
class TimingReport:
    lag_s: float  # positive: the timeline runs late against the audio
    coverage: float  # share of phone-active frames that are loud
    correlation: float  # at the best lag

    @property
    def conclusive(self) -> bool:
        """Whether the lag means anything: speech with pauses gives a clear peak (synthesised
        speech here: 0.6-0.95); continuous speech with no pauses does not (a 5 s recorded
        narration: 0.29 at every shift), and then only the coverage is judged."""
        return self.correlation >= MIN_CORRELATION

    def ok(self, max_lag_s: float = 0.04, min_coverage: float = 0.7) -> bool:
        lag_ok = abs(self.lag_s) <= max_lag_s or not self.conclusive
        return lag_ok and self.coverage >= min_coverage


def timing_report(
    audio: np.ndarray, sample_rate: int, timeline: Sequence[tuple[float, float, str]], max_lag_s: float = 0.3
) -> TimingReport:
    db = frame_energy_db(audio, sample_rate, hop_s=HOP_S)
    if db.size == 0 or not timeline:
        raise SpeechError("nothing to check: the audio or the timeline is empty")
    loud = (db > db.max() - 35.0).astype(float)
    active = np.zeros_like(loud)
    for start, end, _ in timeline:
        a, b = int(round(start / HOP_S)), int(round(end / HOP_S))
        active[max(a, 0):max(min(b, len(active)), 0)] = 1.0
    coverage = float((active * loud).sum() / max(active.sum(), 1.0))
    x, y = active - active.mean(), loud - loud.mean()
    norm = float(np.sqrt((x * x).sum() * (y * y).sum())) or 1.0
    max_lag = int(max_lag_s / HOP_S)
    best_lag, best = 0, -np.inf
    for lag in range(-max_lag, max_lag + 1):
        # lag > 0: activity at frame t+lag matches loudness at frame t (timeline late).
        if lag >= 0:
            c = float((x[lag:] * y[: len(y) - lag]).sum())
        else:
            c = float((x[:lag] * y[-lag:]).sum())
        if c > best:
            best, best_lag = c, lag
    return TimingReport(best_lag * HOP_S, coverage, best / norm)


def check_timing(
    audio: np.ndarray,
    sample_rate: int,
    timeline: Sequence[tuple[float, float, str]],
    *,
    max_lag_s: float = 0.04,
    min_coverage: float = 0.7,
) -> TimingReport:
    """The timing report; SpeechError when the timeline is off the speech."""
    report = timing_report(audio, sample_rate, timeline)
    if not report.ok(max_lag_s, min_coverage):
        raise SpeechError(
            f"the phoneme timeline does not match the speech (lag {report.lag_s * 1000:+.0f} ms, "
            f"{report.coverage:.0%} of phones over sound): re-run synthesis or alignment for this audio"
        )
    return report
