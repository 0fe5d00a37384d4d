"""Request and response bodies of the HTTP API (separate models for each direction)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.job_body import JobCreate, PreviewIn  # noqa: F401  (re-exported: the job body is in api.job_body)


JobState = Literal["queued", "running", "waiting-review", "done", "failed", "cancelled"]
TaskState = Literal["queued", "running", "done", "failed", "cancelled"]


# ---------------------------------------------------------------------- requests


class JobExtend(BaseModel):
    model_config = ConfigDict(extra="forbid")
    languages: list[str] = Field(default_factory=list)
    presenters: list[str] = Field(default_factory=list)


class ReviewEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    edits: dict[str, str] = Field(description="sentence id -> corrected translation")


class Approve(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: str = Field("reviewer", min_length=1, max_length=200)


# ---------------------------------------------------------------------- responses


class TaskOut(BaseModel):
    name: str
    kind: str
    language: str | None
    presenter: str | None
    file: str | None = Field(None, description="the presenter file this task works on")
    label: str = Field("", description="what the task does, for people (\"Rendering Ana — pt\")")
    state: TaskState
    progress: float
    message: str | None
    error: str | None
    attempts: int
    cached: bool
    seconds: float | None


class ReviewState(BaseModel):
    language: str
    approved: bool
    edited: bool
    approved_by: str | None
    approved_at: float | None


class VideoOut(BaseModel):
    language: str
    presenter: str
    name: str
    url: str
    poster: str | None = Field(None, description="the presenter's first frame (JPEG), for <video poster>")


class PackOut(BaseModel):
    language: str
    url: str
    srt: str
    vtt: str


class SentenceCheck(BaseModel):
    id: str
    source: str
    text: str = Field(description="the translation")
    flags: list[str] = Field(description="what to check, as the manifest lists it (\"currency-changed:£\")")
    words: list[str] = Field(description="each flag in plain words, in the same order")


class LanguageChecks(BaseModel):
    language: str = Field(description="the job's language tag (as in `languages`)")
    target_language: str | None = Field(None, description="the translator's tag (pt -> pt-BR)")
    sentences: list[SentenceCheck]
    advice: str = Field(description="what to do about them through the API")


class JobSummary(BaseModel):
    id: str
    name: str
    kind: str
    state: JobState
    created: float
    started: float | None
    finished: float | None
    error: str | None
    languages: list[str]
    presenters: dict[str, str] = Field(description="presenter label -> name")
    percent: float
    eta_seconds: float | None
    review: bool


class JobOut(JobSummary):
    tasks: list[TaskOut]
    reviews: list[ReviewState]
    videos: list[VideoOut]
    packs: list[PackOut]
    zip_url: str | None
    checks: list[LanguageChecks] = Field(default_factory=list, description=(
        "per translated language, the sentences whose translation a person should check (a lost currency "
        "sign, changed numbers, a respelled name...); languages with none are left out"))
    events: str = Field(description="server-sent progress events of this job (a signed link on a service with a token)")


class JobList(BaseModel):
    jobs: list[JobSummary]
    total: int
    offset: int
    limit: int


class JobCreated(BaseModel):
    id: str
    url: str
    events: str


class Sentence(BaseModel):
    id: str
    source: str
    text: str
    flags: list[str] = Field(default_factory=list)
    words: list[str] = Field(default_factory=list, description="the flags that ask for a check, each in plain "
                                                               "words (what to show a reviewer), in order")


class ReviewOut(BaseModel):
    language: str
    approved: bool
    edited: bool
    source_language: str | None
    sentences: list[Sentence]


class ReviewEdited(BaseModel):
    redo: list[str] = Field(description="tasks that will run again because of the edit")
    redo_labels: list[str] = Field(default_factory=list, description="the same tasks in words (\"Voicing pt\")")


class Analysis(BaseModel):
    state: str
    progress: float | None = None
    error: str | None = None
    report: dict[str, Any] | None = None


class PresenterOut(BaseModel):
    id: str
    name: str
    key: str
    label: str = Field(description="the presenter for people: the uploaded file's name, made safe (no folders), "
                                   "as task labels and the packs' videos name it")
    video_id: str = Field(description="how a job's links name this presenter: /jobs/{id}/videos/{language}/"
                                      "{video_id}.mp4 and the `presenter` of its videos (the key's first 10 hex digits)")
    consent_by: str
    consent_at: float
    created: float
    info: dict[str, Any]
    analysis: Analysis
    thumbnail_url: str | None


class UploadError(BaseModel):
    file: str
    error: str


class PresentersUploaded(BaseModel):
    presenters: list[PresenterOut]
    errors: list[UploadError]


class UploadOut(BaseModel):
    key: str
    name: str
    info: dict[str, Any]


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    free_disk_gb: float
    min_free_gb: float
    workers: list[dict[str, Any]]
    voice_samples: dict[str, Any] | None = Field(
        None, description="the start-up warm-up of the voice samples (`pipeline.voicing_samples.SampleWarmer.status`): "
                          "state (warming, ready, failed, stopped), done and total samples, current, failed; null when off")


class Version(BaseModel):
    version: str


class Error(BaseModel):
    detail: str


class VoiceOut(BaseModel):
    language: str
    voice: str = Field(description="the id to give as a job's voice")
    backend: str
    description: str
    default: bool


class LanguageOut(BaseModel):
    tag: str = Field(description="BCP-47 tag to give in a job's languages")
    name: str = Field(description="English name (\"Portuguese (Brazil)\")")
    runs: bool = Field(description="a job into it from the source language can run here")
    translates_from: list[str] = Field(description="source languages with a model into it (through English counts)")
    voices: list[str] = Field(description="installed voices that speak it, the default first")
    needs: str = Field("", description="what is missing (\"a translation model en-es\", \"a voice\"); empty when it runs")


class Languages(BaseModel):
    source: str
    languages: list[LanguageOut] = Field(description="those that run first, then those that need a model")
    how_to_add_model: str = Field(description="how to add a translation model")
    how_to_add_voice: str = Field(description="how to add a voice")
    renderers: list[str] = Field(description="lip-sync renderer names a job's renderer may be (auto: the engine chooses)")



Register = Literal["female", "male", "unknown"]


def register_field(what: str):
    """`register` in JSON ("female", "male", "unknown"); the attribute is `voice_register`, as
    `register` would shadow pydantic's `BaseModel.register`."""
    return Field(alias="register", description=what)


class UsableVoiceOut(BaseModel):
    language: str = Field(description="the language asked for (BCP-47)")
    voice: str = Field(description="the id to give in a job's voices")
    label: str = Field(description="the voice for people (\"jf_nezumi (Kokoro)\")")
    voice_register: Register = register_field("the voice's pitch register")
    wer: float | None = Field(description="measured word error rate in this language, 0 to 1 (None: not measured)")
    default: bool = Field(description="the language's default voice")
    sample_url: str | None = Field(description="a short WAV sample of the voice in this language (a signed link on a "
                                               "service with a token); None when the language has no sample sentence")


class AutomaticVoiceOut(BaseModel):
    language: str
    voice: str | None = Field(description="the voice a job submitted now would use (None: the language default)")
    label: str
    voice_register: Register = register_field("the chosen voice's pitch register")
    reason: str = Field(description="why it is chosen, as the language pack's manifest records it")


class PresenterVoicesOut(BaseModel):
    presenter: str = Field(description="the presenter id")
    source: Literal["speech", "declared", "default"] = Field(
        description="where the voice profile comes from: the presenter's own speech, a declaration, or nothing")
    voice_register: Register = register_field("the presenter's pitch register (measured or declared)")
    f0_median_hz: float | None = Field(description="median pitch of the presenter's speech (Hz)")
    notes: list[str] = Field(description="what the analysis decided (no speech heard, a second speaker ignored, ...)")
    voices: list[AutomaticVoiceOut] = Field(description="the automatic choice per language asked for")
