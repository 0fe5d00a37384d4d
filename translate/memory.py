"""Translation memory: every sentence translation cached on disk (SQLite) under its source
text, language pair, model and glossary version, so editing one sentence re-translates only
that sentence and re-running a job translates nothing."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from translate.errors import TranslationError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tm (
    key TEXT PRIMARY KEY, source_text TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL,
    model TEXT NOT NULL, glossary TEXT NOT NULL, text TEXT NOT NULL, flags TEXT NOT NULL,
    created REAL NOT NULL DEFAULT (julianday('now')))
"""


@dataclass(frozen=True)
class MemoryEntry:
    text: str
    flags: tuple[str, ...]


class TranslationMemory:
    """`path=None` keeps the memory for this object's lifetime only."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else None
        try:
            if self.path:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path) if self.path else ":memory:", check_same_thread=False,
                                       timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL" if self.path else "PRAGMA journal_mode=MEMORY")
            self._db.execute(_SCHEMA)
            self._db.commit()
        except sqlite3.DatabaseError as exc:
            raise TranslationError(f"translation memory {self.path} cannot be opened ({exc}); "
                                   "move the file away and a new one is made") from exc
        self._lock = threading.Lock()

    @staticmethod
    def key(source_text: str, source: str, target: str, model: str, glossary: str) -> str:
        blob = json.dumps([" ".join(source_text.split()), source, target, model, glossary], ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def get(self, source_text: str, source: str, target: str, model: str, glossary: str = "") -> MemoryEntry | None:
        with self._lock:
            row = self._db.execute("SELECT text, flags FROM tm WHERE key = ?",
                                   (self.key(source_text, source, target, model, glossary),)).fetchone()
        return MemoryEntry(row[0], tuple(json.loads(row[1]))) if row else None

    def put(self, source_text: str, source: str, target: str, model: str, glossary: str, text: str,
            flags: tuple[str, ...] = ()) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO tm (key, source_text, source, target, model, glossary, text, flags) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (self.key(source_text, source, target, model, glossary), source_text, source, target, model,
                 glossary, text, json.dumps(list(flags))))
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM tm").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
