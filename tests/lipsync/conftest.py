"""Fixtures shared by the lip-sync tests: one engine (and so one analysis cache) per session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def engine(tmp_path_factory):
    from lipsync import LipSyncEngine

    return LipSyncEngine(tmp_path_factory.mktemp("lipsync-cache"))


def speech_timeline(seconds: float, start: float = 0.2, pause_at: tuple[float, float] | None = None):
    """A made-up phoneme timeline of open vowels and bilabials filling `seconds`."""
    phones = ["m", "a", "p", "a", "s", "o", "b", "i", "l", "a"]
    out, t, i = [], start, 0
    while t + 0.1 <= seconds - 0.1:
        if pause_at and pause_at[0] <= t < pause_at[1]:
            t = pause_at[1]
            continue
        out.append((round(t, 3), round(t + 0.1, 3), phones[i % len(phones)]))
        t += 0.1
        i += 1
    return out


@pytest.fixture(scope="session")
def make_timeline():
    """speech_timeline(seconds, start=0.2, pause_at=None) as a fixture."""
    return speech_timeline
