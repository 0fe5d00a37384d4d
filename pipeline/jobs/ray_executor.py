"""`RayExecutor`: the job service's task graphs run on a Ray cluster.

Ray places and restarts the workers; the `Scheduler` (shared with the local executor) decides
keys, cache hits, retries and states; this module only connects the two:

- an engine pool of `StepWorker` actors, one per GPU (`num_gpus=1`), or one per configured slot
  on a CPU-only cluster, runs renders and presenter analyses with the lip-sync engine resident;
- a CPU pool of `StepWorker` actors runs everything else (source, translate, speak, narrate,
  pack), each kind of model loaded once per worker;
- every worker writes into the shared artifact store (a folder all nodes mount, or an fsspec
  URL through `RemoteArtifactStore`) under the same content hashes as the local executor;
- the job store stays on the driver: progress comes back through a `ProgressInbox` actor;
- a lost worker or node fails its tasks as retryable (bounded by `max_retries`); Ray restarts
  the actor (bounded by `max_restarts`) wherever resources remain, and the task runs again on
  any live worker; cancelling a job cancels its Ray tasks (`ray.cancel`, plus a flag a running
  task sees at its next progress report, as Ray cannot interrupt a running actor method).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pipeline.errors import JobError
from pipeline.jobs.artifacts import ArtifactStore
from pipeline.jobs.executor import Scheduler, StepRunner, TaskCall, retryable
from pipeline.jobs.store import JobStore

log = logging.getLogger(__name__)

#: Kinds run by the engine pool: they need the lip-sync engine's models.
ENGINE_KINDS = frozenset({"analyse", "render"})


def ray_available() -> str | None:
    """None when ray imports, else the reason it does not."""
    try:
        import ray  # noqa: F401
    except ImportError as exc:
        return f"ray is not installed ({exc}); install the `ray` extra: pip install 'polydub[ray]'"
    return None


def init_ray(address: str | None = None, *, num_cpus: int | None = None, num_gpus: int | None = None,
             namespace: str = "polydub") -> bool:
    """Connect to a cluster (`address`, or "auto" for the one this machine belongs to) or, with
    no address, start a private local instance: loopback only, no dashboard, no usage stats.
    Returns True when this call started Ray (so the caller shuts it down)."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    reason = ray_available()
    if reason:
        raise JobError(reason)
    import ray

    if ray.is_initialized():
        return False
    if address:
        try:
            ray.init(address=address, namespace=namespace, log_to_driver=False)
        except ConnectionError as exc:
            raise JobError(f"no Ray cluster answers at {address!r} ({exc}); start one with `ray start --head` "
                           "(then --ray-address auto on that machine), give its HOST:PORT, or leave "
                           "--ray-address out to start a private local Ray") from exc
    else:
        ray.init(num_cpus=num_cpus or os.cpu_count() or 1, num_gpus=num_gpus, include_dashboard=False,
                 namespace=namespace, log_to_driver=False, _node_ip_address="127.0.0.1")
    return True


@dataclass(frozen=True)
class RayOptions:
    """How `RayExecutor` sizes its pools and watches them."""

    #: a cluster ("auto": the one this machine belongs to, or HOST:PORT); None: a private local Ray
    address: str | None = None
    #: CPUs of a private local Ray (None: this machine's)
    num_cpus: int | None = None
    #: the engine pool: its workers (None: one per GPU; on a CPU-only cluster `device_slots`,
    #: else one), the CPUs Ray reserves for each, and the task kinds it runs
    engines: int | None = None
    device_slots: int | None = None
    engine_cpus: float = 1.0
    engine_kinds: frozenset[str] = ENGINE_KINDS
    #: CPU-pool workers (None: the cluster's CPUs left over by the engines)
    cpu_workers: int | None = None
    #: runs of a task after a lost worker, and restarts of a lost actor
    max_retries: int = 2
    max_restarts: int = 2
    #: seconds between looks at the job store and at Ray
    poll: float = 0.05

    def __post_init__(self) -> None:
        object.__setattr__(self, "engine_kinds", frozenset(self.engine_kinds))


@dataclass
class _Slot:
    """One worker actor as the driver sees it."""

    name: str
    pool: str
    handle: Any
    node: str = ""
    gpus: tuple[str, ...] = ()
    #: the probe (`info`) in flight while the actor starts or restarts; None once it answered
    probe: Any = None
    busy: bool = False
    dead: bool = False
    #: presenters (video input paths) this worker has analysed or rendered: renders prefer
    #: a worker that already holds the presenter's analysis
    seen: set[str] = field(default_factory=set)

    @property
    def idle(self) -> bool:
        return not (self.busy or self.dead or self.probe is not None)

    @property
    def label(self) -> str:
        return f"ray:{self.name}@{self.node[:8]}" if self.node else f"ray:{self.name}"


@dataclass
class _Flight:
    call: TaskCall
    slot: _Slot
    token: str
    ref: Any


class RayExecutor:
    """Runs the task graphs held in a `JobStore` on a Ray cluster (implements `Executor`).

    `runner_factory()` builds the `StepRunner` inside each worker (it must be picklable: a
    class, a module-level function or a partial of one; or "module:attribute"). `artifacts`
    must be reachable from every node: a shared folder at the same path on all of them, or a
    `RemoteArtifactStore`. `engines` defaults to one per GPU in the cluster (`device_slots`,
    else one, when it has none), `cpu_workers` to the cluster's CPUs left over.
    """

    def __init__(self, store: JobStore, artifacts: ArtifactStore, runner_factory: Callable[[], StepRunner] | str,
                 options: RayOptions | None = None, *, max_attempts: int | None = None,
                 versions: Mapping[str, str] | None = None, **fields: Any):
        """`options` (default `RayOptions()`), with any of its fields given as keywords winning
        (`address="auto", cpu_workers=2`); `max_attempts`, the service's setting (tries per
        task, the first included), sets `max_retries`."""
        from pipeline.jobs.local import load_factory

        if max_attempts is not None:
            fields["max_retries"] = max(0, max_attempts - 1)
        self.options = replace(options or RayOptions(), **fields)
        self.store = store
        self.artifacts = artifacts
        self.runner_factory = load_factory(runner_factory)
        self.scheduler = Scheduler(store, artifacts, versions or self.runner_factory().versions(),
                                   max_attempts=self.options.max_retries + 1)
        self.slots: list[_Slot] = []
        self._flights: dict[Any, _Flight] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._owns_ray = False
        self._inbox = None

    # ------------------------------------------------------------------ Executor protocol
    def start(self) -> None:
        import ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        from pipeline.jobs.ray_actors import ProgressInbox, StepWorker

        self._owns_ray = init_ray(self.options.address, num_cpus=self.options.num_cpus)
        requeued = self.store.requeue_interrupted()
        if requeued:
            log.info("requeued %d interrupted task(s)", requeued)
        for job_id in self.store.active_jobs():
            self.store.refresh_job(job_id)
        here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=True)
        self._inbox = ray.remote(ProgressInbox).options(num_cpus=0, scheduling_strategy=here).remote()
        worker_cls = ray.remote(concurrency_groups={"control": 1})(StepWorker)
        common = {"max_restarts": self.options.max_restarts, "max_task_retries": 0}
        resources = ray.cluster_resources()
        gpus = int(resources.get("GPU", 0))
        cpus = int(resources.get("CPU", 1))
        if gpus:
            n_engines = self.options.engines or gpus
            engine_opts = {"num_gpus": 1, "num_cpus": self.options.engine_cpus}
        else:
            n_engines = self.options.engines or self.options.device_slots or 1
            engine_opts = {"num_cpus": self.options.engine_cpus}
        n_cpu = self.options.cpu_workers or max(1, cpus - int(self.options.engine_cpus * n_engines))
        for pool, count, opts in (("engine", n_engines, engine_opts), ("cpu", n_cpu, {"num_cpus": 1})):
            for i in range(count):
                handle = worker_cls.options(**common, **opts).remote(self.runner_factory, self.artifacts, pool)
                slot = _Slot(f"{pool}-{i}", pool, handle)
                slot.probe = handle.info.remote()
                self.slots.append(slot)
        log.info("ray executor: %d engine worker(s) (%s), %d CPU worker(s)", n_engines,
                 "one per GPU" if gpus else "CPU slots", n_cpu)
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="ray-executor", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def cancel(self, job_id: str, task: str | None = None) -> None:
        import ray

        self.store.cancel(job_id, task)
        with self._lock:
            flights = [f for f in self._flights.values()
                       if f.call.job_id == job_id and (task is None or f.call.task == task)]
        for f in flights:
            f.slot.handle.cancel.remote(f.token)
            ray.cancel(f.ref)
            log.info("cancelled on %s", f.slot.label, extra={"job_id": job_id, "task": f.call.task})
        self._wake.set()

    def stop(self) -> None:
        import ray

        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        if ray.is_initialized():
            for slot in self.slots:
                ray.kill(slot.handle, no_restart=True)
            if self._inbox is not None:
                ray.kill(self._inbox)
        self.slots.clear()
        self._flights.clear()
        if self._owns_ray:
            ray.shutdown()
            self._owns_ray = False

    # ------------------------------------------------------------------ introspection
    def workers(self) -> list[dict[str, Any]]:
        """Each worker: name, pool, node, GPUs, state (for status pages and tests)."""
        return [{"name": s.name, "pool": s.pool, "node": s.node, "gpus": list(s.gpus),
                 "state": "dead" if s.dead else "starting" if s.probe is not None else
                 "busy" if s.busy else "idle"} for s in self.slots]

    # ------------------------------------------------------------------ the driver loop
    def _loop(self) -> None:
        import ray

        next_scan = next_drain = 0.0
        while not self._stop.is_set():
            try:
                now = time.monotonic()
                if now >= next_drain:
                    self._drain_progress()
                    next_drain = now + 0.25
                if self._wake.is_set() or now >= next_scan:
                    self._wake.clear()
                    self._dispatch()
                    next_scan = now + 1.0
                waiting = [f.ref for f in self._flights.values()] + [s.probe for s in self.slots if s.probe]
                if not waiting:
                    self._wake.wait(self.options.poll * 4)
                    continue
                done, _ = ray.wait(waiting, num_returns=1, timeout=self.options.poll, fetch_local=False)
                if done:
                    done, _ = ray.wait(waiting, num_returns=len(waiting), timeout=0, fetch_local=False)
                for ref in done:
                    self._finished(ref)
            except Exception:  # the loop must outlive any one bad answer
                log.exception("ray executor loop")
                self._stop.wait(self.options.poll * 10)
        self._drain_progress()

    def _drain_progress(self) -> None:
        import ray

        if self._inbox is None:
            return
        try:
            updates = ray.get(self._inbox.drain.remote(), timeout=10)
        except ray.exceptions.GetTimeoutError:
            return  # a busy head node: the progress waits for the next drain
        except ray.exceptions.RayActorError as exc:  # the inbox died: progress resumes with a new one
            log.warning("progress inbox lost (%s); making a new one", exc)
            from pipeline.jobs.ray_actors import ProgressInbox

            self._inbox = ray.remote(ProgressInbox).options(num_cpus=0).remote()
            return
        for job_id, task, fraction, message in updates:
            self.scheduler.progress(job_id, task, fraction, message)

    def _dispatch(self) -> None:
        running = {(f.call.job_id, f.call.task) for f in self._flights.values()}
        for call in self.scheduler.ready_calls():
            if (call.job_id, call.task) in running:
                continue
            slot = self._pick(call)
            if slot is None:
                continue
            if not self.scheduler.claim(call, slot.label):
                continue
            token = uuid.uuid4().hex
            ref = slot.handle.run.remote(call, token, self._inbox)
            slot.busy = True
            video = call.inputs.get("video")
            if video:
                slot.seen.add(video)
            with self._lock:
                self._flights[ref] = _Flight(call, slot, token, ref)

    def _pick(self, call: TaskCall) -> _Slot | None:
        """An idle worker of the call's pool; for a presenter, one that already holds it."""
        pool = "engine" if call.kind in self.options.engine_kinds else "cpu"
        idle = [s for s in self.slots if s.pool == pool and s.idle]
        if not idle:
            return None
        video = call.inputs.get("video")
        warm = [s for s in idle if video and video in s.seen]
        return (warm or idle)[0]

    def _finished(self, ref: Any) -> None:
        import ray
        from ray.exceptions import RayActorError, RayTaskError, TaskCancelledError

        for slot in self.slots:
            if slot.probe is not None and slot.probe == ref:
                self._probed(slot)
                return
        with self._lock:
            flight = self._flights.pop(ref, None)
        if flight is None:
            return
        call, slot = flight.call, flight.slot
        slot.busy = False
        self._wake.set()
        try:
            result = ray.get(ref)
        except TaskCancelledError:
            self.scheduler.failed(call, "cancelled", can_retry=False)
        except RayTaskError as exc:
            cause = exc.cause if exc.cause is not None else exc
            self.scheduler.failed(call, str(cause) or type(cause).__name__, can_retry=retryable(cause))
        except (RayActorError, ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError,
                ray.exceptions.ObjectLostError) as exc:
            # The worker or its node is gone: retry the task on any live worker while Ray
            # restarts this one wherever resources remain.
            reason = " ".join(str(exc).split())[:300]
            log.warning("worker %s lost: %s", slot.label, reason,
                        extra={"job_id": call.job_id, "task": call.task})
            self.scheduler.failed(call, f"worker {slot.label} was lost ({type(exc).__name__}); retrying elsewhere",
                                  can_retry=True)
            slot.seen.clear()
            slot.probe = slot.handle.info.remote()
        else:
            if result.get("node"):
                slot.node = result["node"]
            self.scheduler.done(call, float(result.get("seconds", 0.0)))

    def _probed(self, slot: _Slot) -> None:
        import ray

        ref, slot.probe = slot.probe, None
        try:
            info = ray.get(ref)
        except Exception as exc:  # restarts exhausted: the slot is gone for good
            slot.dead = True
            log.warning("worker %s is gone (%s)", slot.label, type(exc).__name__)
            if not any(s.pool == slot.pool and not s.dead for s in self.slots):
                log.error("no %s worker is left; its tasks wait until the executor restarts", slot.pool)
            return
        slot.node = info["node"]
        slot.gpus = tuple(info["gpus"])
        self._wake.set()
