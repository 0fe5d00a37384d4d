"""The job store's rows: its SQLite schema, row decoding, and the rules that derive task and
job states from the task graph (what may start, what fails with a dependency, what an edit
requeues). `pipeline.jobs.store` re-exports these names."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from pipeline.jobs.keys import gate_language

JOB_STATES = ("queued", "running", "waiting-review", "done", "failed", "cancelled")
TASK_STATES = ("queued", "running", "done", "failed", "cancelled")
ACTIVE = ("queued", "running", "waiting-review")
#: Rough relative cost of each kind, to turn task states into a job percent.
WEIGHTS = {"analyse": 2.0, "source": 0.5, "translate": 1.0, "narrate": 1.0, "speak": 1.0, "render": 6.0, "pack": 0.5}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, spec TEXT NOT NULL,
    labels TEXT NOT NULL DEFAULT '{}', state TEXT NOT NULL, created REAL NOT NULL,
    started REAL, finished REAL, error TEXT, keep INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created);
CREATE TABLE IF NOT EXISTS tasks (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE, name TEXT NOT NULL,
    seq INTEGER NOT NULL, kind TEXT NOT NULL, deps TEXT NOT NULL, inputs TEXT NOT NULL,
    params TEXT NOT NULL, language TEXT, presenter TEXT, gate TEXT,
    state TEXT NOT NULL DEFAULT 'queued', key TEXT, output TEXT, progress REAL NOT NULL DEFAULT 0,
    message TEXT, error TEXT, attempts INTEGER NOT NULL DEFAULT 0, cached INTEGER NOT NULL DEFAULT 0,
    worker TEXT, started REAL, finished REAL, seconds REAL,
    PRIMARY KEY (job_id, name));
CREATE INDEX IF NOT EXISTS tasks_state ON tasks(state);
CREATE TABLE IF NOT EXISTS reviews (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE, language TEXT NOT NULL,
    approved INTEGER NOT NULL DEFAULT 0, edited INTEGER NOT NULL DEFAULT 0,
    approved_by TEXT, approved_at REAL, PRIMARY KEY (job_id, language));
CREATE TABLE IF NOT EXISTS overrides (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE, name TEXT NOT NULL,
    from_key TEXT NOT NULL, to_key TEXT NOT NULL, PRIMARY KEY (job_id, name, from_key));
CREATE TABLE IF NOT EXISTS presenters (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, key TEXT NOT NULL, consent_by TEXT NOT NULL,
    consent_at REAL NOT NULL, created REAL NOT NULL, info TEXT NOT NULL DEFAULT '{}',
    analysis_job TEXT);
"""

#: dependency roles a task can do without when that dependency failed (a pack's renders)
OPTIONAL_ROLE = "render:"

_JSON_COLUMNS = ("deps", "inputs", "params", "spec", "labels", "info")


def _row(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    out = dict(row)
    for c in _JSON_COLUMNS:
        if c in out and isinstance(out[c], str):
            out[c] = json.loads(out[c])
    return out


def new_id(prefix: str) -> str:
    # Time-ordered, so ids sort like creation times; random tail so two services never clash.
    return f"{prefix}{int(time.time() * 1000):012x}{uuid.uuid4().hex[:6]}"


def repeats_dependency(task: Mapping[str, Any], tasks: Iterable[Mapping[str, Any]]) -> bool:
    """Whether `task` failed only because a task it needs failed: `fail_dependents` gives it
    that task's error, so the one that failed says it, once (the job's `error`, the CLI's lines).
    `task`, `tasks`: rows with name, state, deps ({role: task name}) and error."""
    by_name = {t["name"]: t for t in tasks}
    return any(by_name.get(d, {}).get("state") == "failed" and by_name[d]["error"] == task["error"]
               for d in task["deps"].values())


def fail_dependents(db: sqlite3.Connection, job_id: str) -> None:
    """Fail every queued task of `job_id` that needs a failed task (not an optional role), with its error."""
    rows = [_row(r) for r in db.execute("SELECT name, deps, state, error FROM tasks WHERE job_id=?", (job_id,))]
    states = {r["name"]: r["state"] for r in rows}
    errors = {r["name"]: r["error"] for r in rows}
    changed = True
    while changed:
        changed = False
        for r in rows:
            if states[r["name"]] != "queued":
                continue
            failed = next((d for role, d in r["deps"].items()
                           if states[d] == "failed" and not role.startswith(OPTIONAL_ROLE)), None)
            if failed is not None:
                db.execute("UPDATE tasks SET state='failed', error=?, finished=? WHERE job_id=? AND name=?"
                           " AND state='queued'", (errors[failed], time.time(), job_id, r["name"]))
                states[r["name"]], errors[r["name"]] = "failed", errors[failed]
                changed = True


def reset_downstream(db: sqlite3.Connection, job_id: str, name: str) -> list[str]:
    """Requeue every task downstream of `name` (not queued, not running) and reopen a finished job;
    returns the requeued names, sorted."""
    rows = [_row(r) for r in db.execute("SELECT name, deps, state FROM tasks WHERE job_id=?", (job_id,))]
    dirty = {name}
    changed = True
    while changed:
        changed = False
        for r in rows:
            if r["name"] not in dirty and dirty & set(r["deps"].values()):
                dirty.add(r["name"])
                changed = True
    dirty.discard(name)
    states = {r["name"]: r["state"] for r in rows}
    dirty = {n for n in dirty if states[n] != "queued"}  # queued ones will read the new output anyway
    for n in dirty:
        db.execute("UPDATE tasks SET state='queued', key=NULL, output=NULL, progress=0, message=NULL, error=NULL,"
                   " cached=0, started=NULL, finished=NULL, seconds=NULL, attempts=0"
                   " WHERE job_id=? AND name=? AND state != 'running'", (job_id, n))
    if dirty:
        db.execute("UPDATE jobs SET state='queued', finished=NULL, error=NULL WHERE id=? AND state IN ('done','failed')",
                   (job_id,))
    return sorted(dirty)


def deps_settled(deps: dict[str, str], states: dict[str, str]) -> bool:
    """Whether a task may start: every dependency done, except that a render may also have
    failed (a pack is built from the renders that succeeded and lists the others)."""
    return all(states[d] == "done" or (states[d] == "failed" and role.startswith(OPTIONAL_ROLE))
               for role, d in deps.items())


def derive_state(tasks: list[dict[str, Any]], approved: set[str]) -> str:
    """The job state (one of JOB_STATES, never 'cancelled' unless a task is) that its task rows
    (name, state, deps, gate) imply, given the languages whose review is approved."""
    if not tasks or all(t["state"] == "done" for t in tasks):
        return "done"
    states = {t["name"]: t["state"] for t in tasks}
    if "running" in states.values():
        return "running"
    ready = gated = False
    for t in tasks:
        if t["state"] != "queued" or not deps_settled(t["deps"], states):
            continue
        if t["gate"] and gate_language(t["gate"]) not in approved:
            gated = True
        else:
            ready = True
    if ready:
        return "running" if any(s in ("done", "failed") for s in states.values()) else "queued"
    if gated:
        return "waiting-review"
    if "failed" in states.values():
        return "failed"
    if "cancelled" in states.values():
        return "cancelled"
    return "queued"
