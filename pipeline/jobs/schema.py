"""The job file's JSON Schema (draft 2020-12), generated from `JobSpec`.

`polydub run --schema` prints it; editors use it to complete and check `job.yaml`. The field types
come from the dataclass annotations (pydantic's `TypeAdapter(JobSpec).json_schema()`), each
field's description from the "Fields" table of `JobSpec`'s docstring, and the limits from the
constants `JobSpec.check` uses (`RATE_RANGE`, the BCP-47 pattern, the renderer registry). On top
of the types the schema states the alternative forms `from_dict` accepts (`languages: pt, es`,
`presenters: one.mp4`, `preview: true`), the job-file-only keys `from_yaml` reads (`text_file`,
`transcript_file`), and the one cross-field rule an editor can show: exactly one source. Other
cross-field rules (a transcript needs audio, review needs text...) are left to
`JobSpec.from_dict`, which names the field in its error.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from pipeline.jobs.spec import _LANGUAGE, RATE_RANGE, JobSpec, renderer_choices

#: keys only a job file has: `JobSpec.from_yaml` reads the file (relative to the job file) into
#: the named field
FILE_KEYS = {
    "text_file": ("text", "a file with the script (plain text or Markdown), read relative to the job file; "
                          "instead of text"),
    "transcript_file": ("transcript", "a file with the transcript, read relative to the job file; "
                                      "instead of transcript"),
}
#: the preview limits `JobSpec.check` enforces
PREVIEW_SECONDS_MAX = 30.0
PREVIEW_HEIGHT_RANGE = (64, 1080)
_NOT_BLANK = r"\S"
_SOURCES = ("text", "text_file", "recording", "narrations")


def field_descriptions(doc: str | None = None) -> dict[str, str]:
    """{field: description} from the "Fields" table of `JobSpec`'s docstring.

    A table row is two spaces, the field name, spaces and the description; deeper-indented lines
    continue the row above. Raises RuntimeError when a dataclass field has no row, so a new field
    cannot reach the schema undocumented.
    """
    lines = inspect.cleandoc(doc if doc is not None else JobSpec.__doc__ or "").splitlines()
    out: dict[str, str] = {}
    current = ""
    for line in lines:
        row = re.match(r"^  ([a-z_]+) +(\S.*)$", line)
        if row:
            current = row.group(1)
            out[current] = row.group(2).strip()
        elif current and re.match(r"^ {3,}\S", line):
            out[current] += " " + line.strip()
        else:
            current = ""
    missing = sorted(set(JobSpec.__dataclass_fields__) - set(out))
    if missing:
        raise RuntimeError(f"JobSpec's docstring has no description for {', '.join(missing)}; "
                           "add a row to its Fields table")
    return out


def job_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a job file, as a JSON-ready dict.

    Raises RuntimeError when a `JobSpec` field lacks a description (see `field_descriptions`).
    """
    from pydantic import TypeAdapter

    schema = TypeAdapter(JobSpec).json_schema()
    props: dict[str, Any] = schema["properties"]
    for name, text in field_descriptions().items():
        if name in props:
            props[name]["description"] = text
    _tighten(props)
    _tighten_preview(schema)
    for key, (target, text) in FILE_KEYS.items():
        props[key] = {"title": key.replace("_", " ").capitalize(), "type": "string", "pattern": _NOT_BLANK,
                      "description": text}
        schema.setdefault("dependentSchemas", {})[key] = {"not": {"required": [target]}}
    schema["required"] = ["presenters"]  # languages may come from the narrations' keys
    schema["additionalProperties"] = False  # from_dict refuses unknown fields
    schema["if"] = {"properties": {"analyse_only": {"const": True}}, "required": ["analyse_only"]}
    schema["else"] = {"allOf": [_one_source(), _languages_given()]}
    schema["description"] = ("A polydub job: one source (text, text_file, recording or narrations), target "
                             "languages and presenter videos, with options. See the README, section "
                             "\"The job file\". polydub checks the cross-field rules too and names the field.")
    schema["title"] = "polydub job file"
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def _tighten(props: dict[str, Any]) -> None:
    """Limits and the alternative forms `from_dict` accepts, field by field."""
    tag = {"type": "string", "pattern": _LANGUAGE.pattern}
    _list_or_text(props["languages"], dict(tag), "comma- or space-separated tags, e.g. \"pt, es\"")
    _list_or_text(props["presenters"], {"type": "string", "pattern": _NOT_BLANK}, "one presenter")
    props["source_language"]["anyOf"][0] = dict(tag)
    props["narrations"] |= {"propertyNames": dict(tag), "additionalProperties": {"type": "string",
                                                                                  "pattern": _NOT_BLANK}}
    for name in ("text", "transcript"):  # an empty script or transcript is refused
        props[name]["anyOf"][0]["pattern"] = _NOT_BLANK
    props["audio_track"]["anyOf"][0]["minimum"] = 1
    props["rate"] |= {"minimum": RATE_RANGE[0], "maximum": RATE_RANGE[1]}
    props["renderer"]["enum"] = list(renderer_choices())
    voice = {"type": "string", "pattern": _NOT_BLANK,
             "description": "a voice name (see `polydub voices`), or female/male to declare the presenter's register"}
    props["voices"] |= {"additionalProperties": {"anyOf": [
        voice, {"type": "object", "description": "one presenter's voices: {language: voice}",
                "additionalProperties": voice}]}}
    scalar = {"type": ["string", "number", "boolean"]}
    props["renderer_options"] |= {"additionalProperties": scalar}
    terms = {"type": "array", "items": {"type": "string"}}
    per_language = {"type": "object", "additionalProperties": {"type": "string"}}
    props["glossary"]["anyOf"][0] = {
        "type": "object", "additionalProperties": False,
        "properties": {"keep": terms | {"description": "terms that are never translated"},
                       "forced": {"type": "object", "propertyNames": dict(tag),
                                  "additionalProperties": per_language,
                                  "description": "{language: {term: translation}}"}}}
    props["glossary"]["anyOf"][1] = {"type": "string", "description": "a glossary file (CSV, TSV, JSON, YAML)"}


def _list_or_text(prop: dict[str, Any], item: dict[str, Any], text_form: str) -> None:
    """A list of unique items, or the text form `from_dict` splits."""
    prop.pop("type", None)
    prop.pop("items", None)
    prop["anyOf"] = [{"type": "array", "items": item, "uniqueItems": True},
                     {"type": "string", "description": text_form}]


def _tighten_preview(schema: dict[str, Any]) -> None:
    preview = schema["$defs"]["Preview"]["properties"]
    preview["seconds"] |= {"exclusiveMinimum": 0, "maximum": PREVIEW_SECONDS_MAX,
                           "description": "seconds from the start of the presenter"}
    preview["height"] |= {"minimum": PREVIEW_HEIGHT_RANGE[0], "maximum": PREVIEW_HEIGHT_RANGE[1],
                          "description": "output height in pixels"}
    prop = schema["properties"]["preview"]
    prop["anyOf"] = [{"type": "boolean", "description": "true: 3 s at 240 px"}
                     if a.get("type") == "null" else a for a in prop["anyOf"]] + [{"type": "null"}]


def _one_source() -> dict[str, Any]:
    """Exactly one of text, text_file, recording, narrations (null and {} count as absent)."""
    given = {"text": {"type": "string"}, "text_file": {"type": "string"},
             "recording": {"type": "string", "minLength": 1}, "narrations": {"type": "object", "minProperties": 1}}
    return {"oneOf": [{"required": [k], "properties": {k: given[k]}} for k in _SOURCES]}


def _languages_given() -> dict[str, Any]:
    """Target languages, or narrations whose keys are the languages."""
    return {"anyOf": [
        {"required": ["languages"], "properties": {"languages": {"minItems": 1, "minLength": 1}}},
        {"required": ["narrations"], "properties": {"narrations": {"minProperties": 1}}},
    ]}
