"""Sentences a person should check, per language of a job: the translations whose flags ask for a
check (`pipeline.segments.CHECK_FLAGS`: a respelled name, a lost currency sign, a changed
number...), with each flag said in plain words (`pipeline.segments.flagged_sentences`) and what
to do about it. The command line's end of job summary, `polydub review` and the API's job
record (GET /jobs/{id}, `checks`) all show these.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from pipeline.jobs.artifacts import ArtifactStore
from pipeline.segments import flagged_sentences

log = logging.getLogger(__name__)

#: what to do about flagged sentences (`advice`)
_ADVICE = ("check them: `polydub review {job} --lang {language}` shows them and --edit ID=TEXT corrects one "
           "(its speech and videos are redone when the job runs again; run with --review to check before "
           "voicing), or fix the script or the glossary")


def advice(job: str = "JOB", language: str = "LANG") -> str:
    """What to do about a language's flagged sentences on the command line, in one line (the
    API's job record says it its own way: `api.routes.jobs.API_ADVICE`)."""
    return _ADVICE.format(job=job, language=language)


def job_checks(tasks: Iterable[Mapping[str, Any]], artifacts: ArtifactStore) -> list[dict[str, Any]]:
    """Per translated language of a job (its finished translate tasks, `tasks` as the store
    gives them), the sentences to check: [{"language": spec tag, "target_language": the
    translator's tag, "sentences": flagged_sentences(...)}], languages with none left out. A
    translation that cannot be read is logged and left out (the job's tasks say why)."""
    out = []
    for task in tasks:
        if task["kind"] != "translate" or task["state"] != "done" or not task.get("output"):
            continue
        try:
            data = json.loads((artifacts.path(task["output"]) / "translation.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("%s: its translation could not be read for checks: %s", task["name"], exc)
            continue
        flagged = flagged_sentences(data.get("sentences") or ())
        if flagged:
            out.append({"language": task["language"], "target_language": data.get("target_language"),
                        "sentences": flagged})
    return out
