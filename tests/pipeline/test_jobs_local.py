"""The local executor's worker processes, on cheap steps."""

from __future__ import annotations

from collections import Counter

import pytest
from tests.helpers.media import flat_videos
from tests.helpers.runners import runs
from tests.helpers.waiting import wait_for

from pipeline.jobs import ArtifactStore, JobSpec, JobStore
from pipeline.jobs.local import LocalExecutor
from pipeline.jobs.service import JobService

RUNNER = "tests.helpers.runners:CountingRunner"


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    return flat_videos(tmp_path_factory.mktemp("videos"), 2, shade_step=60, name="p{k}.mp4")


@pytest.fixture
def service(tmp_path, monkeypatch):
    monkeypatch.setenv("POLYDUB_FAKE_DIR", str(tmp_path))
    store = JobStore(tmp_path / "jobs.sqlite")
    artifacts = ArtifactStore(tmp_path / "artifacts")
    executor = LocalExecutor(store, artifacts, RUNNER, cpu_workers=1, device_slots=1)
    svc = JobService(store, artifacts, executor, data_dir=tmp_path, min_free_bytes=0, allow_paths=True)
    executor.start()
    yield svc
    executor.stop()


@pytest.mark.slow
def test_workers_run_a_job_keep_state_and_cancel(service, videos, tmp_path):
    spec = JobSpec.from_dict({"text": "One. Two.", "languages": ["pt", "es"], "presenters": [str(v) for v in videos]})
    job = service.submit(spec)
    wait_for(lambda: service.store.job(job)["state"] == "done", what="job done")
    log = [line.split("\t") for line in (tmp_path / "runs.log").read_text().splitlines()]
    kinds = Counter(row[0] for row in log)
    assert kinds == {"analyse": 2, "source": 1, "translate": 2, "speak": 2, "render": 4, "pack": 2}
    # Renders ran in one device worker process, which stayed alive between tasks; the speech
    # path ran in the CPU worker, which started on it while the idle device worker took an analysis.
    render_pids = {row[3] for row in log if row[0] == "render"}
    speech_pids = {row[3] for row in log if row[0] in ("source", "translate", "speak", "pack")}
    assert len(render_pids) == 1 and len(speech_pids) == 1 and render_pids != speech_pids
    assert render_pids & {row[3] for row in log if row[0] == "analyse"}
    snap = service.snapshot(job)
    assert snap["percent"] == 100.0 and all(t["state"] == "done" for t in snap["tasks"])

    # Cancel in the middle of a render: the worker is replaced, the job ends cancelled.
    (tmp_path / "hold-render").touch()
    job2 = service.submit(JobSpec.from_dict({**spec.to_dict(), "text": "Three.", "languages": ["de"]}))
    wait_for(lambda: any(t["state"] == "running" and t["kind"] == "render" for t in service.store.tasks(job2)),
             what="render running")
    service.cancel(job2)
    (tmp_path / "hold-render").unlink()
    assert service.store.job(job2)["state"] == "cancelled"
    assert all(t["state"] in ("done", "cancelled") for t in service.store.tasks(job2))
    # The stopped worker is replaced; all are idle again.
    wait_for(lambda: all(w["alive"] and w["task"] is None for w in service.executor.status())
             and len(service.executor.status()) == 2, what="workers replaced")

    # Retry the cancelled job: it finishes, earlier work reused.
    service.retry(job2)
    wait_for(lambda: service.store.job(job2)["state"] == "done", what="retried job done")
    assert Counter(k for k, _ in runs(tmp_path))["analyse"] == 2


@pytest.mark.slow
def test_a_crashed_worker_is_replaced_and_its_task_retried(service, videos, tmp_path):
    (tmp_path / "crash-render").touch()
    job = service.submit(JobSpec.from_dict({"text": "Crash.", "languages": ["pt"], "presenters": [str(videos[0])]}))
    wait_for(lambda: service.store.job(job)["state"] in ("done", "failed"), what="job settles")
    render = next(t for t in service.store.tasks(job) if t["kind"] == "render")
    assert service.store.job(job)["state"] == "done" and render["attempts"] == 2
    pids = [line.split("\t")[3] for line in (tmp_path / "runs.log").read_text().splitlines()
            if line.startswith("render")]
    assert len(pids) == 2 and pids[0] != pids[1]  # the second try ran in a new worker process


def test_a_worker_whose_process_is_gone_is_told_apart():
    import os
    import socket
    import subprocess

    from pipeline.jobs.local import left_by_dead_process, owner_tag

    gone = subprocess.Popen(["true"])
    gone.wait()
    host = socket.gethostname()
    assert left_by_dead_process(f"local:{host}:{gone.pid}:cpu-1")
    assert left_by_dead_process(f"inline:{host}:{gone.pid}")
    assert not left_by_dead_process(f"local:{host}:{os.getppid()}:cpu-1")  # alive
    assert not left_by_dead_process(f"inline:elsewhere:{gone.pid}")  # another host: cannot tell
    assert not left_by_dead_process("ray:engine-0@ab12cd34") and not left_by_dead_process(None)
    assert owner_tag("local") == f"local:{host}:{os.getpid()}"


def test_speech_first_keeps_jobs_in_order_and_puts_analyses_last():
    from pipeline.jobs.executor import TaskCall
    from pipeline.jobs.local import speech_first

    def call(job, kind):
        return TaskCall(job_id=job, task=f"{kind}:{job}", kind=kind, key=f"{job}{kind}", inputs={})

    calls = [call("a", "analyse"), call("a", "source"), call("b", "analyse"), call("b", "speak"), call("a", "pack")]
    assert [(c.job_id, c.kind) for c in speech_first(calls)] == [
        ("a", "source"), ("a", "pack"), ("a", "analyse"), ("b", "speak"), ("b", "analyse")]
