"""The job store: jobs, their tasks, reviews and presenters in one SQLite file (WAL).

Everything an executor or the API needs to resume lives here, so a restart loses nothing:
`requeue_interrupted()` puts tasks that were running back in the queue. Each thread gets its
own connection; writes that read-then-write take `BEGIN IMMEDIATE` so they never interleave.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.errors import JobError
from pipeline.jobs.keys import TaskKey, gate_language
from pipeline.jobs.plan import TaskNode
from pipeline.jobs.store_rows import (  # noqa: F401 - re-exported: `from pipeline.jobs.store import ...` keeps working
    _JSON_COLUMNS, _SCHEMA, ACTIVE, JOB_STATES, OPTIONAL_ROLE, TASK_STATES, WEIGHTS, _row, deps_settled,
    derive_state, fail_dependents, new_id, repeats_dependency, reset_downstream)
from pipeline.jobs.store_rows import derive_state as _derive_state  # noqa: F401 - its former name


class NotFoundError(JobError):
    """A job, task or presenter that the store does not hold."""


class JobStore:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._db().executescript(_SCHEMA)

    # ------------------------------------------------------------------ plumbing
    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            self._local.db = db
        return db

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # ------------------------------------------------------------------ jobs
    def create_job(self, name: str, kind: str, spec: dict[str, Any], tasks: Iterable[TaskNode],
                   labels: dict[str, str] | None = None, languages: Iterable[str] = (),
                   carry_edits_from: str | None = None) -> str:
        job_id = new_id("j")
        with self._tx() as db:
            db.execute("INSERT INTO jobs (id, name, kind, spec, labels, state, created) VALUES (?,?,?,?,?,?,?)",
                       (job_id, name, kind, json.dumps(spec), json.dumps(labels or {}), "queued", time.time()))
            self._insert_tasks(db, job_id, tasks)
            for lang in languages:
                db.execute("INSERT OR IGNORE INTO reviews (job_id, language) VALUES (?,?)", (job_id, lang))
            if carry_edits_from:
                self._carry_edits(db, carry_edits_from, job_id)
        return job_id

    def _insert_tasks(self, db, job_id: str, tasks: Iterable[TaskNode]) -> int:
        seq = db.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM tasks WHERE job_id=?", (job_id,)).fetchone()[0]
        added = 0
        for t in tasks:
            cur = db.execute(
                "INSERT OR IGNORE INTO tasks (job_id, name, seq, kind, deps, inputs, params, language, presenter, gate)"
                " VALUES (?,?,?,?,?,?,?,?,?,?)",
                (job_id, t.name, seq, t.kind, json.dumps(dict(t.deps)), json.dumps(dict(t.inputs)),
                 json.dumps(dict(t.params)), t.language, t.presenter, t.gate))
            seq += 1
            added += cur.rowcount
        return added

    def extend_job(self, job_id: str, spec: dict[str, Any], tasks: Iterable[TaskNode],
                   labels: dict[str, str], languages: Iterable[str]) -> int:
        """Add the tasks of a grown spec (more languages or presenters); packs are redone."""
        tasks = list(tasks)
        with self._tx() as db:
            self._need_job(db, job_id)
            db.execute("UPDATE jobs SET spec=?, labels=?, state='queued', finished=NULL, error=NULL WHERE id=?",
                       (json.dumps(spec), json.dumps(labels), job_id))
            for t in tasks:
                if t.kind == "pack":
                    db.execute("DELETE FROM tasks WHERE job_id=? AND name=?", (job_id, t.name))
            for lang in languages:
                db.execute("INSERT OR IGNORE INTO reviews (job_id, language) VALUES (?,?)", (job_id, lang))
            added = self._insert_tasks(db, job_id, tasks)
        self.refresh_job(job_id)
        return added

    def _need_job(self, db, job_id: str) -> dict[str, Any]:
        row = _row(db.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone())
        if row is None:
            raise NotFoundError(f"no job {job_id!r}; list jobs with GET /jobs or `polydub run --list`")
        return row

    def job(self, job_id: str) -> dict[str, Any]:
        return self._need_job(self._db(), job_id)

    def jobs(self, offset: int = 0, limit: int = 20, kind: str | None = None) -> tuple[list[dict], int]:
        """Newest first; `kind` is one kind or several, comma-separated ("job,preview")."""
        db = self._db()
        kinds = tuple(k for k in (kind or "").split(",") if k)
        where, args = (f"WHERE kind IN ({','.join('?' * len(kinds))})", kinds) if kinds else ("", ())
        total = db.execute(f"SELECT COUNT(*) FROM jobs {where}", args).fetchone()[0]
        rows = db.execute(f"SELECT * FROM jobs {where} ORDER BY created DESC, id DESC LIMIT ? OFFSET ?",
                          (*args, limit, offset)).fetchall()
        return [_row(r) for r in rows], total

    def find_job(self, kind: str, spec: dict[str, Any]) -> str | None:
        """The newest job of this kind whose stored spec is exactly `spec` (the resume rule)."""
        row = self._db().execute("SELECT id FROM jobs WHERE kind=? AND spec=? ORDER BY created DESC LIMIT 1",
                                 (kind, json.dumps(spec))).fetchone()
        return row[0] if row else None

    def requeue_tasks(self, job_id: str, workers: Iterable[str]) -> int:
        """Put a job's tasks that the given (dead) workers left running back in the queue."""
        workers = list(workers)
        if not workers:
            return 0
        with self._tx() as db:
            cur = db.execute(
                f"UPDATE tasks SET state='queued', progress=0, message='requeued: its process stopped',"
                f" worker=NULL, attempts=MAX(attempts-1, 0) WHERE job_id=? AND state='running'"
                f" AND worker IN ({','.join('?' * len(workers))})", (job_id, *workers))
        self.refresh_job(job_id)
        return cur.rowcount

    def active_jobs(self) -> list[str]:
        rows = self._db().execute(
            "SELECT id FROM jobs WHERE state IN ('queued','running','waiting-review') ORDER BY created").fetchall()
        return [r[0] for r in rows]

    def delete_job(self, job_id: str) -> None:
        with self._tx() as db:
            self._need_job(db, job_id)
            db.execute("DELETE FROM jobs WHERE id=?", (job_id,))

    # ------------------------------------------------------------------ tasks
    def tasks(self, job_id: str) -> list[dict[str, Any]]:
        rows = self._db().execute("SELECT * FROM tasks WHERE job_id=? ORDER BY seq", (job_id,)).fetchall()
        return [_row(r) for r in rows]

    def task(self, job_id: str, name: str) -> dict[str, Any]:
        row = _row(self._db().execute("SELECT * FROM tasks WHERE job_id=? AND name=?", (job_id, name)).fetchone())
        if row is None:
            raise NotFoundError(f"job {job_id} has no task {name!r}")
        return row

    def ready_tasks(self, job_id: str) -> list[dict[str, Any]]:
        """Queued tasks of a live job whose inputs are all done and whose gate is open."""
        job = self.job(job_id)
        if job["state"] not in ACTIVE:
            return []
        tasks = self.tasks(job_id)
        by_name = {t["name"]: t for t in tasks}
        approved = self.approved_languages(job_id)
        ready = []
        states = {name: t["state"] for name, t in by_name.items()}
        for t in tasks:
            if t["state"] != "queued":
                continue
            if not deps_settled(t["deps"], states):
                continue
            if t["gate"] and gate_language(t["gate"]) not in approved:
                continue
            ready.append(t)
        return ready

    def start_task(self, job_id: str, name: str, key: str, worker: str | None = None) -> bool:
        """Claim a queued task; False when it is no longer queued (cancelled meanwhile)."""
        now = time.time()
        with self._tx() as db:
            cur = db.execute(
                "UPDATE tasks SET state='running', key=?, worker=?, started=?, finished=NULL, progress=0,"
                " message=NULL, error=NULL, attempts=attempts+1 WHERE job_id=? AND name=? AND state='queued'",
                (key, worker, now, job_id, name))
            if cur.rowcount:
                # The job's clock starts with its first task, whatever state a cached task or a
                # review left the job row in (only a queued row used to get it: most never did).
                db.execute("UPDATE jobs SET started=COALESCE(started, ?),"
                           " state=CASE state WHEN 'queued' THEN 'running' ELSE state END WHERE id=?", (now, job_id))
        return bool(cur.rowcount)

    def progress(self, job_id: str, name: str, fraction: float, message: str | None = None) -> None:
        with self._tx() as db:
            db.execute("UPDATE tasks SET progress=?, message=COALESCE(?, message) WHERE job_id=? AND name=?"
                       " AND state='running'", (max(0.0, min(1.0, fraction)), message, job_id, name))

    def finish_task(self, job_id: str, name: str, key: str, output: str | None = None,
                    cached: bool = False, seconds: float = 0.0) -> None:
        now = time.time()
        with self._tx() as db:
            if output is None:
                # A reviewed edit carried over from an earlier run of this job replaces the output.
                row = db.execute("SELECT to_key FROM overrides WHERE job_id=? AND name=? AND from_key=?",
                                 (job_id, name, key)).fetchone()
                output = row[0] if row else None
            db.execute(
                "UPDATE tasks SET state='done', key=?, output=?, cached=?, progress=1, finished=?, seconds=?,"
                " error=NULL, started=COALESCE(started, ?) WHERE job_id=? AND name=? AND state IN ('queued','running')",
                (key, output or key, int(cached), now, seconds, now, job_id, name))
        self.refresh_job(job_id)

    def fail_task(self, job_id: str, name: str, error: str, retry: bool = False) -> None:
        """A running task failed: back to the queue when `retry`, else failed, and so is every
        queued task that needs it (its error), so that a pack does without a presenter whose
        analysis failed instead of waiting for a render that can never start."""
        state = "queued" if retry else "failed"
        with self._tx() as db:
            db.execute("UPDATE tasks SET state=?, error=?, finished=? WHERE job_id=? AND name=? AND state='running'",
                       (state, " ".join(error.split())[:2000], time.time(), job_id, name))
            if not retry:
                fail_dependents(db, job_id)
        self.refresh_job(job_id)

    def set_output(self, job_id: str, name: str, output: str) -> list[str]:
        """Replace a done task's output (an edited translation) and requeue what reads it."""
        with self._tx() as db:
            db.execute("UPDATE tasks SET output=? WHERE job_id=? AND name=? AND state='done'", (output, job_id, name))
            reset = reset_downstream(db, job_id, name)
        self.refresh_job(job_id)
        return reset

    def cancel(self, job_id: str, name: str | None = None) -> list[str]:
        """Cancel a job (or one task); returns the names of tasks that were running."""
        with self._tx() as db:
            where, args = self._scope(db, job_id, name)
            running = _names_in(db, where, args, ("running",))
            db.execute(f"UPDATE tasks SET state='cancelled', finished=? WHERE job_id=? {where}"
                       " AND state IN ('queued','running')", (time.time(), *args))
            if name is None:
                db.execute(f"UPDATE jobs SET state='cancelled', finished=? WHERE id=? AND state IN ({_marks(ACTIVE)})",
                           (time.time(), job_id, *ACTIVE))
        if name is not None:
            self.refresh_job(job_id)
        return running

    def retry(self, job_id: str, name: str | None = None) -> list[str]:
        """Requeue failed and cancelled tasks of a job (or one task)."""
        ended = ("failed", "cancelled")
        with self._tx() as db:
            where, args = self._scope(db, job_id, name)
            names = _names_in(db, where, args, ended)
            db.execute(f"UPDATE tasks SET state='queued', error=NULL, attempts=0, progress=0, message=NULL"
                       f" WHERE job_id=? {where} AND state IN ({_marks(ended)})", (*args, *ended))
            for n in names:  # a pack built without a render that is retried is built again
                reset_downstream(db, job_id, n)
            if names:
                db.execute("UPDATE jobs SET state='queued', finished=NULL, error=NULL WHERE id=?", (job_id,))
        self.refresh_job(job_id)
        return names

    def _scope(self, db, job_id: str, name: str | None) -> tuple[str, tuple[str, ...]]:
        """The SQL that narrows `WHERE job_id=?` to one task (`name`) or none, and the arguments
        of both; JobError when there is no such job."""
        self._need_job(db, job_id)
        return ("AND name=?", (job_id, name)) if name else ("", (job_id,))

    def requeue_interrupted(self) -> int:
        """At start-up: tasks left running by a stopped service go back to the queue."""
        with self._tx() as db:
            cur = db.execute("UPDATE tasks SET state='queued', progress=0, message='requeued after restart',"
                             " worker=NULL, attempts=MAX(attempts-1, 0) WHERE state='running'")
            return cur.rowcount

    def refresh_job(self, job_id: str) -> str:
        """Derive the job's state from its tasks' states and store it."""
        with self._tx() as db:
            job = self._need_job(db, job_id)
            if job["state"] == "cancelled":
                return "cancelled"
            tasks = [_row(r) for r in db.execute("SELECT name, state, deps, gate, error FROM tasks WHERE job_id=?",
                                                 (job_id,))]
            approved = {r[0] for r in db.execute("SELECT language FROM reviews WHERE job_id=? AND approved=1",
                                                 (job_id,))}
            state = derive_state(tasks, approved)
            # said once: a task failed because a task it needs failed repeats that task's error
            errors = [f"{t['name']}: {t['error']}" for t in tasks if t["state"] == "failed" and t["error"]
                      and not repeats_dependency(t, tasks)]
            finished = (job["finished"] or time.time()) if state in ("done", "failed", "cancelled") else None
            db.execute("UPDATE jobs SET state=?, finished=?, error=? WHERE id=?",
                       (state, finished, "; ".join(errors)[:2000] or None, job_id))
            return state

    @staticmethod
    def _carry_edits(db, from_job: str, to_job: str) -> int:
        """Let a new run of a job start from the earlier run's edited outputs (reviewed translations)."""
        rows = db.execute("SELECT name, key, output FROM tasks WHERE job_id=? AND state='done' AND output != key",
                          (from_job,)).fetchall()
        for name, key, output in rows:
            db.execute("INSERT OR REPLACE INTO overrides (job_id, name, from_key, to_key) VALUES (?,?,?,?)",
                       (to_job, name, key, output))
            key = TaskKey.parse(name)
            if key.kind == "translate":
                db.execute("UPDATE reviews SET edited=1 WHERE job_id=? AND language=?", (to_job, key.language))
        return len(rows)

    # ------------------------------------------------------------------ reviews
    def reviews(self, job_id: str) -> list[dict[str, Any]]:
        return [_row(r) for r in self._db().execute("SELECT * FROM reviews WHERE job_id=? ORDER BY language",
                                                     (job_id,))]

    def approved_languages(self, job_id: str) -> set[str]:
        return {r[0] for r in self._db().execute("SELECT language FROM reviews WHERE job_id=? AND approved=1",
                                                 (job_id,))}

    def approve(self, job_id: str, language: str, who: str) -> None:
        with self._tx() as db:
            cur = db.execute("UPDATE reviews SET approved=1, approved_by=?, approved_at=? WHERE job_id=? AND language=?",
                             (who, time.time(), job_id, language))
            if not cur.rowcount:
                raise NotFoundError(f"job {job_id} has no language {language!r} to approve")
            db.execute("UPDATE jobs SET state='queued' WHERE id=? AND state='waiting-review'", (job_id,))
        self.refresh_job(job_id)

    def mark_edited(self, job_id: str, language: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE reviews SET edited=1 WHERE job_id=? AND language=?", (job_id, language))

    # ------------------------------------------------------------------ presenters
    def add_presenter(self, name: str, key: str, consent_by: str, info: dict[str, Any]) -> str:
        pid = new_id("p")
        now = time.time()
        with self._tx() as db:
            db.execute("INSERT INTO presenters (id, name, key, consent_by, consent_at, created, info)"
                       " VALUES (?,?,?,?,?,?,?)", (pid, name, key, consent_by, now, now, json.dumps(info)))
        return pid

    def set_presenter_analysis(self, pid: str, job_id: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE presenters SET analysis_job=? WHERE id=?", (job_id, pid))

    def presenter(self, pid: str) -> dict[str, Any]:
        row = _row(self._db().execute("SELECT * FROM presenters WHERE id=?", (pid,)).fetchone())
        if row is None:
            raise NotFoundError(f"no presenter {pid!r}; upload it first (POST /presenters)")
        return row

    def presenters(self) -> list[dict[str, Any]]:
        return [_row(r) for r in self._db().execute("SELECT * FROM presenters ORDER BY created DESC")]

    def delete_presenter(self, pid: str) -> None:
        with self._tx() as db:
            if not db.execute("DELETE FROM presenters WHERE id=?", (pid,)).rowcount:
                raise NotFoundError(f"no presenter {pid!r}")

    # ------------------------------------------------------------------ disk
    def referenced_keys(self) -> set[str]:
        """Every artifact a stored job or presenter still points at."""
        db = self._db()
        keys: set[str] = set()
        for key, output, inputs in db.execute("SELECT key, output, inputs FROM tasks"):
            keys.update(k for k in (key, output) if k)
            keys.update(json.loads(inputs).values())
        keys.update(r[0] for r in db.execute("SELECT to_key FROM overrides"))
        keys.update(r[0] for r in db.execute("SELECT key FROM presenters"))
        return keys

    def expired_jobs(self, older_than_s: float) -> list[str]:
        cutoff = time.time() - older_than_s
        return [r[0] for r in self._db().execute(
            "SELECT id FROM jobs WHERE keep=0 AND state IN ('done','failed','cancelled') AND created < ?", (cutoff,))]


def _marks(values: tuple[str, ...]) -> str:
    """SQL placeholders for `values` in an IN (...) list."""
    return ",".join("?" * len(values))


def _names_in(db, where: str, args: tuple[str, ...], states: tuple[str, ...]) -> list[str]:
    """Names of the tasks that `WHERE job_id=? {where}` picks and that are in one of `states`."""
    return [r[0] for r in db.execute(f"SELECT name FROM tasks WHERE job_id=? {where} AND state IN ({_marks(states)})",
                                     (*args, *states))]
