from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, UploadFile
from pydantic import ValidationError

from api.job_body import JobRecordIn, error_line
from api.deps import Outward, get_capabilities, get_input_checks, get_outward, get_service, get_settings
from api.schemas import JobCreate, JobCreated, JobExtend, JobList, JobOut, JobSummary
from api.settings import Settings
from api.uploads import save_upload
from pipeline.jobs.capabilities import Capabilities, pack_spec
from pipeline.jobs.service import JobService
from pipeline.jobs.spec import JobSpec
from pipeline.preflight import InputChecks

router = APIRouter(prefix="/jobs", tags=["jobs"])

ERRORS = {404: {"description": "no such job or task"}, 409: {"description": "the job cannot do that now"},
          422: {"description": "the job spec or an input is not usable"},
          507: {"description": "too little free disk; delete old jobs or run `polydub gc`"}}


#: What an API client does about a language's flagged sentences (the command line says
#: `polydub review`; through the API a PUT of an edit redoes that sentence's speech, videos and pack).
API_ADVICE = ("check them: GET /jobs/{job}/review/{language} shows them beside their source, and a PUT there with "
              '{{"edits": {{"ID": "TEXT"}}}} corrects one (its speech, videos and pack are redone); '
              "or fix the script or the glossary")


def job_out(snap: dict, out: Outward = Outward()) -> JobOut:
    """The job as the API shows it: links as `out.sign` writes them, no server paths in errors,
    each language's checks with what to do through the API (`API_ADVICE`)."""
    snap, sign = out.hide(snap), out.sign
    jid = snap["id"]
    if snap.get("checks"):
        snap = {**snap, "checks": [{**c, "advice": API_ADVICE.format(job=jid, language=c["language"])}
                                   for c in snap["checks"]]}
    videos = [{**v, "url": sign(f"/jobs/{jid}/videos/{v['language']}/{v['presenter']}.mp4"),
               "poster": sign(f"/jobs/{jid}/posters/{v['presenter']}.jpg")} for v in snap["outputs"]["videos"]]
    packs = [{"language": p["language"], "url": sign(f"/jobs/{jid}/packs/{p['language']}.zip"),
              "srt": sign(f"/jobs/{jid}/subtitles/{p['language']}.srt"),
              "vtt": sign(f"/jobs/{jid}/subtitles/{p['language']}.vtt")} for p in snap["outputs"]["packs"]]
    return JobOut(**{k: v for k, v in snap.items() if k != "outputs"}, videos=videos, packs=packs,
                  zip_url=sign(f"/jobs/{jid}/download.zip") if packs else None, events=sign(f"/jobs/{jid}/events"))


def checked_spec(data: dict, settings: Settings, caps: Capabilities, checks: InputChecks | None = None) -> JobSpec:
    """The spec of a request body, its tags normalised, refused (422, one line naming the
    language and what to add) when part of it cannot run here, and, given `checks`, when its
    inputs fail the pre-flight check `polydub localize` runs (`pipeline.preflight`: a script
    with a line in a language no model translates, or clearly not the given source language;
    422 with the same line). References to stored files are not probed again."""
    for name, what in (("text", "the script"), ("transcript", "the transcript")):
        text = data.get(name)
        if isinstance(text, str) and len(text) > settings.max_script_chars:
            raise HTTPException(422, f"{name}: {what} has {len(text)} characters, more than the limit of "
                                     f"{settings.max_script_chars} (POLYDUB_MAX_SCRIPT_CHARS); split it into several jobs")
    # every language as its pack names it (pt -> pt-BR): the job, its links and labels say one tag
    spec = pack_spec(JobSpec.from_dict(data))
    spec.check()
    caps.check(spec)
    if checks is not None:
        checks(spec, paths=False)
    return spec


def _spec(body: JobCreate, settings: Settings, caps: Capabilities, checks: InputChecks) -> JobSpec:
    return checked_spec(body.model_dump(exclude_none=True), settings, caps, checks)


def _created(job_id: str, sign: Callable[[str], str]) -> JobCreated:
    return JobCreated(id=job_id, url=f"/jobs/{job_id}", events=sign(f"/jobs/{job_id}/events"))


@router.post("", response_model=JobCreated, status_code=201, responses=ERRORS,
             summary="Create a job from text, a recording, or a narration per language")
def create_job(body: JobCreate, service: JobService = Depends(get_service),
               settings: Settings = Depends(get_settings), out: Outward = Depends(get_outward),
               caps: Capabilities = Depends(get_capabilities),
               checks: InputChecks = Depends(get_input_checks)) -> JobCreated:
    return _created(service.submit(_spec(body, settings, caps, checks)), out.sign)


@router.post("/preview", response_model=JobCreated, status_code=201, responses=ERRORS,
             summary="A quick preview: the first seconds of the first presenter in the first language, low resolution")
def create_preview(body: JobCreate, seconds: float = Query(3.0, gt=0, le=30), height: int = Query(240, ge=64, le=1080),
                   service: JobService = Depends(get_service), settings: Settings = Depends(get_settings),
                   out: Outward = Depends(get_outward), caps: Capabilities = Depends(get_capabilities),
                   checks: InputChecks = Depends(get_input_checks)) -> JobCreated:
    return _created(service.preview(_spec(body, settings, caps, checks), seconds, height), out.sign)


@router.post("/import", response_model=JobCreated, status_code=201, responses=ERRORS,
             summary="Run a job again from the job.json of its job zip (on the server that stored its files)")
def import_job(record: JobRecordIn, service: JobService = Depends(get_service),
               settings: Settings = Depends(get_settings), out: Outward = Depends(get_outward),
               caps: Capabilities = Depends(get_capabilities),
               checks: InputChecks = Depends(get_input_checks)) -> JobCreated:
    spec = dict(record.spec)
    if spec.pop("analyse_only", False):
        raise HTTPException(422, "analyse_only: an analysis is made by uploading the presenter "
                                 "(POST /presenters), not imported")
    spec["name"] = spec.get("name") or record.name
    try:
        body = JobCreate(**spec)
    except ValidationError as exc:
        raise HTTPException(422, error_line(list(exc.errors()))) from None  # "field: ...", as POST /jobs says it
    return _created(service.submit(_spec(body, settings, caps, checks)), out.sign)


@router.get("", response_model=JobList, summary="Job history, newest first")
def list_jobs(offset: int = Query(0, ge=0), limit: int = Query(20, ge=1, le=200),
              kind: str | None = Query("job", description="job, preview or analysis (comma-separated); empty for all"),
              service: JobService = Depends(get_service)) -> JobList:
    rows, total = service.jobs(offset, limit, kind or None)
    return JobList(jobs=[JobSummary(**r) for r in rows], total=total, offset=offset, limit=limit)


@router.get("/{job_id}", response_model=JobOut, responses=ERRORS, summary="A job with its tasks and outputs")
def get_job(job_id: str, service: JobService = Depends(get_service), out: Outward = Depends(get_outward)) -> JobOut:
    return job_out(service.snapshot(job_id), out)


@router.post("/{job_id}/cancel", response_model=JobOut, responses=ERRORS, summary="Cancel a job, or one task")
def cancel_job(job_id: str, task: str | None = None, service: JobService = Depends(get_service),
               out: Outward = Depends(get_outward)) -> JobOut:
    service.cancel(job_id, task)
    return job_out(service.snapshot(job_id), out)


@router.post("/{job_id}/retry", response_model=JobOut, responses=ERRORS,
             summary="Run failed or cancelled tasks again (all, or one)")
def retry_job(job_id: str, task: str | None = None, service: JobService = Depends(get_service),
              out: Outward = Depends(get_outward)) -> JobOut:
    service.retry(job_id, task)
    return job_out(service.snapshot(job_id), out)


@router.post("/{job_id}/rerun", response_model=JobCreated, status_code=201, responses=ERRORS,
             summary="Run the same job again as a new job; unchanged work is reused")
def rerun_job(job_id: str, service: JobService = Depends(get_service), out: Outward = Depends(get_outward)) -> JobCreated:
    return _created(service.rerun(job_id), out.sign)


@router.post("/{job_id}/extend", response_model=JobOut, responses=ERRORS,
             summary="Add languages or presenters; only the new work runs")
def extend_job(job_id: str, body: JobExtend, service: JobService = Depends(get_service),
               out: Outward = Depends(get_outward), caps: Capabilities = Depends(get_capabilities),
               checks: InputChecks = Depends(get_input_checks)) -> JobOut:
    spec = JobSpec.from_dict(service.job_spec(job_id))
    languages = list(body.languages)
    if languages and not spec.narrations:  # only the new languages need a model, a voice, a way in
        added = pack_spec(replace(spec, languages=tuple(languages)))
        caps.check(added)
        checks(replace(added, presenters=()), paths=False)  # its presenters were probed when stored
        languages = list(added.languages)  # as packs name them (a language the job has keeps its tag)
    service.extend(job_id, languages, body.presenters)
    return job_out(service.snapshot(job_id), out)


@router.delete("/{job_id}", status_code=204, responses=ERRORS, summary="Delete a job and the files only it used")
def delete_job(job_id: str, service: JobService = Depends(get_service)) -> None:
    service.delete(job_id)


UPLOAD_DOC = ("One request for a whole job (scripts, LMS tools): presenter videos, optionally a script file, a "
              "recording or narrations, and `options`, a JSON object with the fields of POST /jobs. A `recording` "
              "or a `narrations` value names one of the uploaded `audio` files by its file name; `presenters` in "
              "the options may add presenters uploaded before (their ids). Same limits and token as the other uploads.")


@router.post("/upload", response_model=JobCreated, status_code=201, responses={
    **ERRORS, 413: {"description": "over the upload limit"}}, summary="Create a job and upload its files in one request",
    description=UPLOAD_DOC)
def create_job_with_files(
    presenters: Annotated[list[UploadFile], File(description="presenter videos (mp4, mov, mkv, avi, webm) or photos")],
    consent_by: Annotated[str, Form(min_length=1, description="who confirmed the presenters' consent")],
    options: Annotated[str, Form(description="JSON: the fields of POST /jobs (languages, text, voices, ...)")],
    consent: Annotated[bool, Form(description="the presenters agreed to be lip-synced")] = False,
    script: Annotated[UploadFile | None, File(description="the script, plain text or Markdown (UTF-8)")] = None,
    audio: Annotated[list[UploadFile] | None, File(description="the recording or narrations named in options")] = None,
    service: JobService = Depends(get_service), settings: Settings = Depends(get_settings),
    out: Outward = Depends(get_outward), caps: Capabilities = Depends(get_capabilities),
    checks: InputChecks = Depends(get_input_checks),
) -> JobCreated:
    if not consent:
        raise HTTPException(422, "confirm that the presenters consented to be lip-synced (consent=true)")
    data = _options(options, script, settings)
    files = {f.filename or f"audio-{i}": f for i, f in enumerate(audio or [])}
    named = [n for n in [data.get("recording"), *(data.get("narrations") or {}).values()] if n is not None]
    for name in named:
        if name not in files:
            raise HTTPException(422, f"options names the audio file {name!r}, but no uploaded audio file has that "
                                     f"name; upload it in the audio field (sent: {', '.join(files) or 'none'})")
    unused = sorted(set(files) - set(named))
    if unused:  # never stored without a word: say which option should name it
        raise HTTPException(422, f"audio file(s) {', '.join(unused)} not named in options; name it as the recording "
                                 "(\"recording\": \"talk.wav\") or a narration (\"narrations\": {\"pt\": \"pt.wav\"})")
    # Checked before anything is stored: a job that cannot run leaves no files behind.
    earlier = list(data.get("presenters") or [])
    checked_spec({**data, "presenters": [*earlier, *(f"upload-{i}" for i in range(len(presenters)))]}, settings, caps,
                 checks)
    data["presenters"] = earlier + [_store_presenter(f, service, settings, consent_by) for f in presenters]
    stored = {name: _store_audio(files[name], service, settings) for name in files}
    if data.get("recording") is not None:
        data["recording"] = stored[data["recording"]]
    if data.get("narrations"):
        data["narrations"] = {lang: stored[name] for lang, name in data["narrations"].items()}
    return _created(service.submit(checked_spec(data, settings, caps)), out.sign)


def _options(options: str, script: UploadFile | None, settings: Settings) -> dict:
    """The options field as JobCreate's fields (checked by it), with the script file's text."""
    try:
        raw = json.loads(options or "{}")
    except json.JSONDecodeError as exc:
        raise HTTPException(422, f"options: not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(raw, dict):
        raise HTTPException(422, "options: give a JSON object with the fields of POST /jobs, e.g. {\"languages\": [\"pt\"]}")
    if script is not None:
        if raw.get("text"):
            raise HTTPException(422, "give the script once: as the script file or as options.text, not both")
        body = script.file.read(settings.max_script_chars * 4 + 1)  # UTF-8: at most 4 bytes a character
        if len(body) > settings.max_script_chars * 4:
            raise HTTPException(422, f"{script.filename}: the script is longer than the limit of "
                                     f"{settings.max_script_chars} characters (POLYDUB_MAX_SCRIPT_CHARS)")
        try:
            raw["text"] = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise HTTPException(422, f"{script.filename}: the script is not UTF-8 text; save it as UTF-8") from None
    given = bool(raw.get("presenters"))
    try:  # JobCreate needs a presenter; the uploaded ones are added by the caller
        data = JobCreate(**{**raw, "presenters": raw["presenters"] if given else ["-"]}).model_dump(exclude_none=True)
    except ValidationError as exc:
        raise HTTPException(422, error_line(list(exc.errors()))) from None  # "field: ...", as POST /jobs
    return data if given else {**data, "presenters": []}


def _store_presenter(upload: UploadFile, service: JobService, settings: Settings, consent_by: str) -> str:
    name = upload.filename or "presenter"
    path = save_upload(upload, service.data_dir / "uploads", settings.max_upload_bytes)
    try:
        service.check_disk()
        return service.add_presenter(path, name, consent_by, move=True)["id"]
    finally:
        path.unlink(missing_ok=True)


def _store_audio(upload: UploadFile, service: JobService, settings: Settings) -> str:
    name = upload.filename or "narration"
    path = save_upload(upload, service.data_dir / "uploads", settings.max_upload_bytes)
    try:
        service.check_disk()
        return "sha256:" + service.add_input(path, name, want="audio", move=True)[0]
    finally:
        path.unlink(missing_ok=True)
