"""The batch bench: P presenters x L languages through the job service, on the real steps.

A text job runs through `pipeline.jobs.open_service` with the local executor (worker processes on
this machine: `--cpu-workers` for analysis, translation, speech and packs, `--device-slots` for
renders), exactly as `polydub run` runs it. Inputs are built here: P presenters of `--seconds`
seconds at 1280x720, 30 fps (the built-in demo presenter's moving photo on a wide frame, each
presenter placed and tinted differently so they are distinct files and distinct analyses), and a
script sized to about `--seconds` of English speech. English needs no translation and Portuguese
goes through the bundled machine translation; the other languages (es, fr, de, it, nl, pl, sv, da)
come from translation tables written here and handed to the translator, as `bench_service.py`
does, because the bundled models are en<->pt only. Every language is voiced by its default TTS
voice (`tts.DEFAULT_VOICES`, else espeak-ng).

Printed: wall time from submission to the job's end; per stage (analyse, translate, speak, render,
pack) how often it ran, its busy seconds and its span; CPU use (this process and its workers: CPU
time / wall / cores); the narration lengths; scheduling facts (when the render slot first got
work, whether renders waited for every speech). `--timeline` lists every task with its worker,
start and end. `--json FILE` writes the measured costs for `bench/simulate_cluster.py --executor
local --costs FILE`.

Run (the issue's measurements; each takes minutes on a quiet 2-core machine):
  .venv/bin/python bench/bench_batch.py --presenters 2 --languages 3 --seconds 60 --json b60.json
  .venv/bin/python bench/bench_batch.py --presenters 10 --languages 10 --seconds 6 --json b6.json
Tiny check: .venv/bin/python bench/bench_batch.py --presenters 2 --languages 2 --seconds 4 --timeline
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT.parent), str(ROOT)]  # the workers (spawned) import this module by name

from bench_service import wait_done  # noqa: E402  (the benches' one job poller)

WIDTH, HEIGHT, FPS = 1280, 720, Fraction(30)
STAGES = {"analyse": ("analyse",), "translate": ("source", "translate"), "speak": ("speak",),
          "render": ("render",), "pack": ("pack",)}
#: Two sentence patterns per language, about 3 s of speech each; {n} makes every sentence distinct.
#: Translated by hand for this bench (plain procedural sentences).
TEMPLATES: dict[str, tuple[str, str]] = {
    "en": ("In step {n}, check part {n} of the machine before you start.",
           "Write the result of step {n} in the log book."),
    "pt": ("", ""),  # machine-translated by the bundled en->pt model
    "es": ("En el paso {n}, revise la pieza {n} de la máquina antes de empezar.",
           "Anote el resultado del paso {n} en el registro."),
    "fr": ("À l'étape {n}, vérifiez la pièce {n} de la machine avant de commencer.",
           "Notez le résultat de l'étape {n} dans le registre."),
    "de": ("Prüfen Sie in Schritt {n} das Teil {n} der Maschine, bevor Sie beginnen.",
           "Tragen Sie das Ergebnis von Schritt {n} in das Protokoll ein."),
    "it": ("Nel passo {n}, controllate il pezzo {n} della macchina prima di iniziare.",
           "Scrivete il risultato del passo {n} nel registro."),
    "nl": ("Controleer in stap {n} onderdeel {n} van de machine voordat u begint.",
           "Schrijf het resultaat van stap {n} in het logboek."),
    "pl": ("W kroku {n} sprawdź część {n} maszyny, zanim zaczniesz.",
           "Zapisz wynik kroku {n} w dzienniku."),
    "sv": ("I steg {n}, kontrollera del {n} av maskinen innan du börjar.",
           "Skriv resultatet av steg {n} i loggboken."),
    "da": ("I trin {n} skal du kontrollere del {n} af maskinen, før du begynder.",
           "Skriv resultatet af trin {n} i logbogen."),
}
LANGUAGES = tuple(TEMPLATES)
SECONDS_PER_SENTENCE = 3.0  # measured roughly on the English voice; the bench prints the real lengths


def sentences(language: str, seconds: float) -> list[str]:
    """About `seconds` of speech: alternating patterns, numbered 1, 2, 3..."""
    count = max(1, round(seconds / SECONDS_PER_SENTENCE))
    a, b = TEMPLATES[language]
    return [(a if i % 2 == 0 else b).format(n=i // 2 + 1) for i in range(count)]


def write_tables(folder: Path, languages: list[str], seconds: float) -> dict[str, Path]:
    """{"en-xx": table.json} for every language that is neither English nor Portuguese."""
    folder.mkdir(parents=True, exist_ok=True)
    source = sentences("en", seconds)
    tables = {}
    for lang in languages:
        if lang in ("en", "pt"):
            continue
        path = folder / f"en-{lang}.json"
        path.write_text(json.dumps({"source": "en", "target": lang,
                                    "translations": dict(zip(source, sentences(lang, seconds)))},
                                   ensure_ascii=False), encoding="utf-8")
        tables[f"en-{lang}"] = path
    return tables


def batch_runner(data_dir: str, models_dir: str | None = None):
    """The real `PipelineRunner`, whose translator also holds the bench's tables
    (`<data_dir>/tables/en-xx.json`). Named in `ServiceConfig.runner` as `bench_batch:batch_runner`."""
    import translate

    from pipeline import steps
    from pipeline.jobs.runner import PipelineRunner
    from pipeline.models import ModelStore

    store = ModelStore(Path(models_dir) if models_dir else None)
    tables = {p.stem: p for p in sorted((Path(data_dir) / "tables").glob("en-*.json"))}
    cache = Path(data_dir) / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    translator = translate.Translator(models={**store.translation_models(), **tables},
                                      memory=translate.TranslationMemory(cache / "translation-memory.sqlite"))
    toolkit = steps.Toolkit(store=store, cache_dir=cache, translator=translator)
    return PipelineRunner(data_dir, toolkit=toolkit, models_dir=models_dir)


def make_presenter(path: Path, index: int, seconds: float) -> Path:
    """A 1280x720 30 fps presenter: the demo's idle photo (720x720) on a tinted wide frame."""
    import numpy as np

    from lipsync.media import VideoWriter
    from pipeline.demo import astronaut_image, idle_frame

    image = astronaut_image()
    x0 = 120 + (index * 97) % (WIDTH - HEIGHT - 120)
    tint = np.array([40 + 23 * index % 160, 90, 140 - 17 * index % 100], np.uint8)
    canvas = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    with VideoWriter(path, WIDTH, HEIGHT, FPS, comment="polydub batch bench presenter") as writer:
        for i in range(int(round(seconds * FPS))):
            canvas[:] = tint
            canvas[:, x0:x0 + HEIGHT] = idle_frame(image, i / float(FPS) + 1.3 * index, HEIGHT)
            writer.write(canvas)
    return path


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (the workers, after stop)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_batch(args: argparse.Namespace, data: Path) -> dict[str, Any]:
    from pipeline.jobs import JobSpec, ServiceConfig, open_service

    languages = list(LANGUAGES[:args.languages])
    write_tables(data / "tables", languages, args.seconds)
    t0 = time.perf_counter()
    presenters = [make_presenter(data / f"presenter{i}.mp4", i, args.seconds) for i in range(args.presenters)]
    print(f"built {args.presenters} presenter(s) of {args.seconds:g} s at {WIDTH}x{HEIGHT} {FPS} fps "
          f"in {time.perf_counter() - t0:.1f} s (not counted)")
    script = "\n\n".join(sentences("en", args.seconds))
    config = ServiceConfig(data_dir=data, executor="local", runner="bench_batch:batch_runner",
                           cpu_workers=args.cpu_workers, device_slots=args.device_slots, allow_paths=True,
                           min_free_bytes=0)
    service = open_service(config)
    cpu0 = cpu_seconds()
    start = time.perf_counter()
    service.executor.start()
    try:
        spec = JobSpec.from_dict({"text": script, "source_language": "en", "languages": languages,
                                  "presenters": [str(p) for p in presenters], "name": "batch bench"})
        submitted = time.time()
        job = service.submit(spec)
        state = wait_done(service.store, job, args.timeout, poll=0.25)
        wall = time.perf_counter() - start
    finally:
        service.executor.stop()
    cpu = cpu_seconds() - cpu0
    tasks = service.store.tasks(job)
    return {"state": state, "wall_s": wall, "cpu_s": cpu, "submitted": submitted, "tasks": tasks,
            "languages": languages, "narrations": narration_seconds(service, tasks),
            "error": service.store.job(job)["error"]}


def narration_seconds(service, tasks: list[dict[str, Any]]) -> dict[str, float]:
    """Each language's narration length (s), from the speak artifacts."""
    import numpy as np

    out = {}
    for t in tasks:
        if t["kind"] == "speak" and t["output"]:
            folder = service.artifacts.path(t["output"])
            with np.load(folder / "speech.npz") as z:
                out[t["language"]] = len(z["audio"]) / float(z["sample_rate"])
    return out


def costs(tasks: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per task kind: runs, busy seconds, first run (model loads included) and the rest's mean."""
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in sorted(tasks, key=lambda t: t["started"] or 0.0):
        if t["state"] == "done" and not t["cached"] and t["seconds"] is not None:
            by_kind[t["kind"]].append(t)
    out = {}
    for kind, runs in by_kind.items():
        secs = [r["seconds"] for r in runs]
        rest = statistics.fmean(secs[1:] or secs)
        # A first run slower than the rest carries the worker's model load (cold_s - mean_s); a
        # faster one (another language's lighter voice) does not, and the steady cost is the mean
        # of all runs. Either way count x mean_s + load gives the measured busy time.
        mean = rest if secs[0] > rest else statistics.fmean(secs)
        out[kind] = {"count": len(secs), "busy_s": sum(secs), "first_s": secs[0], "rest_mean_s": rest,
                     "mean_s": mean, "cold_s": max(secs[0], mean)}
    return out


def report(args: argparse.Namespace, result: dict[str, Any]) -> dict[str, Any]:
    tasks, wall, t0 = result["tasks"], result["wall_s"], result["submitted"]
    cores = os.cpu_count() or 1
    kinds = costs(tasks)
    print(f"\n{args.presenters} presenters x {args.languages} languages ({', '.join(result['languages'])}), "
          f"{args.seconds:g} s clips, {args.cpu_workers} CPU worker(s) + {args.device_slots} render slot(s): "
          f"{result['state']} in {wall:.1f} s wall"
          + (f" ({result['error']})" if result["error"] else ""))
    print("narrations: " + ", ".join(f"{k} {v:.1f} s" for k, v in result["narrations"].items()))
    print(f"\n{'stage':<10} {'ran':>4} {'expected':>9} {'busy s':>8} {'first s':>8} {'span s':>14}")
    expected = {"analyse": args.presenters, "translate": args.languages + 1, "speak": args.languages,
                "render": args.presenters * args.languages, "pack": args.languages}
    for stage, members in STAGES.items():
        runs = [t for t in tasks if t["kind"] in members and t["state"] == "done" and not t["cached"]]
        busy = sum(t["seconds"] or 0.0 for t in runs)
        first = kinds.get(members[-1], {}).get("first_s", 0.0)
        span = (f"{min(t['started'] for t in runs) - t0:5.1f}-{max(t['finished'] for t in runs) - t0:5.1f}"
                if runs else "-")
        print(f"{stage:<10} {len(runs):>4} {expected[stage]:>9} {busy:>8.1f} {first:>8.1f} {span:>14}")
    failed = [f"{t['name']}: {t['error']}" for t in tasks if t["state"] == "failed"]
    if failed:
        print("failed:", *failed, sep="\n  ")
    print(f"\nCPU: {result['cpu_s']:.1f} s CPU time (this process + workers) over {wall:.1f} s wall on "
          f"{cores} cores = {result['cpu_s'] / wall / cores * 100:.0f}% of the machine")
    print(scheduling(tasks, t0))
    if args.timeline:
        print(timeline(tasks, t0))
    ran = [t for t in tasks if t["finished"] and t["seconds"] is not None and not t["cached"]]
    overhead = statistics.fmean(max(0.0, t["finished"] - t["started"] - t["seconds"]) for t in ran) if ran else 0.0
    return {"presenters": args.presenters, "languages": args.languages, "seconds": args.seconds,
            "cpu_workers": args.cpu_workers, "device_slots": args.device_slots, "wall_s": wall,
            "cpu_s": result["cpu_s"], "cores": cores, "kinds": kinds, "overhead_s": overhead,
            "narrations": result["narrations"]}


def scheduling(tasks: list[dict[str, Any]], t0: float) -> str:
    """When the render slot first got work, and whether renders waited for all speech."""
    def times(kind: str, field: str) -> list[float]:
        return sorted(t[field] - t0 for t in tasks if t["kind"] == kind and t[field] and not t["cached"])

    renders, speaks, analyses = times("render", "started"), times("speak", "finished"), times("analyse", "finished")
    if not renders:
        return "scheduling: no render ran"
    lines = [f"scheduling: first render started at {renders[0]:.1f} s; "
             f"first speech done at {speaks[0] if speaks else float('nan'):.1f} s, "
             f"first analysis done at {analyses[0] if analyses else float('nan'):.1f} s"]
    if speaks and renders[0] >= speaks[-1]:
        lines.append(f"  renders started only after the last speech ({speaks[-1]:.1f} s)")
    if analyses and speaks and analyses[-1] <= speaks[0]:
        lines.append("  every analysis finished before the first speech")
    return "\n".join(lines)


def timeline(tasks: list[dict[str, Any]], t0: float) -> str:
    rows = sorted((t for t in tasks if t["started"]), key=lambda t: t["started"])
    lines = ["\ntimeline (s from submission):"]
    for t in rows:
        worker = (t["worker"] or "").rsplit(":", 1)[-1]
        mark = " (reused)" if t["cached"] else ""
        lines.append(f"  {t['started'] - t0:7.1f} {t['finished'] - t0 if t['finished'] else float('nan'):7.1f}"
                     f"  {worker:<9} {t['name']}{mark}")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presenters", type=int, default=2)
    ap.add_argument("--languages", type=int, default=3, help=f"1..{len(LANGUAGES)}: {', '.join(LANGUAGES)}")
    ap.add_argument("--seconds", type=float, default=60.0, help="presenter clip and narration length")
    ap.add_argument("--cpu-workers", type=int, default=1)
    ap.add_argument("--device-slots", type=int, default=1)
    ap.add_argument("--timeline", action="store_true", help="list every task's worker, start and end")
    ap.add_argument("--json", type=Path, help="write the measured costs here (for simulate_cluster.py)")
    ap.add_argument("--keep", type=Path, help="use this data folder and keep it (default: a temporary one)")
    ap.add_argument("--timeout", type=float, default=3600.0)
    args = ap.parse_args()
    if not 1 <= args.languages <= len(LANGUAGES) or args.presenters < 1 or args.seconds <= 0:
        ap.error(f"--languages 1..{len(LANGUAGES)}, --presenters >= 1, --seconds > 0")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        result = run_batch(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="polydub-batch-") as tmp:
            result = run_batch(args, Path(tmp))
    measured = report(args, result)
    if args.json:
        args.json.write_text(json.dumps(measured, indent=2))
        print(f"costs written to {args.json}")
    return 0 if result["state"] == "done" else 1


if __name__ == "__main__":
    sys.exit(main())
