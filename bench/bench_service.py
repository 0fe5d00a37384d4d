"""Benchmark of the job service.

1. A 3 presenters x 3 languages job on the real steps (the local executor with its worker
   processes, tiny demo presenters): wall time, and how many times each kind of task really
   ran, against how many a naive per-(language, presenter) pipeline would run. Then the same
   job again: everything is reused.
2. API latency under 20 concurrent clients (loopback only, bounded loops): job creation
   (POST /jobs) and status (GET /jobs/{id}), on a real uvicorn server with cheap steps so the
   figures are the service's own cost.

Run: .venv/bin/python bench/bench_service.py [--skip-real] [--clients 20] [--rounds 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCRIPT = "# Nozzle\n\nClean the nozzle at the end of every shift.\n\nWear gloves before you start."
#: English to Spanish comes from a person's own translations (the bundled models are en<->pt only).
SPANISH = {"Nozzle": "Boquilla", "Clean the nozzle at the end of every shift.":
           "Limpie la boquilla al final de cada turno.", "Wear gloves before you start.":
           "Use guantes antes de empezar."}


def bench_runner(data_dir: str, table: str):
    """The real runner, whose translator also reads the provided Spanish table."""
    import translate

    from pipeline import steps
    from pipeline.jobs.runner import PipelineRunner

    toolkit = steps.Toolkit(cache_dir=Path(data_dir) / "cache",
                            translator=translate.Translator(models={"en-es": Path(table)}))
    return PipelineRunner(data_dir, toolkit=toolkit)


def wait_done(store, job_id: str, timeout: float = 1800.0, poll: float = 0.2) -> str:
    """The job's final state, polling the store every `poll` seconds (the benches share this)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = store.job(job_id)["state"]
        if state in ("done", "failed", "cancelled"):
            return state
        time.sleep(poll)
    raise TimeoutError(f"job {job_id} still running after {timeout:.0f} s")


def real_batch() -> None:
    from functools import partial

    from pipeline.demo import make_demo_presenter
    from pipeline.jobs import ArtifactStore, JobSpec, JobStore
    from pipeline.jobs.local import LocalExecutor
    from pipeline.jobs.service import JobService

    with tempfile.TemporaryDirectory(prefix="polydub-bench-") as tmp:
        data = Path(tmp)
        table = data / "en-es.json"
        table.write_text(json.dumps({"source": "en", "target": "es", "translations": SPANISH}))
        presenters = [make_demo_presenter(data / f"presenter{i}.mp4", seconds=1.6 + 0.2 * i, size=240)
                      for i in range(3)]
        store, artifacts = JobStore(data / "jobs.sqlite"), ArtifactStore(data / "artifacts")
        executor = LocalExecutor(store, artifacts, partial(bench_runner, str(data), str(table)),
                                 cpu_workers=1, device_slots=1)
        service = JobService(store, artifacts, executor, data_dir=data, min_free_bytes=0, allow_paths=True)
        executor.start()
        try:
            spec = JobSpec.from_dict({"text": SCRIPT, "languages": ["en", "pt", "es"],
                                      "presenters": [str(p) for p in presenters]})
            t0 = time.perf_counter()
            job = service.submit(spec)
            state = wait_done(store, job)
            wall = time.perf_counter() - t0
            tasks = store.tasks(job)
            ran = Counter(t["kind"] for t in tasks if t["state"] == "done" and not t["cached"])
            seconds = defaultdict(float)
            for t in tasks:
                seconds[t["kind"]] += t["seconds"] or 0.0
            print(f"3 presenters x 3 languages on the real steps: {state} in {wall:.1f} s wall "
                  f"(1 CPU worker + 1 render slot, 240x240 presenters of 1.6-2.0 s)")
            print(f"{'task kind':<10} {'ran':>4} {'naive':>6} {'busy s':>8}")
            naive = {"analyse": 9, "speak": 9, "translate": 9, "render": 9, "pack": 3, "source": 9}
            for kind in ("source", "translate", "speak", "analyse", "render", "pack"):
                print(f"{kind:<10} {ran[kind]:>4} {naive[kind]:>6} {seconds[kind]:>8.1f}")
            failed = [f"{t['name']}: {t['error']}" for t in tasks if t["state"] == "failed"]
            if failed:
                print("failed:", *failed, sep="\n  ")
            assert ran["analyse"] == 3 and ran["speak"] == 3, "presenter analysis and speech must run once each"

            t0 = time.perf_counter()
            again = service.submit(spec)
            wait_done(store, again)
            rerun = time.perf_counter() - t0
            reran = sum(1 for t in store.tasks(again) if not t["cached"])
            print(f"same job again: {rerun:.2f} s wall, {reran} task(s) ran, "
                  f"{len(store.tasks(again)) - reran} reused  (ratio {wall / max(rerun, 1e-9):.0f}x)")
        finally:
            executor.stop()


def api_latency(clients: int, rounds: int) -> None:
    import httpx

    from tests.helpers.service import Server

    from pipeline.demo import make_demo_presenter

    with tempfile.TemporaryDirectory(prefix="polydub-bench-api-") as tmp:
        data = Path(tmp)
        video = make_demo_presenter(data / "p.mp4", seconds=0.4, size=64)
        server = Server(data).start()
        try:
            with httpx.Client(base_url=server.url, timeout=60) as c:
                pid = c.post("/presenters", data={"consent_by": "bench", "consent": "true"},
                             files=[("files", ("p.mp4", video.read_bytes(), "video/mp4"))]).json()["presenters"][0]["id"]
            create: list[float] = []
            status: list[float] = []
            errors: list[str] = []
            lock = threading.Lock()
            barrier = threading.Barrier(clients)

            def client(n: int) -> None:
                with httpx.Client(base_url=server.url, timeout=60) as c:
                    barrier.wait()
                    for i in range(rounds):
                        t0 = time.perf_counter()
                        r = c.post("/jobs", json={"text": f"Client {n} round {i}. Clean the nozzle.",
                                                  "languages": ["pt"], "presenters": [pid]})
                        t1 = time.perf_counter()
                        if r.status_code != 201:
                            errors.append(r.text)
                            continue
                        s = c.get(f"/jobs/{r.json()['id']}")
                        t2 = time.perf_counter()
                        if s.status_code != 200:
                            errors.append(s.text)
                        with lock:
                            create.append(t1 - t0)
                            status.append(t2 - t1)

            threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - t0
        finally:
            server.stop()

    def row(name: str, xs: list[float]) -> str:
        xs = sorted(xs)
        p95 = xs[min(len(xs) - 1, int(0.95 * len(xs)))]
        return (f"{name:<22} n={len(xs):<4} p50 {1000 * statistics.median(xs):7.1f} ms   "
                f"p95 {1000 * p95:7.1f} ms   max {1000 * xs[-1]:7.1f} ms")

    print(f"\nAPI latency, {clients} concurrent clients x {rounds} rounds on loopback "
          f"(uvicorn, cheap steps running meanwhile): {wall:.1f} s, {len(errors)} error(s)")
    print(row("POST /jobs (create)", create))
    print(row("GET /jobs/{id} (status)", status))
    print(f"throughput: {2 * len(create) / wall:.0f} requests/s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-real", action="store_true", help="only the API latency part")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    if not args.skip_real:
        real_batch()
    api_latency(min(args.clients, 64), min(args.rounds, 100))
    return 0


if __name__ == "__main__":
    sys.exit(main())
