"""Fixtures of the API tests: tiny presenter videos and a narration, built once per session.
The service under test is `tests.helpers.service.Server` (uvicorn in a subprocess)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_videos(tmp_path_factory) -> list[Path]:
    """Three tiny, different presenter videos (the fake runner never looks for faces)."""
    from tests.helpers.media import flat_videos

    return flat_videos(tmp_path_factory.mktemp("tiny"), 3, size=48, frames=8, shade_step=50, name="presenter-{k}.mp4")


@pytest.fixture(scope="session")
def narration_wav(tmp_path_factory) -> Path:
    """One second of syllable-like tone bursts as a 16 kHz WAV."""
    from tests.helpers.signals import tone

    from lipsync.media import write_audio

    return write_audio(tmp_path_factory.mktemp("audio") / "narration.wav", tone(1.0), 16000)


@pytest.fixture(scope="module")
def fake_server(tmp_path_factory):
    """The service on the cheap step runner (`tests.helpers.service.Server`), one per page-test module."""
    from tests.helpers.service import Server

    with Server(tmp_path_factory.mktemp("web-fake")) as s:
        yield s


@pytest.fixture(scope="module")
def two_jobs(fake_server, tiny_videos):
    """One job waiting for review, one done, on the fake-steps server."""
    from tests.helpers.web import waiting_and_done

    return waiting_and_done(fake_server.url, tiny_videos[0])


@pytest.fixture
def cli_env(tmp_path, monkeypatch) -> Path:
    """A folder for the CLI on the fake step runner: data under `data/`, no free-space floor, and
    `script.md` holding `NOZZLE_SCRIPT` (tests.helpers.service)."""
    from tests.helpers.service import NOZZLE_SCRIPT

    monkeypatch.setenv("POLYDUB_FAKE_DIR", str(tmp_path))
    monkeypatch.setenv("POLYDUB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("POLYDUB_MIN_FREE_GB", "0")
    (tmp_path / "script.md").write_text(NOZZLE_SCRIPT, encoding="utf-8")
    return tmp_path


@pytest.fixture(scope="module")
def cli_videos(tmp_path_factory) -> list[Path]:
    """Two tiny presenter videos, ana0.mp4 and ana1.mp4, one pair per test module."""
    from tests.helpers.media import flat_videos

    return flat_videos(tmp_path_factory.mktemp("videos"), 2, name="ana{k}.mp4")


@pytest.fixture(scope="module")
def client(server):
    """An httpx.Client on the module's `server` fixture (tests.helpers.service.Server); a module
    that needs another timeout or headers defines its own."""
    with server.client() as c:
        yield c
