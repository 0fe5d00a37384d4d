"""Shared fixtures. Media is built in code; real footage is an extra, skipped when absent."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from tests.helpers.footage import shared_media_dir


@pytest.fixture(scope="session")
def shared_media() -> Path:
    """The real footage folder; the test is skipped with a reason when it is absent."""
    found = shared_media_dir()
    if found is None:
        pytest.skip("real footage not found: put it in ../shared/media or set $POLYDUB_TEST_MEDIA")
    return found


@pytest.fixture(scope="session")
def demo_presenter(tmp_path_factory) -> Path:
    """The built-in presenter (astronaut photo with idle motion), 3 s at 25 fps, 480x480."""
    from pipeline.demo import make_demo_presenter

    return make_demo_presenter(tmp_path_factory.mktemp("presenter") / "astronaut.mp4", seconds=3.0)


@pytest.fixture(scope="session")
def astronaut_photo(tmp_path_factory) -> Path:
    """The astronaut photo as a PNG file (a still presenter)."""
    import cv2
    from pipeline.demo import astronaut_image

    path = tmp_path_factory.mktemp("photo") / "astronaut.png"
    cv2.imwrite(str(path), cv2.cvtColor(astronaut_image(), cv2.COLOR_RGB2BGR))
    return path


@pytest.fixture
def write_video():
    """Write a synthetic video: write_video(path, frames=..., size=(w, h), fps=..., audio=None)."""
    from lipsync.media import VideoWriter

    def _write(path: Path, frames: int = 25, size=(64, 48), fps=Fraction(25), audio=None, color_step=8) -> Path:
        w, h = size
        with VideoWriter(path, w, h, fps, audio=audio, comment=None) as writer:
            for i in range(frames):
                frame = np.zeros((h, w, 3), np.uint8)
                frame[..., 0] = (i * color_step) % 256
                frame[: h // 2, : w // 2, 1] = 200
                writer.write(frame)
        return path

    return _write
