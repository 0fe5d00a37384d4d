"""RayExecutor on a local multi-node Ray cluster whose nodes declare fake GPUs.

The scheduling tests inject a cheap `StepRunner` (the same executor machinery, cheap work)
that records where each task ran; one module-scoped cluster serves every test, as Ray takes
many seconds to start on two cores. The node-loss test removes a node, so it runs last.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.waiting import wait_for

# Keep every node of the test cluster on loopback (read when ray is imported), no usage stats.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
pytest.importorskip("ray", reason="ray is not installed (the `ray` extra)")

from pipeline.jobs.artifacts import ArtifactStore  # noqa: E402
from pipeline.jobs.plan import KINDS, check_graph, plan  # noqa: E402
from pipeline.jobs.spec import JobSpec  # noqa: E402
from pipeline.jobs.store import JobStore  # noqa: E402

GPUS_PER_NODE = 2


class CheapRunner:
    """A StepRunner whose work is a short wait with progress reports. Each call appends one
    JSON line to `log_dir/calls.jsonl` saying where it ran; like the real engine, it keeps the
    analyses it made or read resident, and each render says whether it found one loaded."""

    def __init__(self, log_dir: str):
        self.log_dir = Path(log_dir)
        self.analyses: dict[str, str] = {}

    def versions(self):
        return {kind: "cheap-1" for kind in KINDS}

    def _seconds(self, kind: str) -> float:
        costs = json.loads((self.log_dir / "costs.json").read_text())
        return float(costs.get(kind, 0.02))

    def _record(self, call, **extra) -> None:
        import ray

        line = {"kind": call.kind, "task": call.task, "job": call.job_id, "pid": os.getpid(),
                "node": ray.get_runtime_context().get_node_id(),
                "gpus": [str(g) for g in ray.get_gpu_ids()], **extra}
        with open(self.log_dir / "calls.jsonl", "a") as f:
            f.write(json.dumps(line) + "\n")

    def run(self, call, out, progress):
        resident = None
        if call.kind == "render":
            analysis = Path(call.inputs["analysis"])
            resident = analysis.name in self.analyses
            self.analyses.setdefault(analysis.name, (analysis / "analysis.txt").read_text())
        seconds = self._seconds(call.kind)
        steps = max(1, int(seconds / 0.05))
        try:
            for i in range(steps):
                progress(i / steps, f"step {i + 1} of {steps}")
                time.sleep(seconds / steps)  # the cheap stand-in for real work
        except Exception as exc:
            self._record(call, outcome=type(exc).__name__)
            raise
        (out / ("analysis.txt" if call.kind == "analyse" else "out.txt")).write_text(call.task)
        if call.kind == "analyse":
            self.analyses[call.key] = call.task  # an engine keeps the analysis it made
        self._record(call, outcome="done", resident=resident)
        return {"steps": steps}


def calls(log_dir: Path, job_id: str) -> list[dict]:
    lines = (log_dir / "calls.jsonl").read_text().splitlines() if (log_dir / "calls.jsonl").exists() else []
    return [c for c in map(json.loads, lines) if c["job"] == job_id]


def set_costs(log_dir: Path, **costs: float) -> None:
    (log_dir / "costs.json").write_text(json.dumps(costs))


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory):
    """A head node without GPUs and two nodes with two fake GPUs each."""
    import ray
    from ray.cluster_utils import Cluster

    # Workers unpickle CheapRunner by value: the test module is not importable there.
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        cluster = Cluster(initialize_head=True, head_node_args={
            "num_cpus": 2, "num_gpus": 0, "include_dashboard": False})
        gpu_nodes = [cluster.add_node(num_cpus=3, num_gpus=GPUS_PER_NODE) for _ in range(2)]
        ray.init(address=cluster.address, namespace="polydub-test", log_to_driver=False)
        cluster.wait_for_nodes()
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"ray cannot start a local cluster here: {type(exc).__name__}: {exc}")
    yield cluster, gpu_nodes
    ray.shutdown()
    cluster.shutdown()


@pytest.fixture(scope="module")
def service(ray_cluster, tmp_path_factory):
    from pipeline.jobs.ray_executor import RayExecutor

    root = tmp_path_factory.mktemp("ray-service")
    log_dir = root / "calls"
    log_dir.mkdir()
    set_costs(log_dir)
    store = JobStore(root / "jobs.sqlite")
    artifacts = ArtifactStore(root / "artifacts")
    executor = RayExecutor(store, artifacts, _CheapFactory(str(log_dir)), address="auto", cpu_workers=2)
    executor.start()
    yield store, artifacts, executor, log_dir, root
    executor.stop()


class _CheapFactory:
    def __init__(self, log_dir: str):
        self.log_dir = log_dir

    def __call__(self) -> CheapRunner:
        return CheapRunner(self.log_dir)


def submit(store, artifacts, executor, root: Path, presenters: int, languages: tuple[str, ...], tag: str) -> str:
    keys = []
    for i in range(presenters):
        f = root / f"{tag}-presenter-{i}.mp4"
        f.write_bytes(f"{tag} presenter {i}".encode())
        keys.append(artifacts.put_file(f, f.name))
    spec = JobSpec(languages=languages, presenters=tuple(keys), text=f"Hello from {tag}.")
    tasks = plan(spec)
    check_graph(tasks)
    job_id = store.create_job(tag, "text", spec.to_dict(), tasks, languages=languages)
    executor.wake()
    return job_id


def finished(store, job_id: str) -> str | None:
    state = store.job(job_id)["state"]
    return state if state in ("done", "failed", "cancelled") else None


def _run_job(executor, store, artifacts, presenter: Path, timeout: float = 240.0) -> dict[str, Path]:
    """Run one tiny real job to the end; returns each done task's artifact folder."""
    key = artifacts.put_file(presenter, presenter.name)
    spec = JobSpec(languages=("pt",), presenters=(key,), text="Wear gloves.")
    job_id = store.create_job("e2e", "text", spec.to_dict(), plan(spec), languages=("pt",))
    executor.start()
    try:
        executor.wake()
        state = wait_for(lambda: finished(store, job_id), timeout, "the real job to finish")
    finally:
        executor.stop()
    tasks = store.tasks(job_id)
    assert state == "done", [(t["name"], t["error"]) for t in tasks if t["error"]]
    return {t["kind"]: artifacts.path(t["output"]) for t in tasks}


def _psnr(a, b) -> float:
    import numpy as np

    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


@pytest.mark.slow
def test_same_job_same_outputs_under_local_and_ray(ray_cluster, tmp_path):
    """The real runner (translation, speech, the lip-sync engine) under both executors."""
    from functools import partial

    import numpy as np

    from lipsync.media import iter_frames
    from pipeline.demo import make_demo_presenter
    from pipeline.jobs.local import LocalExecutor
    from pipeline.jobs.ray_executor import RayExecutor
    from pipeline.jobs.runner import PipelineRunner

    presenter = make_demo_presenter(tmp_path / "presenter.mp4", seconds=1.5, size=160)
    outputs = {}
    for name in ("local", "ray"):
        root = tmp_path / name
        store, artifacts = JobStore(root / "jobs.sqlite"), ArtifactStore(root / "artifacts")
        runner = partial(PipelineRunner, data_dir=str(root))
        executor = (LocalExecutor(store, artifacts, runner) if name == "local" else
                    RayExecutor(store, artifacts, runner, address="auto", engines=1, cpu_workers=1))
        outputs[name] = _run_job(executor, store, artifacts, presenter)
    local, ray_ = outputs["local"], outputs["ray"]

    text = [json.loads((o["translate"] / "translation.json").read_text())["sentences"] for o in (local, ray_)]
    assert text[0] == text[1] and text[0][0]["text"]
    audio = [np.load(o["speak"] / "speech.npz")["audio"] for o in (local, ray_)]
    assert audio[0].size > 0 and np.array_equal(audio[0], audio[1])
    frames = list(zip(iter_frames(local["render"] / "video.mp4"), iter_frames(ray_["render"] / "video.mp4")))
    assert len(frames) >= 25
    assert min(_psnr(a, b) for a, b in frames) >= 50.0
    # Negative control: the same measure tells a render from its unrendered source.
    source = list(iter_frames(presenter))
    assert min(_psnr(a, source[i % len(source)]) for i, (a, _) in enumerate(frames)) < 50.0


def test_renders_spread_one_engine_per_gpu_and_analysis_runs_once(service):
    store, artifacts, executor, log_dir, root = service
    set_costs(log_dir, render=1.0, analyse=0.2)
    job_id = submit(store, artifacts, executor, root, presenters=2, languages=("pt", "es", "de"), tag="spread")
    assert wait_for(lambda: finished(store, job_id), 90, "the job to finish") == "done"

    engines = [w for w in executor.workers() if w["pool"] == "engine"]
    assert len(engines) == 2 * GPUS_PER_NODE
    assert all(len(w["gpus"]) == 1 for w in engines)
    assert len({(w["node"], w["gpus"][0]) for w in engines}) == len(engines), "two engines share a GPU"
    assert len({w["node"] for w in engines}) == 2

    log = calls(log_dir, job_id)
    renders = [c for c in log if c["kind"] == "render"]
    assert len(renders) == 6
    assert all(len(c["gpus"]) == 1 for c in renders), "a render ran outside an engine actor"
    assert len({(c["node"], c["gpus"][0]) for c in renders}) >= 2, "renders were not spread over GPUs"
    assert all(not c["gpus"] for c in log if c["kind"] in ("translate", "speak", "pack", "source"))
    # One analysis per presenter, shared by the three languages (not 6).
    assert sum(c["kind"] == "analyse" for c in log) == 2
    assert sum(c["kind"] == "speak" for c in log) == 3
    # Engines keep what they loaded: some renders found the presenter's analysis resident, and
    # no engine process loaded the same analysis twice.
    assert any(c["resident"] for c in renders)
    loads = [(c["pid"], c["task"].split(":")[-1]) for c in renders if not c["resident"]]
    assert len(loads) == len(set(loads))
    # Progress flowed back from the workers to the job store on the driver.
    tasks = {t["name"]: t for t in store.tasks(job_id)}
    assert all(t["progress"] == 1 and t["state"] == "done" for t in tasks.values())
    assert all((t["message"] or "").startswith("step ") for t in tasks.values() if t["kind"] == "render")
    assert all(t["worker"].startswith("ray:engine-") for t in tasks.values() if t["kind"] == "render")


def test_same_job_again_is_all_cached(service):
    store, artifacts, executor, log_dir, root = service
    first = submit(store, artifacts, executor, root, presenters=1, languages=("pt",), tag="cache")
    assert wait_for(lambda: finished(store, first), 60, "the first job") == "done"
    again = submit(store, artifacts, executor, root, presenters=1, languages=("pt",), tag="cache")
    assert wait_for(lambda: finished(store, again), 60, "the repeated job") == "done"
    assert calls(log_dir, again) == []
    assert all(t["cached"] for t in store.tasks(again))
    # Negative control: the first run really ran its tasks.
    assert len(calls(log_dir, first)) == len(store.tasks(first))


def test_cancel_stops_running_ray_tasks(service):
    store, artifacts, executor, log_dir, root = service
    set_costs(log_dir, render=60.0)
    job_id = submit(store, artifacts, executor, root, presenters=2, languages=("pt",), tag="cancel")
    wait_for(lambda: sum(t["kind"] == "render" and t["state"] == "running" and t["progress"] > 0
                         for t in store.tasks(job_id)) == 2, 60, "both renders to report progress")
    executor.cancel(job_id)
    assert store.job(job_id)["state"] == "cancelled"
    # The running renders stop at their next progress report instead of running a minute.
    wait_for(lambda: len([c for c in calls(log_dir, job_id) if c["kind"] == "render"]) == 2, 30,
             "both renders to stop")
    stopped = [c for c in calls(log_dir, job_id) if c["kind"] == "render"]
    assert {c["outcome"] for c in stopped} == {"TaskCancelled"}
    wait_for(lambda: all(w["state"] != "busy" for w in executor.workers()), 30, "the engines to be free")
    assert all(t["state"] in ("done", "cancelled") for t in store.tasks(job_id))


def test_lost_node_tasks_finish_elsewhere(service, ray_cluster):
    cluster, gpu_nodes = ray_cluster
    store, artifacts, executor, log_dir, root = service
    set_costs(log_dir, render=3.0)
    job_id = submit(store, artifacts, executor, root, presenters=2, languages=("pt", "es"), tag="lost")
    victim = gpu_nodes[1]

    def running_on_victim():
        return [t["name"] for t in store.tasks(job_id)
                if t["kind"] == "render" and t["state"] == "running"
                and (t["worker"] or "").endswith("@" + victim.node_id[:8])]

    lost = wait_for(running_on_victim, 60, "a render to run on the node to remove")
    cluster.remove_node(victim)
    assert wait_for(lambda: finished(store, job_id), 120, "the job to finish after losing a node") == "done"
    tasks = {t["name"]: t for t in store.tasks(job_id)}
    for name in lost:
        assert tasks[name]["attempts"] == 2, f"{name} was not retried"
        assert not tasks[name]["worker"].endswith("@" + victim.node_id[:8])
    assert all(t["state"] == "done" and t["progress"] == 1 for t in tasks.values())
    survivors = {c["node"] for c in calls(log_dir, job_id) if c["kind"] == "render" and c["outcome"] == "done"}
    assert victim.node_id not in survivors
