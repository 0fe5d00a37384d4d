"""How a job reads to its user: its summary row (percent done and time left, weighted by task
kind), its tasks labelled in words, and its finished outputs. Pure functions of the store's
job and task records.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from pipeline.jobs.capabilities import language_name
from pipeline.jobs.keys import TaskKey
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


def task_rows(job: dict[str, Any], tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each task's `TASK_FIELDS`, its presenter's file name and a label in words."""
    rows = [{k: t[k] for k in TASK_FIELDS} for t in tasks]
    for t in rows:
        t["file"] = job["labels"].get(t["presenter"]) if t["presenter"] else None
        key = TaskKey.parse(t["name"])  # in words: "Voicing Portuguese", not "speak:pt"
        t["label"] = replace(key, language=language_name(key.language)).label(job["labels"]) if key.language \
            else key.label(job["labels"])
    return rows


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


def percent_eta(job: dict[str, Any], tasks: list[dict[str, Any]]) -> tuple[float, float | None]:
    """(percent done 0-100, seconds left or None): tasks weighted by kind (`store.WEIGHTS`), the
    time left extrapolated linearly from the time elapsed once over 2% is done."""
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
