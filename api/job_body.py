"""The body of POST /jobs (and the `options` of POST /jobs/upload): every `JobSpec` field a
client may set, checked by the spec's own parsers (`pipeline.jobs.spec_fields`), so an invalid
value is the same one line the command line and job files get, naming the field.

Safe by default: nothing from a client names a file on the server. Inputs are upload keys
(POST /uploads, POST /presenters), text comes as text, and renderer options that would be a
path (a Wav2Lip `checkpoint`) are refused: the service uses its model store's weights.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from pipeline.jobs import spec_fields as fields
from pipeline.jobs.schema import PREVIEW_HEIGHT_RANGE, PREVIEW_SECONDS_MAX
from pipeline.jobs.spec import RATE_RANGE, SpecError

__all__ = ["JobCreate", "JobRecordIn", "PreviewIn", "SERVER_ONLY", "UPLOAD_KEY", "client_renderer_options"]

#: `JobSpec` fields a client never sets, and why (a test checks every other field is here)
SERVER_ONLY = {
    "analyse_only": "an analysis job is made by the service for each presenter POST /presenters stores",
}

#: an upload key as POST /uploads returns it ("sha256:" and 64 hex digits); the bare digest is
#: how an exported job.json names its stored inputs
UPLOAD_KEY = re.compile(r"^(sha256:)?[0-9a-f]{64}$")

#: renderer options that name a weights file: the service uses its model store's (`polydub
#: models import` on the server); a client's path would read the server's disk
PATH_OPTIONS = ("checkpoint",)
_LOOKS_LIKE_PATH = re.compile(r"[/\\]|^~|^\.\.?$|\.(pth|pt|ckpt|onnx|bin|safetensors)$", re.IGNORECASE)


def client_renderer_options(value: Any) -> dict[str, str | bool | int | float]:
    """`renderer_options` from a client: the spec's parser, then SpecError for any option that
    names a file (`PATH_OPTIONS`, or a value that looks like a path); the value is never echoed."""
    options = fields.renderer_options(value)
    for key, option in options.items():
        if key in PATH_OPTIONS or (isinstance(option, str) and _LOOKS_LIKE_PATH.search(option)):
            raise SpecError(f"renderer_options: {key} names a file, which a client may not do; the service uses "
                            "the weights of its model store (`polydub models import` on the server): drop it")
    return options


def _key_or_none(name: str, what: str) -> Callable[[Any], Any]:
    def parse(value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str) or not UPLOAD_KEY.match(value):
            raise SpecError(f"{name}: give the key POST /uploads (kind=text) returned for the {what} "
                            "(sha256:...), not a file name")
        return value
    return parse


def _glossary(value: Any) -> Any:
    parsed = fields.glossary_mapping(value)
    return _key_or_none("glossary", "glossary file")(parsed) if isinstance(parsed, str) else parsed


def _flag(name: str) -> Callable[[Any], bool]:
    return lambda value: fields.flag(value, name)


#: each field's parser: the spec's own (one set of rules), raising SpecError
PARSERS: dict[str, Callable[[Any], Any]] = {
    "voices": fields.voices,
    "glossary": _glossary,
    "renderer_options": client_renderer_options,
    "rate": lambda value: fields.number(value, "rate"),
    "audio_track": fields.track,
    "background": fields.colour,
    "translations": _key_or_none("translations", "translations file"),
    **{name: _flag(name) for name in ("review", "accept_truncated", "accept_mixed_language")},
}


class PreviewIn(BaseModel):
    """A preview's size; the limits are those `JobSpec.check` enforces (`pipeline.jobs.schema`)."""

    seconds: float = Field(3.0, gt=0, le=PREVIEW_SECONDS_MAX, description="seconds from the start of the presenter")
    height: int = Field(240, ge=PREVIEW_HEIGHT_RANGE[0], le=PREVIEW_HEIGHT_RANGE[1],
                        description="output height in pixels")


class JobCreate(BaseModel):
    """A job: exactly one of `text`, `recording` (an upload key) or `narrations` (language ->
    upload key); presenters are presenter ids from POST /presenters. The fields are `JobSpec`'s
    (`polydub run --schema` documents the job file), less `SERVER_ONLY`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {
        "text": "Clean the nozzle at the end of every shift.", "languages": ["pt", "es"],
        "presenters": ["p0193a8c2e1f4aa12b3"], "review": True}})

    languages: list[str] = Field(default_factory=list, examples=[["pt", "es"]],
                                 description="target BCP-47 tags; with narrations, their keys (may be left out)")
    presenters: list[str] = Field(min_length=1, description="presenter ids from POST /presenters")
    text: str | None = Field(None, description="the script, plain text or Markdown")
    recording: str | None = Field(None, description="key returned by POST /uploads: a recorded talk, transcribed "
                                                    "(or aligned to `transcript`), then translated")
    narrations: dict[str, str] = Field(default_factory=dict, description="language -> key from POST /uploads, used "
                                                                         "as they are; language `und`: detected")
    transcript: str | None = Field(None, description=(
        "the words of the recording or of the one narration, as text: they are aligned on the audio and no speech "
        "recogniser runs (the more robust path, as `polydub lipsync --transcript`)"))
    audio_track: int | None = Field(None, json_schema_extra={"minimum": 1}, description=(
        "the audio stream of the recording or narration files, counting from 1; left out: the first"))
    source_language: str | None = Field(None, description="the script's BCP-47 tag; left out, it is detected, "
                                                          "as `polydub localize` does without --source-lang")
    accept_mixed_language: bool = Field(False, description="with text and source_language: translate lines read as "
                                                           "another language of the same script as source_language")
    translations: str | None = Field(None, description=(
        "key from POST /uploads (kind=text) of a provided translations file: XLIFF 2.x, PO, CSV or JSON"))
    voices: dict[str, str | dict[str, str]] = Field(
        default_factory=dict, description="{language: voice} and/or {presenter id: {language: voice}}; "
                                          "voice: an id from GET /voices, or female/male")
    glossary: dict[str, Any] | str = Field(default_factory=dict, description=(
        "{keep: [terms], forced: {language: {term: translation}}}, as in a job file, or the key from POST /uploads "
        "(kind=text) of a glossary file (CSV/TSV with term,translation,language; JSON; YAML)"))
    review: bool = Field(False, description="stop after translation until a reviewer approves each language")
    rate: float = Field(1.0, json_schema_extra={"minimum": RATE_RANGE[0], "maximum": RATE_RANGE[1]}, description=(
        f"speaking rate of the synthesized voices, 1.0 = normal; {RATE_RANGE[0]} to {RATE_RANGE[1]}"))
    renderer: str = Field("auto", description="lip-sync renderer: one of GET /languages `renderers` (auto: the "
                                              "engine chooses)")
    renderer_options: dict[str, str | bool | int | float] = Field(default_factory=dict, description=(
        "the renderer's own options (strings, numbers, true/false); none may name a file: a Wav2Lip checkpoint "
        "comes from the server's model store"))
    accept_truncated: bool = Field(False, description=(
        "use a cut-off presenter or audio file as far as it reads instead of refusing it"))
    background: str | None = Field(None, description=(
        "the colour behind a transparent presenter: #rrggbb or a colour name (gray); left out: the decoder's"))
    name: str = Field("", max_length=200, description="a label for lists")
    preview: PreviewIn | None = Field(None, description="the first seconds of one presenter, small")

    @field_validator(*PARSERS, mode="before")
    @classmethod
    def _parsed(cls, value: Any, info: ValidationInfo) -> Any:
        """The spec's parser of the field; its SpecError becomes the validation message as it is."""
        try:
            return PARSERS[info.field_name](value)
        except SpecError as exc:
            raise ValueError(str(exc)) from None


class JobRecordIn(BaseModel):
    """job.json of a job zip (GET /jobs/{id}/download.zip), as `pipeline.jobs.exports` writes it."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field("", description="the exported job's id (a new job is made)")
    name: str = Field("", max_length=200)
    spec: dict[str, Any] = Field(description="the job's spec: the fields of POST /jobs")
    automatic_voices: dict[str, Any] = Field(default_factory=dict, description="voices the service chose; chosen again")
    presenters: dict[str, str] = Field(default_factory=dict, description="presenter label -> name")


def error_line(errors: list[dict[str, Any]], prefix: str = "") -> str:
    """pydantic's validation errors as one line: a parser's own message as it is when it names
    the field (the spec's do), others as "field: message"."""
    parts = []
    for e in errors:
        loc = [str(x) for x in e.get("loc", ()) if x != "body"]
        where = ".".join(loc)
        own = " ".join(str((e.get("ctx") or {}).get("error", "")).split())
        if e.get("type") == "value_error" and loc and own.startswith(loc[-1]):
            parts.append(own)
        else:
            parts.append(f"{where}: {e.get('msg')}" if where else str(e.get("msg")))
    return prefix + "; ".join(parts)
