"""Running a job spec from the one-shot commands (`localize`, `lipsync`, `demo`).

The command builds a `JobSpec`; this submits it to the job service on the data folder (or
resumes the same job: same kind, same resolved spec, files by content), runs it in this process
(`--executor inline`, the default) or on worker processes / Ray, shows progress, and copies the
finished language packs to `--out` in the layout users know (each pack folder replaced whole,
`api.cli.outfolder`: it holds exactly what its manifest lists):

    OUT/<lang>/videos/*.mp4, narration.wav, subtitles.srt, subtitles.vtt, script.md,
    manifest.json, and OUT/<lang>.zip beside it (lipsync: OUT/ itself and OUT.zip)

Exit status (`EXIT_STATUS`): 0 when every presenter rendered, or when the job stopped for review
(said in words: nothing failed, nothing is rendered yet); PARTIAL (3) when packs were made
but some renders failed (one per presenter and language, each said on stderr); 1 with one error
line when nothing was made; 2 for a wrong option (argparse); 130 when interrupted. A count of
failures as the status collided with those (one failure read as "nothing made", two as "wrong
option"), so a script could not tell a partial batch from a failed one.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from time import sleep

from api.cli.outfolder import check_destination, install_pack
from api.cli.progress import ProgressBars, store_paths_hidden
from pipeline.atomic import atomic_path
from pipeline.errors import JobError
from pipeline.jobs.capabilities import DETECTED_WORDS, pack_language
from pipeline.jobs.checks import advice, job_checks
from pipeline.jobs.keys import TaskKey
from pipeline.jobs.progress import detected_languages, settled_percent, task_label
from pipeline.jobs.spec import UNDETERMINED, JobSpec
from pipeline.jobs.store_rows import repeats_dependency
from pipeline.jobs.wiring import ServiceConfig, adopt, open_service
from pipeline.segments import shorten

#: the exit status of a batch that made its packs but where some renders failed (0 all made,
#: 1 nothing made, 2 a usage error)
PARTIAL = 3
#: every exit status the job commands give, for --help
EXIT_STATUS = ("Exit status: 0 when every presenter rendered, or when the job stopped for review (said on "
               "stdout; the same command goes on after approval); 3 when language packs were made but some renders "
               "failed (each said on stderr, listed in the manifests); 1 with one error line when nothing was made "
               "(bad input); 2 for a wrong option; 130 when interrupted.")


def add_job_options(p: argparse.ArgumentParser) -> None:
    """Where the job runs and keeps its work (shared by localize, lipsync and demo)."""
    p.add_argument("--models", type=Path, metavar="DIR",
                   help="model folder (default: $POLYDUB_MODELS or the user data folder)")
    p.add_argument("--data-dir", type=Path, metavar="DIR",
                   help="jobs, artifacts and logs, reused by a re-run (default: the user data folder, or "
                        "POLYDUB_DATA_DIR); `polydub gc` cleans it")
    p.add_argument("--executor", choices=("inline", "local", "ray"), default="inline",
                   help="inline: in this process (the default, whatever POLYDUB_EXECUTOR says); local: worker "
                        "processes; ray: a Ray cluster")
    p.add_argument("--workers", type=int, dest="cpu_workers", help="with --executor local: CPU worker processes")
    p.add_argument("--device-slots", type=int, help="with --executor local or ray: render slots")
    p.add_argument("--ray-address", help="with --executor ray: auto, or the cluster's address")
    p.add_argument("--runner", help=argparse.SUPPRESS)
    p.set_defaults(resumes=True)  # Ctrl-C says the same command resumes (api.cli.main)


def config_from(args: argparse.Namespace, *, executor: str | None = None) -> ServiceConfig:
    """The service config for a command: its options over POLYDUB_* settings (api.settings)."""
    names = ("data_dir", "cpu_workers", "device_slots", "ray_address", "runner")
    settings = load_settings(**{k: getattr(args, k) for k in names if getattr(args, k, None) is not None})
    return settings.service_config(executor=executor or getattr(args, "executor", None) or settings.executor,
                                   models_dir=getattr(args, "models", None), only_own_jobs=True, allow_paths=True)


def load_settings(**given):
    """`api.settings.Settings` from these values over POLYDUB_* variables; a setting that
    does not validate (a blank token, a negative port) is one line naming it (JobError)."""
    from pydantic import ValidationError

    from api.settings import Settings

    try:
        return Settings(**given)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg'].removeprefix('Value error, ')}"
                             for e in exc.errors())
        raise JobError(f"bad setting: {problems} (from the command line or POLYDUB_* variables)") from None


class TaskLines:
    """One line per task state change ("[ 42.0%] render:pt:ab12cd34ef done (reused)"); a
    narration whose language is detected names its tasks by the language heard
    ("render:en:ab12cd34ef"), and before it is heard says so in words ("narrate (language
    detected from the recording) running"), never `und`. `label` (`labeller`) names the task's
    progress bar, which a state change closes."""

    def __init__(self, service, job_id: str, bars: ProgressBars, quiet: bool,
                 label: Callable[[str], str] | None = None):
        self.service, self.job_id, self.bars, self.quiet = service, job_id, bars, quiet
        self.label = label or labeller(service, job_id)
        self.seen: dict[str, str] | None = None

    def __call__(self) -> None:
        snap = self.service.snapshot(self.job_id)
        first = self.seen is None
        seen = self.seen or {}
        for t in snap["tasks"]:
            before = seen.get(t["name"], "queued")
            seen[t["name"]] = t["state"]
            if before == t["state"] or self.quiet:
                continue
            if t["state"] != "running":  # the bar's own name, as it was opened
                self.bars.finish(self.label(t["name"]), failed=t["state"] == "failed")
            reused = t["cached"] or (first and t["state"] == "done")
            name = shown_name(self.service, self.job_id, t["name"])
            # Steps finished before this command are listed without a percentage: every one of
            # them showed the same one (the job's, now), as if they had not moved it.
            # The share settled (failed work included), so a job that ends with a failure ends at 100 %.
            where = " " * 8 if first and t["state"] == "done" else f"[{settled_percent(snap['tasks']):5.1f}%]"
            # A failure's error is said once, in the summary at the end.
            self.bars.write(f"{where} {name} {t['state']}{' (reused)' if reused else ''}")
        self.seen = seen


def shown_name(service, job_id: str, name: str) -> str:
    """A task's name as progress lines show it: a narration to detect (`und`) named by the
    language heard ("narrate:en"), before that in words ("narrate (language detected from the
    recording)"); other tasks as they are."""
    key = TaskKey.parse(name)
    if key.language != UNDETERMINED:
        return name
    heard = detected_languages(service.store.tasks(job_id), service.artifacts.meta)
    if heard.get(UNDETERMINED):
        return str(replace(key, language=heard[UNDETERMINED]))
    return f"{':'.join([key.kind, *([key.presenter] if key.presenter else [])])} ({DETECTED_WORDS})"


def preflight(service, config: ServiceConfig, spec: JobSpec, *, paths: bool = True) -> None:
    """Check the spec's inputs before any task runs, with the runner's own checks
    (`pipeline.preflight.InputChecks`, as the HTTP service does at submission: presenters and
    audio probed, the script read and every language checked, no model loaded); a runner
    without them (tests' fakes) checks nothing. `paths`: every file reference is a path here
    (a job file may name stored presenters)."""
    from pipeline.jobs.wiring import runner_factory
    from pipeline.preflight import InputChecks

    runner = getattr(service.executor, "runner", None) if config.executor == "inline" else None
    InputChecks(runner_factory(config), runner=runner)(spec, paths=paths)


#: the bar of the voice samples made before a job whose voices are chosen by speaker similarity
SAMPLES_BAR = "preparing voice samples"


def prepare_voice_samples(service, spec: JobSpec, *, quiet: bool = False) -> None:
    """Make the voice samples the job's submission needs (`pipeline.voicing_samples.
    languages_to_warm`), with a bar ("preparing voice samples", count and time left): choosing a
    voice by speaker similarity profiles every candidate voice's sample, over a minute the first
    time, and submission said nothing meanwhile. Samples already made cost a file read, so with
    every one kept no bar is shown (the submission reads them); one that fails is left to the
    submission, which says it."""
    from pipeline.voicing_samples import languages_to_warm, samples_to_make, warm_samples

    languages = languages_to_warm(getattr(service, "voices", None), spec)
    if not languages or not samples_to_make(service.voices, languages):
        return
    with ProgressBars(enabled=not quiet) as bars:
        warm_samples(service.voices, languages,
                     progress=lambda done, total, _: bars(SAMPLES_BAR, done, total, "sample"))
        bars.finish(SAMPLES_BAR)


def labeller(service, job_id: str) -> Callable[[str], str]:
    """Task name -> its label in words for the progress bars ("Rendering ana — Portuguese");
    a narration whose language is detected says "narration" until its narrate task is done,
    then the language it heard (`pipeline.jobs.progress.detected_languages`)."""
    names = service.store.job(job_id)["labels"]
    detected: dict[str, str] = {}
    said: dict[str, str] = {}  # a task keeps its first label, so its bar is closed by the name it was opened with

    def label(task: str) -> str:
        if task not in said:
            key = TaskKey.parse(task)
            # found by the narrate task: looked up until it is known (once per task, as labels stick)
            if key.language == UNDETERMINED and not detected:
                detected.update(detected_languages(service.store.tasks(job_id), service.artifacts.meta))
            said[task] = task_label(key, names, detected)
        return said[task]
    return label


def run_spec(args: argparse.Namespace, spec: JobSpec, out: Path, *, flat: bool = False) -> int:
    """Check `spec`'s inputs, submit or resume it, run it, copy its packs to `out`; returns
    the exit status."""
    config = config_from(args)
    check_out(spec, out, flat)
    service = open_service(config)
    preflight(service, config, spec)
    quiet = getattr(args, "quiet", False)
    prepare_voice_samples(service, spec, quiet=quiet)
    job_id, resumed = service.submit_or_resume(spec)
    if not quiet:
        print(f"job {job_id}{' (resumed)' if resumed else ''}: {len(service.store.tasks(job_id))} tasks",
              file=sys.stderr)
    with ProgressBars(enabled=not quiet) as bars, store_paths_hidden(service.data_dir):
        label = labeller(service, job_id)
        lines = TaskLines(service, job_id, bars, quiet, label)
        if config.executor == "inline":
            state = run_here(service, job_id, bars, lines,
                             observe=lambda call, f, message: bars(label(call.task), round(100 * f), 100))
        else:
            from api.cli.run import watch

            service.executor.start()
            try:
                adopt(service, job_id)
                state = watch(service, job_id, quiet=quiet)
            finally:
                service.executor.stop()
    return finish(service, job_id, state, out, flat=flat)


def run_here(service, job_id: str, bars: ProgressBars, lines: Callable[[], None], *,
             observe: Callable | None = None, poll: float = 1.0) -> str:
    """Run the job's ready tasks in this process (the inline executor) until none is ready, and
    while some of its tasks are run by another process on the same data folder (a `polydub
    serve`, whose workers take every job's ready tasks) say so once and wait for them, polling
    every `poll` seconds, then go on: the command ended "made no language pack: running" while
    the service finished the pack (fresh4 finding 2). Returns the job's state."""
    said = False
    while True:
        service.executor.adopt(job_id)  # also requeues what a process that died left running
        service.executor.run(observe=observe, after=lines)
        state = service.store.job(job_id)["state"]
        others = [t for t in service.store.tasks(job_id) if t["state"] == "running"]
        if state not in ("queued", "running") or not others:
            return state
        if not said:
            workers = ", ".join(sorted({str(t["worker"]) for t in others}))
            bars.write(f"job {job_id}: {len(others)} task(s) taken by another process on this data folder "
                       f"({workers}; a polydub serve?); waiting for them")
            said = True
        sleep(poll)
        lines()


def finish(service, job_id: str, state: str, out: Path, *, flat: bool = False) -> int:
    """Copy the finished packs to `out`, say where they are and what failed; the exit status."""
    tasks = service.store.tasks(job_id)
    checks = {c["language"]: c["sentences"] for c in job_checks(tasks, service.artifacts)}
    if state == "waiting-review":
        langs = [r["language"] for r in service.snapshot(job_id)["reviews"] if not r["approved"]]
        flagged = "".join(f"; {lang}: {len(checks[lang])} sentence(s) to check "
                          f"({', '.join(s['id'] for s in checks[lang])})" for lang in langs if checks.get(lang))
        # Stopped on purpose, not failed: exit 0 (EXIT_STATUS), said in words so that no one
        # reads it as "every presenter rendered".
        print(f"job {job_id} waits for review of {', '.join(langs)}: no video is made until it is approved "
              f"(exit status 0). `polydub review {job_id} --lang {langs[0]}` shows the translation and what to "
              f"check, add --edit ID=TEXT to change a sentence and --approve to approve it; then run this command "
              f"again to go on{flagged}")
        return 0
    labels = service.store.job(job_id)["labels"]
    packs = [t for t in tasks if t["kind"] == "pack" and t["state"] == "done"]
    said: set[str] = set()
    for t in packs:
        folder = service.artifacts.path(t["output"])
        language = _manifest_language(folder / "pack", t["language"])
        dest = out if flat else out / language
        install_pack(folder / "pack", dest, _copy)
        zip_path = dest.with_suffix(".zip") if flat else out / f"{language}.zip"
        _copy(folder / "pack.zip", zip_path)
        videos = len(list((dest / "videos").glob("*.mp4")))
        print(f"{language}: {videos} video(s) in {dest}  (zip: {zip_path})")
        _say_checks(job_id, checks.get(t["language"]), language, t["language"])
        _say_conversions(folder / "pack", said)
    from api.redact import path_hider

    hide = path_hider(service.data_dir)  # the user's file name, not where the store keeps its copy
    states = {t["name"]: t["state"] for t in tasks}
    detected = detected_languages(tasks, service.artifacts.meta)
    errors = [hide(_failure_line(t, labels, detected)) for t in tasks
              if t["state"] == "failed" and not _no_pack(t) and not _after_failed_analysis(t, states)
              and not repeats_dependency(t, tasks)]
    if not packs and state != "done":
        raise JobError(errors[0] if len(errors) == 1 else
                       f"job {job_id} made no language pack: {'; '.join(errors) or state}")
    for line in errors:
        print(f"polydub: error: {line}", file=sys.stderr)
    if errors:
        print(f"polydub: {len(errors)} task(s) failed; fix the input and run the same command again to retry "
              "them (finished work is reused)", file=sys.stderr)
    return PARTIAL if errors else 0


def _say_checks(job_id: str, sentences: list[dict] | None, language: str, tag: str) -> None:
    """The language's sentences to check (`pipeline.jobs.checks`), after its pack's line: each
    one's source and translation (shortened) and what is wrong in words, then what to do.
    `language`: as the pack names it (pt-BR); `tag`: as the job does (pt), which review takes."""
    if not sentences:
        return
    print(f"{language}: {len(sentences)} sentence(s) to check:")
    for s in sentences:
        print(f"  {s['id']} \"{shorten(s['source'])}\" -> \"{shorten(s['text'])}\": {'; '.join(s['words'])}")
    print(f"  {advice(job_id, tag)}")


def _say_conversions(folder: Path, said: set[str]) -> None:
    """One line per presenter whose picture decoding changed (rotation, HDR tone mapping,
    transparency), once per command however many languages (the manifest lists them per video)."""
    import json

    try:
        videos = json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("videos") or []
    except (OSError, ValueError):
        return
    for video in videos:
        if video.get("conversions") and video["presenter"] not in said:
            said.add(video["presenter"])
            print(f"{video['presenter']}: {'; '.join(video['conversions'])}", file=sys.stderr)


def _no_pack(task: dict) -> bool:
    # A pack task that failed because each of its renders failed repeats their errors.
    return task["kind"] == "pack" and "no presenter could be rendered" in (task["error"] or "")


def _after_failed_analysis(task: dict, states: dict[str, str]) -> bool:
    # A render whose presenter's analysis failed repeats that error: the analysis says it.
    return task["kind"] == "render" and states.get(task["deps"].get("analysis", ""), "") == "failed"


def _failure_line(task: dict, labels: dict[str, str], detected: dict[str, str]) -> str:
    if task["kind"] == "render":
        language = detected.get(task["language"], task["language"])  # a detected narration's, once heard
        return (f"{labels.get(task['presenter'], task['presenter'])} "
                f"({'narration' if language == UNDETERMINED else language}): {task['error']}")
    return task["error"] or f"{task['name']} failed"


def _manifest_language(folder: Path, default: str) -> str:
    import json

    try:
        return str(json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["language"])
    except (OSError, ValueError, KeyError):
        return default


def check_out(spec: JobSpec, out: Path, flat: bool) -> None:
    """Before any work: refuse an --out whose pack folders would replace a user's files
    (`api.cli.outfolder.check_destination`); lipsync's pack is `out` itself."""
    if flat:
        check_destination(out, out.with_suffix(".zip"))
        return
    for language in spec.languages:
        if language != UNDETERMINED:
            tag = pack_language(language)
            check_destination(out / tag, out / f"{tag}.zip")


def _copy(src: Path, dest: Path) -> None:
    """Copy `src` over `dest` whole (`pipeline.atomic.atomic_path`): two commands copying the
    same pack at once never share a temporary, and a reader never sees half a file. Copies, not
    hard links: an edited output must never change the content-addressed artifact."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(dest) as tmp:
        shutil.copyfile(src, tmp)
