"""Fixtures shared by the lip-sync tests: one engine (and so one analysis cache) per session."""

from __future__ import annotations

import pytest
from tests.helpers.signals import speech_timeline


@pytest.fixture(scope="session")
def engine(tmp_path_factory):
    from lipsync import LipSyncEngine

    return LipSyncEngine(tmp_path_factory.mktemp("lipsync-cache"))


@pytest.fixture(scope="session")
def make_timeline():
    """`tests.helpers.signals.speech_timeline(seconds, start=0.2, pause_at=None)` as a fixture."""
    return speech_timeline
