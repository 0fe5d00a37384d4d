"""Translation review: a reviewer reads a finished translation, edits sentences (which redoes
the work downstream of it) and approves a language, which lets its voicing run when the job
asked for review.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Callable, Mapping
from typing import Any

from pipeline.errors import InputError, JobError
from pipeline.jobs.artifacts import ArtifactStore
from pipeline.jobs.capabilities import normalize_tag
from pipeline.jobs.keys import TaskKey
from pipeline.jobs.store import JobStore, NotFoundError
from pipeline.segments import EDITED_FROM, flag_words, recheck, to_check

log = logging.getLogger(__name__)


class ReviewDesk:
    """Reviews of a job's translations; `wake()` tells the executor there is work to pick up."""

    def __init__(self, store: JobStore, artifacts: ArtifactStore, wake: Callable[[], None]):
        self.store = store
        self.artifacts = artifacts
        self.wake = wake

    def _translate_task(self, job_id: str, language: str) -> dict[str, Any]:
        language = normalize_tag(language)
        try:
            task = self.store.task(job_id, str(TaskKey("translate", language)))
        except JobError:
            raise NotFoundError(f"job {job_id} has no translation into {language!r} to review") from None
        if task["state"] != "done":
            raise JobError(f"the {language} translation of job {job_id} is {task['state']}, not ready for review yet")
        return task

    def review(self, job_id: str, language: str) -> dict[str, Any]:
        """A language's finished translation with its review state; each sentence (id, source,
        text, flags) with "words": its check flags in plain words (`CHECK_WORDS`, what the page
        shows). NotFoundError when the job has no such translation, JobError when it is not done yet."""
        language = normalize_tag(language)
        task = self._translate_task(job_id, language)
        doc = json.loads((self.artifacts.path(task["output"]) / "translation.json").read_text(encoding="utf-8"))
        row = next((r for r in self.store.reviews(job_id) if r["language"] == language), {})
        sentences = [{**s, "words": [flag_words(f) for f in to_check(s.get("flags") or ())]} for s in doc["sentences"]]
        return {"language": language, "approved": bool(row.get("approved")), "edited": bool(row.get("edited")),
                "source_language": doc.get("source_language"), "sentences": sentences}

    def edit(self, job_id: str, language: str, edits: Mapping[str, str]) -> list[str]:
        """Change translated sentences (by id); returns the tasks that will be redone."""
        language = normalize_tag(language)
        task = self._translate_task(job_id, language)
        folder = self.artifacts.path(task["output"])
        doc = json.loads((folder / "translation.json").read_text(encoding="utf-8"))
        ids = {s["id"] for s in doc["sentences"]}
        unknown = sorted(set(edits) - ids)
        if unknown:
            raise InputError(f"no sentence(s) {', '.join(unknown)} in the {language} translation")
        changed = False
        glossary = task["params"].get("glossary") or None
        for s in doc["sentences"]:
            if s["id"] in edits and edits[s["id"]].strip() != s["text"]:
                if not edits[s["id"]].strip():
                    raise InputError(f"sentence {s['id']} would be empty; write a translation or keep the old one")
                s.setdefault(EDITED_FROM, s["text"])  # the machine's text, kept over later edits
                s["text"] = " ".join(edits[s["id"]].split())
                if s[EDITED_FROM] == s["text"]:  # edited back to the machine's words
                    del s[EDITED_FROM]
                # a person wrote it: the checks are made again on their words (a wrong number stays flagged)
                source_language = _sentence_source(s, doc.get("source_language"))
                s["flags"] = [f for f in s.get("flags") or () if not to_check([f])] + recheck(
                    s.get("source", ""), s["text"], source_language, doc.get("target_language") or language, glossary)
                changed = True
        if not changed:
            return []
        doc["edited"] = True
        blob = json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1)
        key = hashlib.sha256(blob.encode()).hexdigest()
        if not self.artifacts.has(key):
            tmp = self.artifacts.begin()
            for extra in folder.iterdir():
                if extra.name not in ("translation.json", "meta.json") and extra.is_file():
                    shutil.copyfile(extra, tmp / extra.name)
            (tmp / "translation.json").write_text(blob, encoding="utf-8")
            self.artifacts.commit(key, tmp, {"kind": "translate", "edited_from": task["output"]})
        self.store.mark_edited(job_id, language)
        redo = self.store.set_output(job_id, task["name"], key)
        log.info("edited %s: redo %s", language, ", ".join(redo), extra={"job_id": job_id, "task": task["name"]})
        self.wake()
        return redo

    def approve(self, job_id: str, language: str, who: str = "reviewer") -> None:
        """Approve a language's translation as `who`; its waiting work may then run."""
        language = normalize_tag(language)
        self._translate_task(job_id, language)
        self.store.approve(job_id, language, who)
        self.wake()


def _sentence_source(sentence: Mapping[str, Any], default: str | None) -> str | None:
    """The language a sentence was translated from: its "source-language:xx" flag (a line
    identified as another language), else the translation's."""
    flags = sentence.get("flags") or ()
    return next((f.split(":", 1)[1] for f in flags if f.startswith("source-language:")), default)
