"""Simulated batch time of the Ray executor on 1, 8 and 64 GPU workers.

A small discrete-event simulation of the executor's own policy on the job's real task graph
(`pipeline.jobs.plan.plan`), from costs measured by `bench/bench_ray.py`:

- the engine pool has one worker per GPU and runs renders and presenter analyses; the CPU pool
  (`--cpu-per-gpu` workers per GPU) runs source, translation, speech and packs;
- each task occupies its worker for its measured mean cost plus the executor's measured
  per-task overhead; the first task of a kind on a worker also pays that kind's model load
  (measured: its run in a cold first job minus its steady mean);
- the driver dispatches one task at a time (each dispatch costs the per-task overhead measured
  on the cheap runner, where the work itself is nil), ready tasks in plan order, like
  `RayExecutor._dispatch`;
- `--scale N` multiplies render and analysis costs by N (longer narrations and presenters:
  the benchmark's clips are about 2 s, N=30 is about a minute).

GPU speed is not measured here (no GPU on this machine): renders cost what one CPU engine
slot took, so the table shows how the batch spreads, not how fast a GPU renders.

Run: .venv/bin/python bench/simulate_cluster.py [--costs costs.json] [--presenters 100 --languages 12]
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ENGINE_KINDS = frozenset({"analyse", "render"})

#: Measured here by `bench/bench_ray.py --json` (4 presenters x 3 languages, 2.0-2.3 s demo
#: presenters at 240x240, real runner, Ray executor with 1 render slot + 1 CPU worker, on the
#: shared 2-core machine, 2026-11-22); used when no --costs file is given.
MEASURED = {
    "kinds": {
        "source": {"mean_s": 0.002, "first_s": 0.002, "rest_mean_s": 0.002, "cold_s": 0.001},
        "translate": {"mean_s": 0.020, "first_s": 0.003, "rest_mean_s": 0.029, "cold_s": 0.384},
        "speak": {"mean_s": 4.370, "first_s": 1.948, "rest_mean_s": 5.582, "cold_s": 4.270},
        "analyse": {"mean_s": 0.877, "first_s": 0.858, "rest_mean_s": 0.887, "cold_s": 2.325},
        "render": {"mean_s": 2.148, "first_s": 2.951, "rest_mean_s": 2.076, "cold_s": 1.270},
        "pack": {"mean_s": 0.025, "first_s": 0.023, "rest_mean_s": 0.027, "cold_s": 0.020},
    },
    "overhead_s": 0.0040,
    "dispatch_s": 0.0051,
    "measured_wall_s": 30.5,
}


def load_costs(path: Path | None) -> dict:
    if path is None:
        return MEASURED
    data = json.loads(path.read_text())
    real, cheap = data["real"]["ray"], data["cheap"]["ray"]
    return {"kinds": real["kinds"], "overhead_s": real["overhead_mean_s"],
            "dispatch_s": cheap["overhead_mean_s"], "measured_wall_s": real["wall_s"]}


@dataclass
class Worker:
    pool: str
    busy_until: float = 0.0
    busy_total: float = 0.0
    loaded: set[str] = field(default_factory=set)


def graph(presenters: int, languages: int):
    """The planner's task graph for a text job of this size (fake input keys)."""
    from pipeline.jobs.plan import plan
    from pipeline.jobs.spec import JobSpec

    keys = tuple(hashlib.sha256(str(i).encode()).hexdigest() for i in range(presenters))
    langs = tuple(f"x{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(languages))
    spec = JobSpec(languages=langs, presenters=keys, text="A script.")
    return plan(spec)


def simulate(tasks, costs: dict, gpus: int, cpu_workers: int, scale: float = 1.0,
             engine_kinds: frozenset[str] = ENGINE_KINDS, warm: bool = False) -> dict:
    kinds = costs["kinds"]
    overhead, dispatch_s = costs["overhead_s"], costs["dispatch_s"]
    workers = [Worker("engine") for _ in range(gpus)] + [Worker("cpu") for _ in range(cpu_workers)]
    idle = {"engine": list(range(gpus)), "cpu": list(range(gpus, gpus + cpu_workers))}
    order = {t.name: i for i, t in enumerate(tasks)}
    kind_of = {t.name: t.kind for t in tasks}
    missing = {t.name: len(set(t.deps.values())) for t in tasks}
    children: dict[str, list[str]] = defaultdict(list)
    for t in tasks:
        for d in set(t.deps.values()):
            children[d].append(t.name)
    ready = {"engine": [], "cpu": []}  # heaps of (plan order, name) per pool
    for name, n in missing.items():
        if n == 0:
            heapq.heappush(ready[pool_of(kind_of[name], engine_kinds)], (order[name], name))
    events: list[tuple[float, int, str, int]] = []  # (time, seq, task, worker index)
    now = driver_free = 0.0
    seq = finished = 0

    def cost(name: str, w: Worker) -> float:
        kind = kind_of[name]
        k = kinds[kind]
        work = k["mean_s"] * (scale if kind in ENGINE_KINDS else 1.0)
        if not warm and kind not in w.loaded:
            w.loaded.add(kind)
            work += load_s(k)  # model load, once per worker
        return work + overhead

    def dispatch() -> None:
        # Plan order across both pools, one dispatch at a time on the driver.
        nonlocal driver_free, seq
        while True:
            heads = [(ready[p][0], p) for p in ready if ready[p] and idle[p]]
            if not heads:
                return
            (_, name), pool = min(heads)
            heapq.heappop(ready[pool])
            index = idle[pool].pop(0)
            w = workers[index]
            start = max(now, driver_free)
            driver_free = start + dispatch_s
            busy = cost(name, w)
            w.busy_total += busy
            seq += 1
            heapq.heappush(events, (start + busy, seq, name, index))

    dispatch()
    while events:
        now, _, name, index = heapq.heappop(events)
        finished += 1
        idle[workers[index].pool].append(index)
        for child in children[name]:
            missing[child] -= 1
            if missing[child] == 0:
                heapq.heappush(ready[pool_of(kind_of[child], engine_kinds)], (order[child], child))
        dispatch()
    if finished != len(tasks):
        raise RuntimeError(f"{len(tasks) - finished} tasks never became ready")
    engine_busy = sum(w.busy_total for w in workers if w.pool == "engine")
    return {"makespan_s": now, "engine_utilisation": engine_busy / (gpus * now) if now else 0.0}


def load_s(k: dict) -> float:
    """A kind's model load: its cold run (models not loaded yet) minus its steady cost."""
    cold = k.get("cold_s")
    return max(0.0, (cold if cold is not None else k["first_s"]) - k["mean_s"])


def pool_of(kind: str, engine_kinds: frozenset[str]) -> str:
    return "engine" if kind in engine_kinds else "cpu"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--costs", type=Path, help="the JSON written by bench/bench_ray.py --json")
    parser.add_argument("--presenters", type=int, default=100)
    parser.add_argument("--languages", type=int, default=12)
    parser.add_argument("--gpus", type=int, nargs="+", default=[1, 8, 64])
    parser.add_argument("--cpu-per-gpu", type=int, default=2, help="CPU workers per GPU worker")
    parser.add_argument("--scale", type=float, nargs="+", default=[1.0, 30.0],
                        help="render and analysis cost multipliers (1 = the benchmark's ~2 s clips)")
    args = parser.parse_args()
    costs = load_costs(args.costs)

    print("per-task costs (s):", ", ".join(f"{k} {v['mean_s']:.3f} (+{load_s(v):.2f} model load)"
                                           for k, v in costs["kinds"].items()))
    print(f"executor overhead per task {costs['overhead_s'] * 1000:.1f} ms, driver dispatch "
          f"{costs['dispatch_s'] * 1000:.1f} ms")
    if costs.get("measured_wall_s"):
        bench = graph(4, 3)
        sim = simulate(bench, costs, 1, 1, engine_kinds=frozenset({"render"}), warm=True)
        print(f"check on the benchmark's own batch (4x3, 1 render slot + 1 CPU worker, warm): simulated "
              f"{sim['makespan_s']:.1f} s, measured {costs['measured_wall_s']:.1f} s")
    print()
    batches = [(4, 3), (args.presenters, args.languages)]
    print(f"{'batch':>10} {'scale':>6} {'GPUs':>5} {'CPU wk':>7} {'tasks':>6} {'batch time':>11} "
          f"{f'vs {args.gpus[0]} GPU':>9} {'GPU busy':>9}")
    for presenters, languages in batches:
        tasks = graph(presenters, languages)
        for scale in args.scale:
            base = None
            for gpus in args.gpus:
                sim = simulate(tasks, costs, gpus, gpus * args.cpu_per_gpu, scale)
                base = base or sim["makespan_s"]
                speedup = base / sim["makespan_s"]
                print(f"{presenters:>4} x {languages:<3} {scale:>6g} {gpus:>5} {gpus * args.cpu_per_gpu:>7} "
                      f"{len(tasks):>6} {fmt(sim['makespan_s']):>11} {speedup:>8.1f}x "
                      f"{sim['engine_utilisation'] * 100:>8.0f}%")


def fmt(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.2f} h"


if __name__ == "__main__":
    main()
