"""Fixtures of the pipeline tests."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture(scope="session")
def face():
    """The astronaut frame and its dlib landmarks (a real face), with the judge's tracker:
    .frame (480x480 RGB uint8), .landmarks (68 x 2), .tracker (`DlibFaceTracker`)."""
    from pipeline.demo import astronaut_image, idle_frame
    from pipeline.evaluate.tracker import DlibFaceTracker

    frame = idle_frame(astronaut_image(), 0.0, 480)
    tracker = DlibFaceTracker()
    landmarks = tracker.landmarks(frame)
    assert landmarks is not None
    return SimpleNamespace(frame=frame, landmarks=landmarks, tracker=tracker)
