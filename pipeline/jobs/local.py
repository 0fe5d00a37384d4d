"""The local executor: worker processes on this machine.

Two pools: `cpu_workers` processes for analysis, translation, speech and packing, and one
process per device slot for renders, so at most one render runs per slot. Each worker builds
its `StepRunner` once and keeps it (and the models it loads) for its whole life. A failed task
fails alone; a crashed worker is replaced and its task retried; cancelling a running task stops
its worker, which is then replaced. Workers die with the service (PR_SET_PDEATHSIG, and an
orphan check while idle), and the store requeues what they were running at the next start.
"""

from __future__ import annotations

import ctypes
import importlib
import logging
import logging.handlers
import multiprocessing as mp
import os
import queue
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipeline.jobs.artifacts import ArtifactStore
from pipeline.jobs.executor import Scheduler, StepRunner, TaskCall, execute, retryable
from pipeline.jobs.logs import ContextFilter, task_context
from pipeline.jobs.store import JobStore

log = logging.getLogger(__name__)

#: Kinds a device worker also takes when no render is ready for it. Presenter analysis is the
#: lip-sync engine's work (Ray runs it on the engine actor); with analyses on the CPU pool alone,
#: `bench/bench_batch.py` showed the render slot idle for the first 28 % of a 2 x 2 batch while the
#: one CPU worker analysed every presenter before it could voice the first language.
SHARED_KINDS = frozenset({"analyse"})

def load_factory(factory: Any) -> Callable[[], StepRunner]:
    """A runner factory given as an object or as "module:attribute"."""
    if isinstance(factory, str):
        module, _, attr = factory.partition(":")
        obj = importlib.import_module(module)
        for part in (attr or "default_runner").split("."):
            obj = getattr(obj, part)
        return obj
    return factory


def owner_tag(kind: str) -> str:
    """`<kind>:<host>:<pid>`: who claims tasks in the job store (an inline run, or a local
    executor's process, whose workers append `:<worker>`), so a later run can tell that the
    process that left a task `running` is gone."""
    return f"{kind}:{socket.gethostname()}:{os.getpid()}"


def left_by_dead_process(worker: str | None) -> bool:
    """Whether a task's worker is an inline run or a local executor of this host whose process
    is gone (killed, crashed). Workers of other hosts and of Ray are never judged dead here."""
    kind, host, pid, *_ = ((worker or "").split(":") + ["", "", ""])[:4]
    if kind not in ("inline", "local") or host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():  # our pid, reused from a dead run: we cannot be running it yet
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's live process
        return False
    return False


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:  # not Linux: workers then notice the closed queue instead
        pass


def _one_line(exc: BaseException) -> str:
    return " ".join((str(exc) or exc.__class__.__name__).split())


def _worker_main(name: str, factory: Any, artifacts_root: str, tasks: mp.Queue, events: mp.Queue,
                 logs: mp.Queue, level: int) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the service's to handle
    handler = logging.handlers.QueueHandler(logs)
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    wlog = logging.getLogger("pipeline.jobs.worker")
    runner = load_factory(factory)()
    artifacts = ArtifactStore(artifacts_root)
    wlog.info("worker %s ready", name)
    parent = os.getppid()
    while True:
        try:
            call: TaskCall | None = tasks.get(timeout=1.0)
        except queue.Empty:
            if os.getppid() != parent:  # orphaned (the service was killed): stop
                return
            continue
        if call is None:
            return
        last = [0.0]

        def progress(fraction: float, message: str | None = None, call=call, last=last) -> None:
            now = time.monotonic()
            if now - last[0] < 0.25 and fraction < 1.0:
                return
            last[0] = now
            events.put(("progress", name, call.job_id, call.task, float(fraction), message))

        with task_context(call.job_id, call.task):
            t0 = time.perf_counter()
            try:
                execute(call, runner, artifacts, progress)
            except Exception as exc:  # one failed task must not stop the worker
                wlog.warning("task failed: %s", _one_line(exc), exc_info=retryable(exc))
                events.put(("failed", name, call, _one_line(exc), retryable(exc)))
            else:
                events.put(("done", name, call, time.perf_counter() - t0))


@dataclass
class _Worker:
    name: str
    device: bool
    process: mp.process.BaseProcess
    tasks: Any
    call: TaskCall | None = None
    #: stopped on purpose (its task was cancelled)
    stopped: bool = False


class LocalExecutor:
    """Runs the store's task graphs in worker processes. Implements `Executor`."""

    def __init__(self, store: JobStore, artifacts: ArtifactStore, runner: Any, *,
                 cpu_workers: int = 1, device_slots: int = 1, max_attempts: int = 2,
                 log_level: int = logging.INFO, requeue: bool = True, only_jobs: set[str] | None = None):
        self.store = store
        self.artifacts = artifacts
        self.factory = runner
        versions = load_factory(runner)().versions()
        self.scheduler = Scheduler(store, artifacts, versions, max_attempts=max_attempts, only_jobs=only_jobs)
        self.requeue = requeue
        self.cpu_workers = max(1, cpu_workers)
        self.device_slots = max(1, device_slots)
        self.log_level = log_level
        self._ctx = mp.get_context("spawn")
        self._events = self._ctx.Queue()
        self._logs = self._ctx.Queue()
        self._workers: list[_Worker] = []
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._serial = 0
        self._owner = owner_tag("local")

    # ------------------------------------------------------------------ Executor
    def start(self) -> None:
        requeued = self.store.requeue_interrupted() if self.requeue else 0
        if requeued:
            log.info("requeued %d task(s) left running by the previous run", requeued)
        for job_id in self.store.active_jobs():
            self.store.refresh_job(job_id)
        with self._lock:
            for _ in range(self.cpu_workers):
                self._workers.append(self._spawn(device=False))
            for _ in range(self.device_slots):
                self._workers.append(self._spawn(device=True))
        for target in (self._loop, self._log_loop):
            t = threading.Thread(target=target, name=f"polydub-{target.__name__.strip('_')}", daemon=True)
            t.start()
            self._threads.append(t)
        self.wake()

    def wake(self) -> None:
        self._wake.set()

    def adopt(self, job_id: str) -> None:
        """Run this job too, when opened to run only the jobs handed to it (`only_jobs`)."""
        if self.scheduler.only_jobs is not None:
            self.scheduler.only_jobs.add(job_id)
        dead = {t["worker"] for t in self.store.tasks(job_id)
                if t["state"] == "running" and left_by_dead_process(t["worker"])}
        self.store.requeue_tasks(job_id, dead)
        self.wake()

    def cancel(self, job_id: str, task: str | None = None) -> None:
        running = set(self.store.cancel(job_id, task))
        with self._lock:
            for w in self._workers:
                if w.call and w.call.job_id == job_id and w.call.task in running:
                    log.info("stopping worker %s", w.name, extra={"job_id": job_id, "task": w.call.task})
                    w.call = None  # so the reaper replaces it without failing the task
                    w.stopped = True
                    w.process.kill()
                    w.process.join(5)
        self.wake()

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            for w in self._workers:
                if w.call is None:
                    w.tasks.put(None)
            deadline = time.monotonic() + 5
            for w in self._workers:
                if w.call is not None:
                    w.process.kill()
                w.process.join(max(0.1, deadline - time.monotonic()))
                if w.process.is_alive():
                    w.process.kill()
                    w.process.join(1)
            self._workers.clear()
        for t in self._threads:
            t.join(5)
        self._threads.clear()

    # ------------------------------------------------------------------ introspection
    def status(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{"worker": w.name, "pool": "device" if w.device else "cpu", "pid": w.process.pid,
                     "alive": w.process.is_alive(),
                     "task": f"{w.call.job_id}/{w.call.task}" if w.call else None} for w in self._workers]

    # ------------------------------------------------------------------ internals
    def _spawn(self, device: bool) -> _Worker:
        self._serial += 1
        name = f"{'device' if device else 'cpu'}-{self._serial}"
        tasks = self._ctx.Queue()
        process = self._ctx.Process(
            target=_worker_main, name=f"polydub-{name}", daemon=True,
            args=(name, self.factory, str(self.artifacts.root), tasks, self._events, self._logs, self.log_level))
        process.start()
        return _Worker(name, device, process, tasks)

    def _loop(self) -> None:
        last_schedule = 0.0
        while not self._stopping.is_set():
            try:
                self._handle(self._events.get(timeout=0.1))
                while True:
                    self._handle(self._events.get_nowait())
            except queue.Empty:
                pass
            except Exception:  # the dispatcher must survive anything a bad record does
                log.exception("executor event failed")
            try:
                self._reap()
                if self._wake.is_set() or time.monotonic() - last_schedule > 1.0:
                    self._wake.clear()
                    last_schedule = time.monotonic()
                    self._schedule()
            except Exception:
                log.exception("scheduling failed")

    def _log_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                record = self._logs.get(timeout=0.2)
            except queue.Empty:
                continue
            except (EOFError, OSError):
                return
            logging.getLogger(record.name).handle(record)

    def _handle(self, event: tuple) -> None:
        kind, name = event[0], event[1]
        if kind == "progress":
            _, _, job_id, task, fraction, message = event
            self.scheduler.progress(job_id, task, fraction, message)
            return
        call: TaskCall = event[2]
        with self._lock:
            worker = next((w for w in self._workers if w.name == name), None)
            if worker is not None and worker.call is not None and worker.call.key == call.key:
                worker.call = None
        if kind == "done":
            self.scheduler.done(call, event[3])
        else:
            self.scheduler.failed(call, event[3], event[4])
        self._wake.set()

    def _reap(self) -> None:
        # Runs on the dispatcher thread only: PR_SET_PDEATHSIG fires when the *thread* that
        # started a child ends, so replacements must not be started from request threads.
        with self._lock:
            for i, w in enumerate(self._workers):
                if w.process.is_alive() or self._stopping.is_set():
                    continue
                if w.stopped:
                    log.info("replacing worker %s, stopped to cancel its task", w.name)
                else:
                    log.warning("worker %s died (exit code %s)", w.name, w.process.exitcode)
                if w.call is not None:
                    self.scheduler.failed(w.call, f"the worker process died (exit code {w.process.exitcode})", True)
                self._workers[i] = self._spawn(device=w.device)
                self._wake.set()

    def _schedule(self) -> None:
        with self._lock:
            idle = [w for w in self._workers if w.call is None and w.process.is_alive()]
            if not idle:
                return
            busy_keys = {w.call.key for w in self._workers if w.call is not None}
        for call in speech_first(self.scheduler.ready_calls()):
            if call.key in busy_keys:
                continue  # the same artifact is being made for another job; it will be a cache hit
            worker = next((w for w in idle if w.device == call.device), None)
            if worker is None and call.kind in SHARED_KINDS:
                worker = next((w for w in idle if w.device), None)
            if worker is None:
                continue
            if not self.scheduler.claim(call, f"{self._owner}:{worker.name}"):
                continue
            with self._lock:
                worker.call = call
                worker.tasks.put(call)
            idle.remove(worker)
            busy_keys.add(call.key)
            if not idle:
                return


def speech_first(calls: list[TaskCall]) -> list[TaskCall]:
    """Ready calls with each job's analyses after its other tasks (jobs keep their order).

    A render needs its language's speech and its presenter's analysis; the device pool can take
    analyses (`SHARED_KINDS`) but not speech, so the CPU pool starts the speech path first.
    """
    order = {job: i for i, job in reversed(list(enumerate(c.job_id for c in calls)))}
    return sorted(calls, key=lambda c: (order[c.job_id], c.kind in SHARED_KINDS))
