"""A job service with no executor, for the job layer's tests: `run()` drains inline."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.helpers.runners import CountingRunner, runs

from pipeline.jobs import ArtifactStore, JobStore, Scheduler
from pipeline.jobs.executor import drain
from pipeline.jobs.service import JobService


class Harness:
    """A service on the fake `CountingRunner` with no executor; `run()` drains the ready tasks
    in this process and returns how many of each kind ran. `voices`: a `PresenterVoices` to use
    (tests stub the presenters' profiles with it)."""

    def __init__(self, root: Path, version: str = "v1", voices=None):
        self.root = root
        self.runner = CountingRunner(root, version=version)
        self.store = JobStore(root / "jobs.sqlite")
        self.artifacts = ArtifactStore(root / "artifacts")
        self.service = JobService(self.store, self.artifacts, None, data_dir=root, min_free_bytes=0,
                                  allow_paths=True, voices=voices)
        self.scheduler = Scheduler(self.store, self.artifacts, self.runner.versions())

    def run(self) -> Counter:
        before = len(runs(self.root))
        drain(self.scheduler, self.runner)
        return Counter(kind for kind, _ in runs(self.root)[before:])
