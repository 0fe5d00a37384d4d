"""Glossary files for a job: read into the spec's mapping form, so the terms (not the file's
name) are part of the translation tasks' keys.

    CSV / TSV  a header with columns term,translation,language; an empty translation keeps
               the term as it is (do-not-translate), an empty language applies to every one
    JSON/YAML  {keep: [terms], forced: {language: {term: translation}}} ("*": every language)

The mapping is what `translate.glossary.Glossary.of(keep=..., forced=...)` takes.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from pipeline.jobs.spec import SpecError, glossary_mapping

SUFFIXES = (".csv", ".tsv", ".json", ".yaml", ".yml")


def read_glossary(path: str | Path) -> dict[str, Any]:
    """{keep: [...], forced: {language: {term: translation}}} from a glossary file.

    Raises SpecError (naming the file and what to write) when it cannot be read as one."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"glossary: cannot read {path.name} as UTF-8 text ({exc})") from exc
    kind = _kind(path, raw)
    if kind in ("csv", "tsv"):
        return _from_rows(path, raw, "\t" if kind == "tsv" else ",")
    try:
        if kind == "json":
            data = json.loads(raw)
        else:
            import yaml

            data = yaml.safe_load(raw)
    except ValueError as exc:
        raise SpecError(f"glossary: {path.name} is not valid {kind.upper()} ({' '.join(str(exc).split())})") from exc
    except Exception as exc:  # yaml.YAMLError has no common base with ValueError
        raise SpecError(f"glossary: {path.name} is not valid YAML ({' '.join(str(exc).split())})") from exc
    result = glossary_mapping(data)
    if isinstance(result, str):
        raise SpecError(f"glossary: {path.name} holds a single string; write {{keep: [...], forced: {{...}}}}")
    return result


def _kind(path: Path, raw: str) -> str:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix in (".csv", ".tsv", ".json"):
        return suffix[1:]
    # A stored input keeps its file name, so a suffix is almost always there; else sniff.
    first = raw.lstrip()[:1]
    if first in "{[":
        return "json"
    header = raw.splitlines()[0] if raw.strip() else ""
    return "tsv" if "\t" in header else "csv"


def _from_rows(path: Path, raw: str, delimiter: str) -> dict[str, Any]:
    rows = list(csv.DictReader(io.StringIO(raw), delimiter=delimiter))
    if not rows:
        raise SpecError(f"glossary: {path.name} has no terms; write a header term,translation,language and a row "
                        "per term")
    fields = {(k or "").strip().lower(): k for k in rows[0]}
    if "term" not in fields:
        raise SpecError(f"glossary: {path.name} needs a header with columns term,translation,language")
    keep: list[str] = []
    forced: dict[str, dict[str, str]] = {}
    for row in rows:
        term = (row.get(fields["term"]) or "").strip()
        if not term:
            continue
        translation = (row.get(fields.get("translation", ""), "") or "").strip()
        language = (row.get(fields.get("language", ""), "") or "").strip() or "*"
        if translation:
            forced.setdefault(language, {})[term] = translation
        elif language == "*":
            keep.append(term)
        else:  # kept as is in one language only: a forced translation to itself
            forced.setdefault(language, {})[term] = term
    return {"keep": keep, "forced": forced}
