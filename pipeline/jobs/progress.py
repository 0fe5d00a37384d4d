"""How a job reads to its user: its summary row (percent done and time left, weighted by task
kind), its tasks labelled in words, and its finished outputs. Pure functions of the store's
job and task records.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from pipeline.errors import JobError
from pipeline.jobs.capabilities import language_name
from pipeline.jobs.keys import TaskKey
from pipeline.jobs.spec import UNDETERMINED
from pipeline.jobs.store import WEIGHTS

#: the task fields a snapshot shows, as the store names them
TASK_FIELDS = ("name", "kind", "language", "presenter", "state", "progress", "message", "error", "attempts",
               "cached", "seconds")


def summary(job: dict[str, Any], tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """A job's row in a listing: its fields, languages, presenters ({label: name}), percent done,
    seconds left (None when unknown) and whether it waits for review."""
    percent, eta = percent_eta(job, tasks)
    spec = job["spec"]
    return {**{k: job[k] for k in ("id", "name", "kind", "state", "created", "started", "finished", "error")},
            "languages": spec.get("languages", []), "presenters": job["labels"], "percent": percent,
            "eta_seconds": eta, "review": spec.get("review", False)}


def task_rows(job: dict[str, Any], tasks: list[dict[str, Any]],
              detected: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Each task's `TASK_FIELDS`, its presenter's file name and a label in words. `detected`
    maps a task language to the language found for it (`{"und": "en"}` once a narration's
    language is detected); until then such tasks say "narration"."""
    rows = [{k: t[k] for k in TASK_FIELDS} for t in tasks]
    for t in rows:
        t["file"] = job["labels"].get(t["presenter"]) if t["presenter"] else None
        # in words: "Voicing Portuguese", not "speak:pt"
        t["label"] = task_label(TaskKey.parse(t["name"]), job["labels"], detected)
    return rows


def task_label(key: TaskKey, names: Mapping[str, str], detected: Mapping[str, str] | None = None) -> str:
    """`key`'s label with its language in words ("Rendering ana — Portuguese"); a narration's
    undetermined language is said as `detected` gives it, else "narration"."""
    language = (detected or {}).get(key.language, key.language) if key.language else None
    if language is None or language == UNDETERMINED:
        return key.label(names)
    return key.label(names, language=language_name(language))


def detected_languages(tasks: list[dict[str, Any]], meta: Callable[[str], Mapping[str, Any]]) -> dict[str, str]:
    """{"und": tag} once a narration whose language was to be detected has been timed: the
    language its narrate task heard, from the summary the runner returned for it (`meta`: an
    artifact key -> its meta.json, `ArtifactStore.meta`); {} before that."""
    for t in tasks:
        if t["kind"] == "narrate" and t["language"] == UNDETERMINED and t["state"] == "done" and t["output"]:
            try:
                heard = meta(t["output"]).get("summary", {}).get("language")
            except (JobError, OSError, ValueError):
                return {}  # the artifact was collected meanwhile: say "narration"
            return {UNDETERMINED: heard} if heard and heard != UNDETERMINED else {}
    return {}


def outputs(job: dict[str, Any], tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """The finished videos ({language, presenter, name}) and packs ({language}) of a job."""
    videos, packs = [], []
    for t in tasks:
        if t["state"] != "done":
            continue
        if t["kind"] == "render":
            videos.append({"language": t["language"], "presenter": t["presenter"],
                           "name": job["labels"].get(t["presenter"], t["presenter"])})
        elif t["kind"] == "pack":
            packs.append({"language": t["language"]})
    return {"videos": videos, "packs": packs}


def settled_percent(tasks: list[dict[str, Any]]) -> float:
    """Percent (0-100, one decimal) of a job's work settled, weighted by kind as `percent_eta`:
    done, failed and cancelled tasks whole (nothing is left to do for them), running ones by their
    progress. What the command line's task lines show, so a job that ends with a failed render
    ends at 100 % rather than at the share the failed tasks never made (it stopped at 68.4 %)."""
    if not tasks:
        return 100.0
    total = sum(WEIGHTS.get(t["kind"], 1.0) for t in tasks)
    settled = sum(WEIGHTS.get(t["kind"], 1.0) * (1.0 if t["state"] in ("done", "failed", "cancelled")
                                                else t["progress"] if t["state"] == "running" else 0.0)
                  for t in tasks)
    return round(100.0 * settled / total, 1)


def percent_eta(job: dict[str, Any], tasks: list[dict[str, Any]]) -> tuple[float, float | None]:
    """(percent done 0-100, seconds left or None): tasks weighted by kind (`store.WEIGHTS`), the
    time left extrapolated linearly from the rate over the whole time elapsed once over 2% is
    done. It still jumps when a task heavier than its weight starts or ends; the web page
    (api/web/job.js `steadyEta`) keeps it from rising while the job advances."""
    if not tasks:
        return 100.0, 0.0
    total = sum(WEIGHTS.get(t["kind"], 1.0) for t in tasks)
    done = sum(WEIGHTS.get(t["kind"], 1.0) * (1.0 if t["state"] == "done" else t["progress"] if t["state"] == "running"
                                             else 0.0) for t in tasks)
    fraction = done / total
    eta = None
    if job["state"] in ("done",):
        return 100.0, 0.0
    if job["started"] and 0.02 < fraction < 1.0 and job["state"] == "running":
        elapsed = time.time() - job["started"]
        eta = round(elapsed * (1 - fraction) / fraction, 1)
    return round(100.0 * fraction, 1), eta
