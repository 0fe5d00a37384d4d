"""A real polydub service (uvicorn in a subprocess) on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]
FAKE_RUNNER = "pipeline.jobs.testing:CountingRunner"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`polydub serve` in a subprocess; `kill()` is a hard stop (SIGKILL), `start()` again reuses the data."""

    def __init__(self, data_dir: Path, runner: str = FAKE_RUNNER, env: dict | None = None):
        self.data_dir = data_dir
        self.runner = runner
        self.env = {**os.environ, "POLYDUB_FAKE_DIR": str(data_dir), "POLYDUB_MIN_FREE_GB": "0",
                    "PYTHONPATH": str(ROOT), **(env or {})}
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> Server:
        self.port = free_port()
        cmd = [sys.executable, "-c", "import sys; from api.cli import main; sys.exit(main(sys.argv[1:]))",
               "serve", "--port", str(self.port), "--data-dir", str(self.data_dir), "--runner", self.runner]
        self.log = open(self.data_dir / "server-stderr.log", "ab")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {(self.data_dir / 'server-stderr.log').read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/health", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.log.close()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


@pytest.fixture(scope="session")
def tiny_videos(tmp_path_factory) -> list[Path]:
    """Three tiny, different presenter videos (the fake runner never looks for faces)."""
    from tests.conftest import flat_videos

    return flat_videos(tmp_path_factory.mktemp("tiny"), 3, size=48, frames=8, shade_step=50, name="presenter-{k}.mp4")


@pytest.fixture(scope="session")
def narration_wav(tmp_path_factory) -> Path:
    from lipsync.media import write_audio

    t = np.arange(16000) / 16000
    audio = (0.3 * np.clip(np.sin(2 * np.pi * 4 * t), 0, None) * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    return write_audio(tmp_path_factory.mktemp("audio") / "narration.wav", audio, 16000)
