"""How tasks run: the `Executor` protocol, the `StepRunner` a worker calls, and the
`Scheduler` every executor shares.

An executor (local worker processes here; Ray in `pipeline.jobs.ray_executor`) only moves
work: it asks the `Scheduler` for runnable `TaskCall`s, runs each with `execute(call, runner,
artifacts, progress)` somewhere, and reports back through the scheduler, which records
everything in the job store. Keys, cache hits, retries and job states are decided in one place.

Artifact layout per kind (what runners write into `out`, and what the service reads):
    source     document.json  (+ runner-private files)
    translate  translation.json  {"source_language", "target_language", "backend", "model",
                                   "sentences": [{"id", "source", "text"}]}
    narrate    speech.npz, speech.json, transcript.txt
    speak      speech.npz, speech.json
    analyse    report.json    (the presenter report), thumbnail.jpg
    render     video.mp4, result.json
    pack       pack/ (videos/, narration.wav, subtitles.srt, subtitles.vtt, script.md,
               manifest.json), pack.zip
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pipeline.errors import InputError, JobError
from pipeline.jobs.artifacts import ArtifactStore, task_key
from pipeline.jobs.paths import path_hider
from pipeline.jobs.plan import DEVICE_KINDS
from pipeline.jobs.spec import UNDETERMINED
from pipeline.jobs.store import OPTIONAL_ROLE, JobStore

log = logging.getLogger(__name__)

#: progress(fraction 0..1, message or None) from inside a running task
ProgressFn = Callable[[float, "str | None"], None]


@dataclass(frozen=True)
class TaskCall:
    """Everything a worker needs to run one task; picklable, no database handle."""

    job_id: str
    task: str
    kind: str
    key: str
    #: role -> folder of the artifact this task reads (a dependency's output or an input file)
    inputs: Mapping[str, str]
    params: Mapping[str, Any] = field(default_factory=dict)
    attempt: int = 1

    @property
    def device(self) -> bool:
        return self.kind in DEVICE_KINDS


@runtime_checkable
class StepRunner(Protocol):
    """Runs one kind of task into a folder. One instance per worker, kept for the worker's
    life, so models loaded by one task stay loaded for the next."""

    def versions(self) -> Mapping[str, str]:
        """Per task kind, the version of the code and models that make its output."""
        ...

    def run(self, call: TaskCall, out: Path, progress: ProgressFn) -> Mapping[str, Any]:
        """Write the artifact's files into `out`; return a small summary for its meta.json."""
        ...


@runtime_checkable
class Executor(Protocol):
    """Runs the task graphs held in a JobStore. Implementations: `LocalExecutor`, Ray."""

    def start(self) -> None:
        """Start workers; requeue what a previous run left running."""

    def wake(self) -> None:
        """New work may be ready (a job was created, approved, retried)."""

    def cancel(self, job_id: str, task: str | None = None) -> None:
        """Cancel a whole job or one task, stopping it where it runs."""

    def stop(self) -> None:
        """Stop the workers; running tasks stay `running` in the store and are requeued at the next start."""


def execute(call: TaskCall, runner: StepRunner, artifacts: ArtifactStore, progress: ProgressFn) -> str:
    """Run a call into a temporary folder and commit it under its key (or reuse it)."""
    if artifacts.has(call.key):
        return call.key
    tmp = artifacts.begin()
    try:
        summary = runner.run(call, tmp, progress)
        artifacts.commit(call.key, tmp, {"kind": call.kind, "task": call.task, "job": call.job_id,
                                         "params": dict(call.params), "summary": dict(summary or {})})
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return call.key


def retryable(exc: BaseException) -> bool:
    """Bad input fails the same way again; anything else (a crash, a full disk) may not."""
    return not isinstance(exc, (InputError, JobError, ValueError))


class Scheduler:
    """The decisions every executor shares, on top of the job store and the artifact store."""

    def __init__(self, store: JobStore, artifacts: ArtifactStore, versions: Mapping[str, str],
                 max_attempts: int = 2, only_jobs: set[str] | None = None):
        self.store = store
        self.artifacts = artifacts
        root = getattr(artifacts, "root", None)
        # Leaves name the file they were given, which for a stored input is the store's copy.
        self._hide_paths = path_hider(root) if root is not None else (lambda text: text)
        self.versions = dict(versions)
        self.max_attempts = max_attempts
        #: when set, only these jobs run (`polydub run` beside a running service)
        self.only_jobs = only_jobs

    def ready_calls(self) -> list[TaskCall]:
        """Runnable calls, oldest job first. Tasks whose artifact exists are marked done
        (cached) on the way, which may make more tasks ready, so this loops until stable."""
        calls: list[TaskCall] = []
        for job_id in self.store.active_jobs():
            if self.only_jobs is not None and job_id not in self.only_jobs:
                continue
            progressed = True
            while progressed:
                progressed = False
                job_calls = []
                ready = self.store.ready_tasks(job_id)
                tasks = {x["name"]: x for x in self.store.tasks(job_id)} if ready else {}
                for t in ready:
                    call = self._call(job_id, t, tasks)
                    if call is None:
                        continue
                    if self.artifacts.has(call.key):
                        self.store.finish_task(job_id, t["name"], call.key, cached=True)
                        log.info("cached %s", call.key[:12], extra={"job_id": job_id, "task": t["name"]})
                        progressed = True
                    else:
                        job_calls.append(call)
            calls.extend(job_calls)
        return calls

    def _call(self, job_id: str, t: dict[str, Any], tasks: Mapping[str, dict[str, Any]]) -> TaskCall | None:
        refs: dict[str, str] = {}
        failures = []
        for role, dep in t["deps"].items():
            if tasks[dep]["state"] == "failed":  # a render the pack does without (store.deps_settled)
                label = tasks[dep]["presenter"]
                failures.append({"presenter": t["params"].get("names", {}).get(label, label),
                                 "language": tasks[dep]["language"], "error": tasks[dep]["error"] or "failed"})
                continue
            refs[role] = tasks[dep]["output"]
        if failures and not any(role.startswith(OPTIONAL_ROLE) for role in refs):
            self.store.start_task(job_id, t["name"], "0" * 64)
            where = "for the narration" if t["language"] == UNDETERMINED else f"in {t['language']}"
            self.store.fail_task(job_id, t["name"], f"no presenter could be rendered {where}, so there "
                                                    "is no pack; see the render errors")
            return None
        for role, key in t["inputs"].items():
            if not self.artifacts.has(key):
                self.store.start_task(job_id, t["name"], "0" * 64)
                self.store.fail_task(job_id, t["name"], f"input file {key[:12]} is missing from the store; upload it again")
                return None
            refs[role] = key
        version = self.versions.get(t["kind"])
        if version is None:
            raise JobError(f"the runner has no version for task kind {t['kind']!r}")
        params = {**t["params"], "failures": failures} if failures else t["params"]
        key = task_key(t["kind"], version, params, refs)
        return TaskCall(job_id, t["name"], t["kind"], key,
                        {role: str(self.artifacts.path(k)) for role, k in refs.items()},
                        params, t["attempts"] + 1)

    def claim(self, call: TaskCall, worker: str) -> bool:
        ok = self.store.start_task(call.job_id, call.task, call.key, worker)
        if ok:
            log.info("start %s on %s", call.kind, worker, extra={"job_id": call.job_id, "task": call.task})
        return ok

    def progress(self, job_id: str, task: str, fraction: float, message: str | None = None) -> None:
        self.store.progress(job_id, task, fraction, message)

    def done(self, call: TaskCall, seconds: float) -> None:
        self.store.finish_task(call.job_id, call.task, call.key, seconds=seconds)
        log.info("done in %.2fs", seconds, extra={"job_id": call.job_id, "task": call.task})

    def failed(self, call: TaskCall, error: str, can_retry: bool) -> None:
        retry = can_retry and call.attempt < self.max_attempts
        error = self._hide_paths(error)
        self.store.fail_task(call.job_id, call.task, error, retry=retry)
        # A bad input (not retryable) is the user's to fix and is reported by whoever runs the
        # job (the CLI's summary, the API's task error): logged, not shouted a second time.
        log.log(logging.WARNING if can_retry else logging.INFO, "%s: %s", "will retry" if retry else "failed",
                error, extra={"job_id": call.job_id, "task": call.task})



def drain(scheduler: Scheduler, runner: StepRunner, worker: str = "inline", *,
          observe: Callable[[TaskCall, float, "str | None"], None] | None = None,
          after: Callable[[], None] | None = None) -> int:
    """Run every ready task in this process, one after another, until none is ready (the
    `InlineExecutor`, and tests). `observe(call, fraction, message)` sees each progress report;
    `after()` is called whenever task states may have changed (cached tasks marked done, a task
    finished). Returns the number of tasks run."""
    from pipeline.jobs.logs import task_context

    count = 0
    while True:
        calls = scheduler.ready_calls()
        if after is not None:
            after()
        if not calls:
            return count
        for call in calls:
            if not scheduler.claim(call, worker):
                continue

            def progress(fraction: float, message: str | None = None, c: TaskCall = call) -> None:
                scheduler.progress(c.job_id, c.task, fraction, message)
                if observe is not None:
                    observe(c, fraction, message)

            with task_context(call.job_id, call.task):
                t0 = time.perf_counter()
                try:
                    execute(call, runner, scheduler.artifacts, progress)
                except Exception as exc:
                    scheduler.failed(call, " ".join(str(exc).split()) or exc.__class__.__name__, retryable(exc))
                else:
                    scheduler.done(call, time.perf_counter() - t0)
            count += 1
            if after is not None:
                after()


#: Executors by name, as "module:class" so that choosing one imports only it (Ray is heavy).
#: Each class is built as cls(store, artifacts, runner_factory, **options) and implements Executor.
EXECUTORS: dict[str, str] = {"inline": "pipeline.jobs.inline:InlineExecutor",
                             "local": "pipeline.jobs.local:LocalExecutor",
                             "ray": "pipeline.jobs.ray_executor:RayExecutor"}


def create_executor(name: str, store: JobStore, artifacts: ArtifactStore, runner: Any, **options: Any) -> Executor:
    import importlib

    if name not in EXECUTORS:
        raise JobError(f"unknown executor {name!r}; use one of {', '.join(sorted(EXECUTORS))}")
    module, _, attr = EXECUTORS[name].partition(":")
    cls = getattr(importlib.import_module(module), attr)
    return cls(store, artifacts, runner, **options)
