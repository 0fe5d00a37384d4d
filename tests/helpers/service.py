"""A real polydub service (`polydub serve`, uvicorn in a subprocess) on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
#: the cheap step runner (no model loads; tests.helpers.runners)
FAKE_RUNNER = "tests.helpers.runners:CountingRunner"
REAL_RUNNER = "pipeline.jobs.runner:PipelineRunner"
#: the two-sentence Markdown script of the CLI tests on the fake runner (tests/api/conftest.py `cli_env`)
NOZZLE_SCRIPT = "# Nozzle\n\nClean the nozzle. Wear gloves.\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`polydub serve` in a subprocess; `kill()` is a hard stop (SIGKILL), `start()` again reuses
    the data. As a context manager it starts and stops. `cpus`: the CPUs it may use (all when None),
    as a smaller machine would have them."""

    def __init__(self, data_dir: Path, runner: str = FAKE_RUNNER, env: dict | None = None,
                 cpus: Iterable[int] | None = None):
        self.data_dir = data_dir
        self.runner = runner
        self.cpus = set(cpus) if cpus is not None else None
        # No voice-sample warm-up unless a test asks (POLYDUB_WARM_VOICES=1): it synthesizes every voice.
        self.env = {**os.environ, "POLYDUB_FAKE_DIR": str(data_dir), "POLYDUB_MIN_FREE_GB": "0",
                    "POLYDUB_WARM_VOICES": "0", "PYTHONPATH": str(ROOT), **(env or {})}
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def client(self, timeout: float = 30, **options) -> httpx.Client:
        """An HTTP client for this server (use it as a context manager)."""
        return httpx.Client(base_url=self.url, timeout=timeout, **options)

    def start(self, timeout: float = 60.0) -> Server:
        self.port = free_port()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-c", "import sys; from api.cli import main; sys.exit(main(sys.argv[1:]))",
               "serve", "--port", str(self.port), "--data-dir", str(self.data_dir), "--runner", self.runner]
        self.log = open(self.data_dir / "server-stderr.log", "ab")
        pin = (lambda: os.sched_setaffinity(0, self.cpus)) if self.cpus else None
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log, preexec_fn=pin)
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
