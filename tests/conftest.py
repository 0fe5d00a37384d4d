"""Shared fixtures. Media is built in code; real footage is an extra, skipped when absent."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


def shared_media_dir() -> Path | None:
    env = os.environ.get("POLYDUB_TEST_MEDIA")
    candidates = [Path(env)] if env else []
    candidates.append(ROOT.parent / "shared" / "media")
    for c in candidates:
        if (c / "presenter_a.mp4").exists():
            return c
    return None


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


def wait_for(condition, timeout: float = 60.0, what: str = "condition"):
    """Poll a condition until it holds; the deadline only guards against a hang."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def tone(seconds: float, sample_rate: int = 16000, freq: float = 220.0) -> np.ndarray:
    """A test signal: a tone with syllable-like 4 Hz amplitude bursts."""
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    envelope = np.clip(np.sin(2 * np.pi * 4 * t), 0, None)
    return (0.3 * envelope * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def flat_videos(folder: Path, count: int, size: int = 32, frames: int = 5, shade_step: int = 40,
                name: str = "presenter{k}.mp4") -> list[Path]:
    """`count` tiny videos of flat, different shades: presenters for job-plumbing tests, where
    the fake runner never looks for a face."""
    from lipsync.media import VideoWriter

    out = []
    for k in range(count):
        path = folder / name.format(k=k)
        with VideoWriter(path, size, size, Fraction(10), comment=None) as w:
            for i in range(frames):
                w.write(np.full((size, size, 3), shade_step * k + i * max(1, shade_step // 15), np.uint8))
        out.append(path)
    return out


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
