"""The Ray actors behind `RayExecutor`: a resident step worker and a progress inbox.

A `StepWorker` holds one `StepRunner` for its whole life, so the models a task loads (the
lip-sync engine on its GPU, a translator, a voice) and the presenter analyses it has read stay
resident for the next task. The executor makes two pools of them: engine workers (one per GPU,
or per configured slot on CPU-only clusters) for renders and analyses, CPU workers for the rest.

Progress flows from a running task to the driver through a `ProgressInbox` actor placed on the
driver's node; the driver drains it into the job store, which stays with the service.

This module imports ray; nothing outside `pipeline.jobs.ray_executor` imports it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import ray

from pipeline.jobs.executor import StepRunner, TaskCall, execute
from pipeline.jobs.logs import task_context
from pipeline.jobs.remote_store import localize_inputs

log = logging.getLogger(__name__)

#: seconds between two progress messages of one task (the last one always goes)
PROGRESS_INTERVAL = 0.25


class TaskCancelled(Exception):
    """Raised inside a running task, at its next progress report, after its job was cancelled."""


def node_id() -> str:
    return ray.get_runtime_context().get_node_id()


class StepWorker:
    """Runs tasks with one resident runner. Made into a Ray actor by the executor (with the
    pool's resources and a `control` concurrency group so `cancel` runs beside `run`)."""

    def __init__(self, runner_factory: Callable[[], StepRunner], artifacts: Any, pool: str):
        self.runner = runner_factory()
        self.artifacts = artifacts
        self.pool = pool
        self._cancelled: set[str] = set()
        self._lock = threading.Lock()

    def info(self) -> dict[str, Any]:
        """Where this worker runs: node id, the GPUs Ray gave it, its process id."""
        return {"node": node_id(), "gpus": [str(g) for g in ray.get_gpu_ids()], "pid": os.getpid(),
                "pool": self.pool}

    def run(self, call: TaskCall, token: str, inbox: Any) -> dict[str, Any]:
        """Run one task into the shared artifact store, reporting progress to `inbox` (the
        driver's current `ProgressInbox`); returns its key and timing."""
        t0 = time.perf_counter()
        last = [0.0]

        def progress(fraction: float, message: str | None = None) -> None:
            with self._lock:
                if token in self._cancelled:
                    raise TaskCancelled(f"task {call.task} of job {call.job_id} was cancelled")
            now = time.perf_counter()
            if fraction >= 1.0 or now - last[0] >= PROGRESS_INTERVAL:
                last[0] = now
                # Fire and forget: a lost progress message is replaced by the next one.
                inbox.push.remote(call.job_id, call.task, float(fraction), message)

        try:
            progress(0.0, None)
            with task_context(call.job_id, call.task):  # worker log lines carry the job and task ids
                key = execute(localize_inputs(call, self.artifacts), self.runner, self.artifacts, progress)
        finally:
            with self._lock:
                self._cancelled.discard(token)
        return {"key": key, "seconds": time.perf_counter() - t0, "node": node_id(), "pid": os.getpid()}

    @ray.method(concurrency_group="control")
    def cancel(self, token: str) -> None:
        """Mark a submitted task cancelled; it stops at its next progress report."""
        with self._lock:
            self._cancelled.add(token)


class ProgressInbox:
    """The latest progress of each running task, until the driver drains it."""

    def __init__(self):
        self._latest: dict[tuple[str, str], tuple[float, str | None]] = {}

    def push(self, job_id: str, task: str, fraction: float, message: str | None) -> None:
        self._latest[(job_id, task)] = (fraction, message)

    def drain(self) -> list[tuple[str, str, float, str | None]]:
        out = [(j, t, f, m) for (j, t), (f, m) in self._latest.items()]
        self._latest.clear()
        return out
