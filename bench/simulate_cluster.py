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

`--executor local` models the local executor on one machine instead (`pipeline.jobs.local`):
`--cpu-workers` processes run analysis, source, translation, speech and packs, `--device-slots`
processes run renders, each ready task goes to the first idle worker of its pool in plan order,
with no driver. Costs come from `bench/bench_batch.py --json` (one file or several); each kind's
steady cost is fitted as a line in the clip length over the files (proportional with one file;
a pack also grows with the number of presenters) and extrapolated to `--seconds`. It prints the
batch time under today's policy and three alternatives (speech before analyses; the n-th
analysis beside the n-th speech; analyses on the render slot, Ray's split), the CPU floor (the batch's CPU time over the cores: no schedule beats
it), and each against the one-hour goal:

  .venv/bin/python bench/simulate_cluster.py --executor local --costs b60.json b6.json \
      --presenters 10 --languages 10 --seconds 60
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import json
import sys
from collections import defaultdict
from collections.abc import Callable
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
             engine_kinds: frozenset[str] = ENGINE_KINDS, warm: bool = False,
             priority: Callable[[list], dict[str, tuple]] | None = None) -> dict:
    """Makespan and engine-pool use of `tasks`. `priority(tasks)`: {task name: sort key}, lower
    first among ready tasks (default: plan order, as the executors do)."""
    kinds = costs["kinds"]
    overhead, dispatch_s = costs["overhead_s"], costs["dispatch_s"]
    workers = [Worker("engine") for _ in range(gpus)] + [Worker("cpu") for _ in range(cpu_workers)]
    idle = {"engine": list(range(gpus)), "cpu": list(range(gpus, gpus + cpu_workers))}
    order = priority(tasks) if priority else {t.name: (i,) for i, t in enumerate(tasks)}
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


# ---------------------------------------------------------------------- the local executor

def speech_first(tasks) -> dict[str, tuple]:
    """Source, translations and speech before analyses; plan order otherwise."""
    rank = {"source": 0, "translate": 0, "speak": 1}
    return {t.name: (rank.get(t.kind, 2), i) for i, t in enumerate(tasks)}


def interleaved(tasks) -> dict[str, tuple]:
    """The n-th analysis beside the n-th language's translation and speech, so the first render
    needs one analysis and one speech, not all analyses first."""
    seen: dict[str, int] = defaultdict(int)
    out = {}
    for i, t in enumerate(tasks):
        nth = seen[t.kind]
        seen[t.kind] += 1
        out[t.name] = (nth if t.kind in ("analyse", "translate", "speak") else 0, i)
    return out


#: Policies compared in --executor local: (label, engine kinds, priority)
LOCAL_POLICIES = (
    ("today: plan order, analyses on the CPU worker", frozenset({"render"}), None),
    ("speech first (translate, speak before analyses)", frozenset({"render"}), speech_first),
    ("interleaved (n-th analysis beside n-th speech)", frozenset({"render"}), interleaved),
    ("analyses on the render slot (Ray's split)", frozenset({"render", "analyse"}), None),
)
GOAL_S = 3600.0


def fit_local_costs(batches: list[dict], presenters: int, seconds: float) -> dict:
    """Per-kind costs at `seconds` per clip and `presenters` per pack, from bench_batch runs.

    Steady cost: a least-squares line a + b*S over the runs' clip lengths S (b*S alone when
    only one length was measured; a pack's cost is per presenter, times `presenters`). Model
    load: the mean over runs of (first run - steady mean), paid once per worker."""
    kinds: dict[str, dict] = {}
    names = sorted({k for b in batches for k in b["kinds"]})
    for kind in names:
        points = [(b["seconds"], b["kinds"][kind]["mean_s"] / (b["presenters"] if kind == "pack" else 1),
                   max(0.0, b["kinds"][kind]["cold_s"] - b["kinds"][kind]["mean_s"]))
                  for b in batches if kind in b["kinds"]]
        xs = [p[0] for p in points]
        if len(set(xs)) > 1:
            mx, my = sum(xs) / len(xs), sum(p[1] for p in points) / len(points)
            slope = sum((x - mx) * (p[1] - my) for x, p in zip(xs, points)) / sum((x - mx) ** 2 for x in xs)
            steady = my + slope * (seconds - mx)
        else:
            steady = points[0][1] * seconds / xs[0]
        steady = max(0.0, steady) * (presenters if kind == "pack" else 1)
        load = sum(p[2] for p in points) / len(points)
        kinds[kind] = {"mean_s": steady, "cold_s": steady + load, "first_s": steady + load}
    overhead = sum(b.get("overhead_s", 0.0) for b in batches) / len(batches)
    return {"kinds": kinds, "overhead_s": overhead, "dispatch_s": 0.0}


def own_costs(batch: dict) -> dict:
    """A run's costs as measured, for checking the simulation against its own wall time."""
    return {"kinds": batch["kinds"], "overhead_s": batch.get("overhead_s", 0.0), "dispatch_s": 0.0}


def cpu_floor(batches: list[dict], costs: dict, tasks, cores: int) -> float:
    """The batch's CPU time over the cores: measured CPU per busy second (mean over runs) times
    the simulated busy seconds. No schedule finishes sooner on this machine."""
    per_busy = sum(b["cpu_s"] / max(1e-9, sum(k["busy_s"] for k in b["kinds"].values())) for b in batches)
    per_busy /= len(batches)
    busy = sum(costs["kinds"][t.kind]["mean_s"] for t in tasks if t.kind in costs["kinds"])
    return per_busy * busy / cores


def local_main(args: argparse.Namespace) -> None:
    batches = [json.loads(p.read_text()) for p in args.costs]
    cores = args.cores or batches[0].get("cores", 2)
    for path, b in zip(args.costs, batches):
        tasks = graph(b["presenters"], b["languages"])
        sim = simulate(tasks, own_costs(b), b["device_slots"], b["cpu_workers"], engine_kinds=frozenset({"render"}))
        print(f"{path.name}: {b['presenters']} x {b['languages']} at {b['seconds']:g} s, {b['cpu_workers']} CPU "
              f"worker(s) + {b['device_slots']} render slot(s): measured {fmt(b['wall_s'])}, simulated "
              f"{fmt(sim['makespan_s'])}; CPU {b['cpu_s'] / b['wall_s'] / b.get('cores', cores) * 100:.0f}% "
              "of the machine")
    costs = fit_local_costs(batches, args.presenters, args.seconds)
    if len({b["seconds"] for b in batches}) == 1:
        print("one clip length measured: each kind's cost is scaled in proportion, its model loads and fixed "
              "costs too, so the figures below are an upper bound; give runs at two lengths (e.g. 60 s and 6 s)")
    print(f"\nper-task costs at {args.seconds:g} s:", ", ".join(
        f"{k} {v['mean_s']:.1f} s (+{v['cold_s'] - v['mean_s']:.1f} load)" for k, v in costs["kinds"].items()))
    tasks = graph(args.presenters, args.languages)
    print(f"{args.presenters} presenters x {args.languages} languages x {args.seconds:g} s ({len(tasks)} tasks), "
          f"{args.cpu_workers} CPU worker(s) + {args.device_slots} render slot(s), {cores} cores:")
    print(f"  {'policy':<50} {'batch time':>11} {'render slot busy':>17} {'vs 1 h':>7}")
    for label, engine, priority in LOCAL_POLICIES:
        sim = simulate(tasks, costs, args.device_slots, args.cpu_workers, engine_kinds=engine, priority=priority)
        print(f"  {label:<50} {fmt(sim['makespan_s']):>11} {sim['engine_utilisation'] * 100:>16.0f}% "
              f"{sim['makespan_s'] / GOAL_S:>6.1f}x")
    floor = cpu_floor(batches, costs, tasks, cores)
    print(f"  {'CPU floor (CPU time / cores, any schedule)':<50} {fmt(floor):>11} {'':>17} {floor / GOAL_S:>6.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--executor", choices=("ray", "local"), default="ray")
    parser.add_argument("--costs", type=Path, nargs="+",
                        help="ray: the JSON of bench/bench_ray.py --json; local: bench/bench_batch.py --json file(s)")
    parser.add_argument("--presenters", type=int, default=100)
    parser.add_argument("--languages", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=60.0, help="local: clip length to extrapolate to")
    parser.add_argument("--cpu-workers", type=int, default=1, help="local: CPU worker processes")
    parser.add_argument("--device-slots", type=int, default=1, help="local: render slots")
    parser.add_argument("--cores", type=int, help="local: cores for the CPU floor (default: the costs file's)")
    parser.add_argument("--gpus", type=int, nargs="+", default=[1, 8, 64])
    parser.add_argument("--cpu-per-gpu", type=int, default=2, help="CPU workers per GPU worker")
    parser.add_argument("--scale", type=float, nargs="+", default=[1.0, 30.0],
                        help="render and analysis cost multipliers (1 = the benchmark's ~2 s clips)")
    args = parser.parse_args()
    if args.executor == "local":
        if not args.costs:
            parser.error("--executor local needs --costs FILE... written by bench/bench_batch.py --json")
        local_main(args)
        return
    if args.costs and len(args.costs) > 1:
        parser.error("the Ray model takes one --costs file")
    costs = load_costs(args.costs[0] if args.costs else None)

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
