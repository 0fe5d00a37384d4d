"""`polydub run job.yaml`: run a job file (the same spec as the API) to the end, here.

A job file can live in version control beside its script:

    name: nozzle course
    text_file: nozzle.md          # or text: ..., recording: talk.wav, narrations: {pt: pt.wav}
    languages: [pt, es]
    presenters: [ana.mp4, bo.mov]
    voices: {pt: kokoro:jf_nezumi}
    review: false

Running the same file contents again (same data folder) resumes the same job, as `localize`
does: finished steps are reused, failed ones retried, and a job approved in review goes on.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from api.cli.jobrun import EXIT_STATUS
from pipeline.errors import JobError

TERMINAL = ("done", "failed", "cancelled")


def add_service_options(p: argparse.ArgumentParser, *, runs_tasks: bool = True) -> None:
    """--data-dir, and for a command that runs tasks (`runs_tasks`: run, serve, preview) where
    they run. Commands that only read or change the store (review, gc, logs) run no task, so
    they offer no executor whose default they would have to state."""
    p.add_argument("--data-dir", type=Path, help="jobs, artifacts and logs (default: the user data folder, "
                                                 "or POLYDUB_DATA_DIR)")
    p.add_argument("--runner", help=argparse.SUPPRESS)
    if not runs_tasks:
        return
    p.add_argument("--workers", type=int, dest="cpu_workers", help="worker processes for CPU tasks")
    p.add_argument("--device-slots", type=int, help="render slots (one render at a time per slot)")
    p.add_argument("--executor", choices=("local", "ray", "inline"),
                   help="local: worker processes (the default, or POLYDUB_EXECUTOR); ray: a Ray cluster; "
                        "inline: this process, no workers")
    p.add_argument("--ray-address", help="with --executor ray: auto, or the cluster's address")


def settings_from(args: argparse.Namespace, *names: str):
    """Settings from these options over POLYDUB_* variables; a bad one is one line (JobError)."""
    from api.cli.jobrun import load_settings

    fields = ("data_dir", "cpu_workers", "device_slots", "executor", "ray_address", "runner", *names)
    return load_settings(**{k: getattr(args, k) for k in fields if getattr(args, k, None) is not None})


def open_service(args: argparse.Namespace, with_executor: bool = True, only_own_jobs: bool = False):
    """The job service on the data folder (its executor not started), wired by
    `pipeline.jobs.open_service`. With `only_own_jobs` the executor runs only jobs given to it
    and leaves the rest to a service that may be running on the same folder (`polydub serve`
    requeues interrupted work at its start)."""
    from dataclasses import replace

    from api.cli.jobrun import config_from
    from pipeline.jobs.wiring import open_service as wire

    config = replace(config_from(args), only_own_jobs=only_own_jobs)
    return wire(config, with_executor=with_executor)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run a job file (job.yaml) to the end",
                       description="Run a job file here, with worker processes, and copy its language packs "
                                   "to --out. Work already done in the data folder is reused.",
                       epilog="The job file's fields, with a complete example: README.md, section \"The job "
                              "file\". `polydub run --schema > job.schema.json` gives its JSON Schema for "
                              "editors (YAML language servers: `# yaml-language-server: $schema=job.schema.json`). "
                              f"{EXIT_STATUS}")
    p.add_argument("job", type=Path, nargs="?", help="the job file (YAML); see README.md, \"The job file\"")
    p.add_argument("--schema", action="store_true", help="print the job file's JSON Schema and exit")
    p.add_argument("--out", type=Path, metavar="DIR",
                   help="folder for the language packs, as localize writes them (OUT/<lang>/ and OUT/<lang>.zip; "
                        "default: polydub-out/<job file name>)")
    add_service_options(p)
    p.set_defaults(func=run, preview=None)


def run(args: argparse.Namespace) -> int:
    from pipeline.jobs.inline import InlineExecutor
    from pipeline.jobs.logs import file_handler
    from pipeline.jobs.spec import JobSpec
    from pipeline.jobs.wiring import adopt

    from api.cli.jobrun import check_out, config_from, preflight

    if getattr(args, "schema", False):  # `polydub preview` reuses run() without the flag
        from pipeline.jobs.schema import job_schema

        print(json.dumps(job_schema(), indent=2))
        return 0
    if getattr(args, "job", None) is None:
        raise JobError("give a job file: polydub run job.yaml (polydub run --schema prints its JSON Schema)")
    spec = JobSpec.from_yaml(args.job)
    check_job_files(spec, args.job)
    out = args.out or default_out(args.job, preview=bool(args.preview))
    check_out(spec, out, flat=False)
    service = open_service(args, only_own_jobs=True)
    # A job file may name presenters stored by the service (ids), so only files here are probed.
    preflight(service, config_from(args), spec.as_preview(*args.preview) if args.preview else spec, paths=False)
    import logging

    # The log file gets INFO and up (with job and task ids); the terminal keeps its -v level.
    root = logging.getLogger()
    for h in root.handlers:
        if h.level == logging.NOTSET:
            h.setLevel(root.level)
    handler = file_handler(service.data_dir, "run")
    root.addHandler(handler)
    root.setLevel(min(root.level or logging.INFO, logging.INFO))
    service.executor.start()
    try:
        # The same job file contents resume the same job, as localize does (`submit_or_resume`:
        # same resolved spec, files by content): a job approved in review goes on, not a new one.
        if args.preview:
            job_id, resumed = service.preview(spec, *args.preview), False
        else:
            job_id, resumed = service.submit_or_resume(spec)
        adopt(service, job_id)
        print(f"job {job_id}{' (resumed)' if resumed else ''}: {len(service.store.tasks(job_id))} tasks",
              file=sys.stderr)
        if isinstance(service.executor, InlineExecutor):  # the tasks run here, now
            service.executor.run()
        state = watch(service, job_id, quiet=getattr(args, "quiet", False))
    except KeyboardInterrupt:
        print("polydub: interrupted; the job stays in the store and resumes with `polydub serve`", file=sys.stderr)
        return 130
    finally:
        service.executor.stop()
        logging.getLogger().removeHandler(handler)
    return report(service, job_id, state, out)


def check_job_files(spec, job: Path) -> None:
    """InputError naming the field and the absolute path looked at for a file the job file names
    that is not there ("translations: no such file /course/nozzle.pt-BR.xlf ..."): relative paths
    are read from the job file's folder (`JobSpec.from_yaml`). A reference without a suffix is a
    stored presenter id or key, left to the service to find."""
    import os

    from pipeline.errors import InputError

    refs = [*(("presenters", r) for r in spec.presenters), ("recording", spec.recording),
            *((f"narrations.{lang}", r) for lang, r in spec.narrations.items()), ("translations", spec.translations),
            ("glossary", spec.glossary if isinstance(spec.glossary, str) else None),
            ("renderer_options.checkpoint", spec.renderer_options.get("checkpoint"))]
    for field, ref in refs:
        if not ref or not Path(ref).suffix or os.path.exists(ref):
            continue
        looked = Path(ref).expanduser()
        looked = looked if looked.is_absolute() else (job.parent / looked).absolute()
        raise InputError(f"{field}: no such file {looked} (the job file {job.name} names it; relative paths are "
                         "read from its folder); check the path")
    _check_wav2lip_weights(spec, job)


def _check_wav2lip_weights(spec, job: Path) -> None:
    """InputError before any work when the job asks for Wav2Lip with no `renderer_options.
    checkpoint` and the model store holds none either: the render would fail after every other
    step, saying --checkpoint, which a job file has not (fresh4 finding 6)."""
    from pipeline.errors import InputError
    from pipeline.models.store import ModelStore

    if spec.renderer != "wav2lip" or spec.renderer_options.get("checkpoint"):
        return
    entry = ModelStore().root / "wav2lip"  # where the render looks (`pipeline.steps.render`)
    # the file names Wav2Lip looks for in a folder (`lipsync.wav2lip.checkpoint.DEFAULT_FILENAMES`)
    if entry.is_file() or any((entry / name).is_file() for name in ("wav2lip_gan.pth", "wav2lip.pth")):
        return
    raise InputError(f"renderer: wav2lip needs its weights and no weights ship with polydub: set renderer_options: "
                     f"{{checkpoint: PATH}} in {job.name} to your wav2lip_gan.pth or wav2lip.pth (searched: "
                     f"{entry / 'wav2lip_gan.pth'}; {entry / 'wav2lip.pth'})")


def watch(service, job_id: str, quiet: bool = False, poll: float = 0.5) -> str:
    """Print task changes until the job ends or waits for review; return its state."""
    from api.cli.jobrun import shown_name
    from pipeline.jobs.progress import settled_percent

    seen: dict[str, str] = {}
    while True:
        snap = service.snapshot(job_id)
        for t in snap["tasks"]:
            if seen.get(t["name"], "queued") != t["state"] and not quiet:
                what = " (reused)" if t["cached"] else ""
                err = f": {t['error']}" if t["error"] and t["state"] == "failed" else ""
                print(f"[{settled_percent(snap['tasks']):5.1f}%] {shown_name(service, job_id, t['name'])} {t['state']}{what}{err}",
                      file=sys.stderr)
            seen[t["name"]] = t["state"]
        if snap["state"] in TERMINAL or snap["state"] == "waiting-review":
            return snap["state"]
        time.sleep(poll)


def default_out(job: Path, *, preview: bool = False) -> Path:
    """Where `polydub run` (and `preview`) put the packs without --out: polydub-out/<job file
    name> (-preview) in the current folder, as `polydub demo` uses polydub-out/demo."""
    return Path("polydub-out") / f"{job.stem}{'-preview' if preview else ''}"


def report(service, job_id: str, state: str, out: Path) -> int:
    """Copy the finished packs to `out` as localize does (`api.cli.jobrun.finish`: a folder and
    a zip per language, named as the pack names it, pt-BR for pt) and say where; the exit status."""
    from api.cli.jobrun import finish

    return finish(service, job_id, state, out)
