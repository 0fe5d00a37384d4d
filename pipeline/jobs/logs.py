"""Service logs: one rotated file per service in the data folder, every line with the job and
task it concerns ("-" when none). Worker processes send their records to the service's
listener through a queue, so only one process writes (and rotates) the file."""

from __future__ import annotations

import contextvars
import logging
import logging.handlers
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s job=%(job_id)s task=%(task)s %(name)s: %(message)s"

_job = contextvars.ContextVar("polydub_job", default="-")
_task = contextvars.ContextVar("polydub_task", default="-")


class ContextFilter(logging.Filter):
    """Give every record `job_id` and `task` (from `extra=`, else the current task context)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "job_id"):
            record.job_id = _job.get()
        if not hasattr(record, "task"):
            record.task = _task.get()
        return True


@contextmanager
def task_context(job_id: str, task: str) -> Iterator[None]:
    tokens = (_job.set(job_id), _task.set(task))
    try:
        yield
    finally:
        _job.reset(tokens[0])
        _task.reset(tokens[1])


def log_path(data_dir: str | Path, service: str = "service") -> Path:
    return Path(data_dir) / "logs" / f"{service}.log"


def file_handler(data_dir: str | Path, service: str = "service", max_bytes: int = 5 << 20,
                 backups: int = 5) -> logging.Handler:
    path = log_path(data_dir, service)
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(ContextFilter())
    return handler


def follow(path: str | Path, lines: int = 20, poll: float = 0.5, stop=None) -> Iterator[str]:
    """The last `lines` lines of a log, then new lines as they are written (across rotation)."""
    import time

    path = Path(path)
    tail: list[str] = []
    if path.exists():
        with open(path, encoding="utf-8", errors="replace") as f:
            tail = f.readlines()[-lines:] if lines else []
    yield from (t.rstrip("\n") for t in tail)
    f = open(path, encoding="utf-8", errors="replace") if path.exists() else None
    if f:
        f.seek(0, 2)
    inode = path.stat().st_ino if path.exists() else None
    try:
        while stop is None or not stop():
            line = f.readline() if f else ""
            if line:
                yield line.rstrip("\n")
                continue
            # Rotated (new inode) or created: reopen from the start.
            if path.exists() and path.stat().st_ino != inode:
                if f:
                    f.close()
                f = open(path, encoding="utf-8", errors="replace")
                inode = path.stat().st_ino
                continue
            time.sleep(poll)
    finally:
        if f:
            f.close()
