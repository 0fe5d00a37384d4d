"""The inline executor: a job's tasks run in this process, one after another, until none is
ready. The one-shot commands (`polydub localize`, `lipsync`, `demo`) use it by default, so they
run the same planner, runner and artifact store as the service without worker processes.

Its worker name is `inline:<host>:<pid>`; a task left `running` by an inline run or a local
executor whose process is gone (killed, crashed) goes back to the queue when its job is
adopted again (`local.left_by_dead_process`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.jobs.artifacts import ArtifactStore
from pipeline.jobs.executor import Scheduler, StepRunner, TaskCall, drain
from pipeline.jobs.local import left_by_dead_process, load_factory, owner_tag
from pipeline.jobs.store import JobStore


class InlineExecutor:
    """Implements `Executor`; `run()` does the work in the calling thread."""

    def __init__(self, store: JobStore, artifacts: ArtifactStore, runner: Any, *, max_attempts: int = 2,
                 only_jobs: set[str] | None = None):
        self.store = store
        self.artifacts = artifacts
        self._factory = load_factory(runner) if isinstance(runner, str) else runner
        self._runner: StepRunner | None = None
        self._max_attempts = max_attempts
        self._only_jobs = only_jobs
        self._scheduler: Scheduler | None = None
        self.worker = owner_tag("inline")

    @property
    def runner(self) -> StepRunner:
        if self._runner is None:
            self._runner = self._factory()
        return self._runner

    @property
    def scheduler(self) -> Scheduler:
        if self._scheduler is None:
            self._scheduler = Scheduler(self.store, self.artifacts, self.runner.versions(),
                                        max_attempts=self._max_attempts, only_jobs=self._only_jobs)
        return self._scheduler

    # ------------------------------------------------------------------ Executor
    def start(self) -> None:
        """Nothing to start; tasks run in `run()`."""

    def wake(self) -> None:
        """Nothing to wake; `run()` picks up whatever is ready."""

    def adopt(self, job_id: str) -> None:
        """Run this job (when opened for own jobs only); requeue what a dead process left running."""
        if self._only_jobs is not None:
            self._only_jobs.add(job_id)
        dead = {t["worker"] for t in self.store.tasks(job_id)
                if t["state"] == "running" and left_by_dead_process(t["worker"])}
        self.store.requeue_tasks(job_id, dead)

    def cancel(self, job_id: str, task: str | None = None) -> None:
        self.store.cancel(job_id, task)

    def stop(self) -> None:
        """Nothing runs between calls to `run()`."""

    # ------------------------------------------------------------------ work
    def run(self, observe: Callable[[TaskCall, float, str | None], None] | None = None,
            after: Callable[[], None] | None = None) -> int:
        """Run every ready task of the adopted jobs until none is ready (a job done, failed, or
        waiting for review). Returns the number of tasks run. See `executor.drain`."""
        return drain(self.scheduler, self.runner, self.worker, observe=observe, after=after)
