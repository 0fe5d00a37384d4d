"""Benchmark of the Ray executor against the local one, on this one machine.

The same batch (4 presenters x 3 languages by default: en, pt from the bundled model, es from
a provided table) runs twice on the real steps, once per executor, each with the same
capacity: one CPU worker and one render slot, analyses on the CPU worker. Each run has its own
data folder, so neither reuses the other's artifacts. Printed:

- start-up (the local worker processes; Ray: a private local instance plus its actors),
- a first small job (1 presenter, 1 language): starts the workers and loads the models,
- batch wall time from submit to done, and the ratio Ray / local,
- per kind of task: count, mean and first run seconds inside the worker (what the work costs),
  and the same kind's time in the first small job, with its models still to load ("cold"),
- per task, the executor's own overhead: claim-to-done time on the driver minus the time
  inside the worker (queueing excluded: one task per worker at a time).

Then the same batch on a cheap runner (no models), where only the executors' costs remain.

With --json PATH the figures are written for `bench/simulate_cluster.py --costs PATH`.

Run: .venv/bin/python bench/bench_ray.py [--presenters 4] [--seconds 2] [--json costs.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_service import SCRIPT, SPANISH, wait_done  # noqa: E402  (the same batch as the service bench)

LANGUAGES = ("en", "pt", "es")


def real_runner(data_dir: str, table: str):
    """The real runner, whose translator also reads the provided Spanish table."""
    import translate

    from pipeline import steps
    from pipeline.jobs.runner import PipelineRunner

    toolkit = steps.Toolkit(cache_dir=Path(data_dir) / "cache",
                            translator=translate.Translator(models={"en-es": Path(table)}))
    return PipelineRunner(data_dir, toolkit=toolkit)


def cheap_runner(data_dir: str, table: str):
    from tests.helpers.runners import CountingRunner  # the tests' cheap runner (ROOT is on sys.path)

    return CountingRunner(data_dir)


def run_batch(kind: str, runner_fn, presenters: list[Path], data: Path, table: Path) -> dict:
    from pipeline.jobs import ArtifactStore, JobSpec, JobStore, plan

    store, artifacts = JobStore(data / "jobs.sqlite"), ArtifactStore(data / "artifacts")
    runner = partial(runner_fn, str(data), str(table))
    t0 = time.perf_counter()
    if kind == "local":
        from pipeline.jobs.local import LocalExecutor

        executor = LocalExecutor(store, artifacts, runner, cpu_workers=1, device_slots=1)
        executor.start()
    else:
        from pipeline.jobs.ray_executor import RayExecutor

        executor = RayExecutor(store, artifacts, runner, num_cpus=2, engines=1, cpu_workers=1,
                               engine_kinds=("render",))
        executor.start()
        while any(w["state"] == "starting" for w in executor.workers()):
            time.sleep(0.05)
    startup = time.perf_counter() - t0
    try:
        # A first small job (its own script, the first presenter, one language) starts the
        # workers and loads their models; the batch after it measures steady work.
        t0 = time.perf_counter()
        first = JobSpec(languages=("pt",), presenters=(artifacts.put_file(presenters[0], "first.mp4"),),
                        text="Switch off the machine first.")
        job = store.create_job("first", "text", first.to_dict(), plan(first), languages=("pt",))
        executor.wake()
        wait_done(store, job, 3600.0, poll=0.05)
        first_wall = time.perf_counter() - t0
        cold = {t["kind"]: t["seconds"] or 0.0 for t in store.tasks(job) if not t["cached"]}
        keys = [artifacts.put_file(p, p.name) for p in presenters]
        spec = JobSpec(languages=LANGUAGES, presenters=tuple(keys), text=SCRIPT)
        t0 = time.perf_counter()
        job = store.create_job("bench", "text", spec.to_dict(), plan(spec), languages=LANGUAGES)
        executor.wake()
        state = wait_done(store, job, 3600.0, poll=0.05)
        wall = time.perf_counter() - t0
        tasks = store.tasks(job)
    finally:
        executor.stop()
    failed = [f"{t['name']}: {t['error']}" for t in tasks if t["state"] == "failed"]
    if failed:
        print("failed:", *failed, sep="\n  ")
    per_kind: dict[str, list[float]] = defaultdict(list)
    overhead = []
    for t in sorted(tasks, key=lambda t: t["started"] or 0):
        if t["state"] == "done" and not t["cached"]:
            per_kind[t["kind"]].append(t["seconds"] or 0.0)
            overhead.append((t["finished"] - t["started"]) - (t["seconds"] or 0.0))
    return {"state": state, "startup_s": startup, "first_job_s": first_wall, "wall_s": wall, "tasks": len(tasks),
            "kinds": {k: {"count": len(v), "mean_s": statistics.fmean(v), "first_s": v[0], "cold_s": cold.get(k),
                          "rest_mean_s": statistics.fmean(v[1:]) if len(v) > 1 else v[0]}
                      for k, v in per_kind.items()},
            "overhead_mean_s": statistics.fmean(overhead), "overhead_max_s": max(overhead)}


def show(title: str, local: dict, ray: dict) -> None:
    print(f"\n{title}")
    print(f"{'':<28} {'local':>10} {'ray':>10}")
    print(f"{'state':<28} {local['state']:>10} {ray['state']:>10}")
    print(f"{'start-up s':<28} {local['startup_s']:>10.2f} {ray['startup_s']:>10.2f}")
    print(f"{'first small job s (cold)':<28} {local['first_job_s']:>10.2f} {ray['first_job_s']:>10.2f}")
    print(f"{'batch wall s':<28} {local['wall_s']:>10.2f} {ray['wall_s']:>10.2f}   "
          f"ray/local {ray['wall_s'] / local['wall_s']:.3f}")
    print(f"{'executor overhead/task s':<28} {local['overhead_mean_s']:>10.4f} {ray['overhead_mean_s']:>10.4f}"
          f"   (max {local['overhead_max_s']:.3f} / {ray['overhead_max_s']:.3f})")
    print(f"{'task kind':<10} {'n':>3} {'local mean s':>12} {'ray mean s':>10} {'ray first':>10} {'ray rest':>9}"
          f" {'ray cold':>9}")
    for kind in ("source", "translate", "speak", "analyse", "render", "pack"):
        if kind in ray["kinds"]:
            r, lo = ray["kinds"][kind], local["kinds"].get(kind, {"mean_s": float("nan")})
            print(f"{kind:<10} {r['count']:>3} {lo['mean_s']:>12.3f} {r['mean_s']:>10.3f} "
                  f"{r['first_s']:>10.3f} {r['rest_mean_s']:>9.3f} {r['cold_s'] or 0.0:>9.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presenters", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=2.0, help="length of each demo presenter")
    parser.add_argument("--size", type=int, default=240, help="presenter width and height")
    parser.add_argument("--skip-real", action="store_true", help="only the cheap-runner comparison")
    parser.add_argument("--json", type=Path, help="write the measured costs here for simulate_cluster.py")
    args = parser.parse_args()
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

    from pipeline.demo import make_demo_presenter

    results = {"batch": {"presenters": args.presenters, "languages": list(LANGUAGES),
                         "presenter_seconds": args.seconds, "size": args.size}}
    with tempfile.TemporaryDirectory(prefix="polydub-bench-ray-") as tmp:
        tmp = Path(tmp)
        table = tmp / "en-es.json"
        table.write_text(json.dumps({"source": "en", "target": "es", "translations": SPANISH}))
        presenters = [make_demo_presenter(tmp / f"presenter{i}.mp4", seconds=args.seconds + 0.1 * i,
                                          size=args.size) for i in range(args.presenters)]
        label = f"{args.presenters} presenters x {len(LANGUAGES)} languages"
        for name, fn in (("cheap", cheap_runner), ("real", real_runner)):
            if name == "real" and args.skip_real:
                continue
            runs = {}
            for kind in ("local", "ray"):
                data = tmp / f"{name}-{kind}"
                data.mkdir()
                runs[kind] = run_batch(kind, fn, presenters, data, table)
            show(f"{label}, {name} runner (1 CPU worker + 1 render slot each)", runs["local"], runs["ray"])
            results[name] = runs
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
