from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, HTTPException, Query

from api.deps import Outward, get_outward, get_service, get_settings
from api.schemas import JobCreate, JobCreated, JobExtend, JobList, JobOut, JobSummary
from api.settings import Settings
from pipeline.jobs.service import JobService
from pipeline.jobs.spec import JobSpec

router = APIRouter(prefix="/jobs", tags=["jobs"])

ERRORS = {404: {"description": "no such job or task"}, 409: {"description": "the job cannot do that now"},
          422: {"description": "the job spec or an input is not usable"},
          507: {"description": "too little free disk; delete old jobs or run `polydub gc`"}}


def job_out(snap: dict, out: Outward = Outward()) -> JobOut:
    """The job as the API shows it: links as `out.sign` writes them, no server paths in errors."""
    snap, sign = out.hide(snap), out.sign
    jid = snap["id"]
    videos = [{**v, "url": sign(f"/jobs/{jid}/videos/{v['language']}/{v['presenter']}.mp4")}
              for v in snap["outputs"]["videos"]]
    packs = [{"language": p["language"], "url": sign(f"/jobs/{jid}/packs/{p['language']}.zip"),
              "srt": sign(f"/jobs/{jid}/subtitles/{p['language']}.srt"),
              "vtt": sign(f"/jobs/{jid}/subtitles/{p['language']}.vtt")} for p in snap["outputs"]["packs"]]
    return JobOut(**{k: v for k, v in snap.items() if k != "outputs"}, videos=videos, packs=packs,
                  zip_url=sign(f"/jobs/{jid}/download.zip") if packs else None, events=sign(f"/jobs/{jid}/events"))


def _spec(body: JobCreate, settings: Settings) -> JobSpec:
    if body.text and len(body.text) > settings.max_script_chars:
        raise HTTPException(422, f"the script has {len(body.text)} characters, more than the limit of "
                                 f"{settings.max_script_chars} (POLYDUB_MAX_SCRIPT_CHARS); split it into several jobs")
    return JobSpec.from_dict(body.model_dump(exclude_none=True))


def _created(job_id: str, sign: Callable[[str], str]) -> JobCreated:
    return JobCreated(id=job_id, url=f"/jobs/{job_id}", events=sign(f"/jobs/{job_id}/events"))


@router.post("", response_model=JobCreated, status_code=201, responses=ERRORS,
             summary="Create a job from text, a recording, or a narration per language")
def create_job(body: JobCreate, service: JobService = Depends(get_service),
               settings: Settings = Depends(get_settings), out: Outward = Depends(get_outward)) -> JobCreated:
    return _created(service.submit(_spec(body, settings)), out.sign)


@router.post("/preview", response_model=JobCreated, status_code=201, responses=ERRORS,
             summary="A quick preview: the first seconds of the first presenter in the first language, low resolution")
def create_preview(body: JobCreate, seconds: float = Query(3.0, gt=0, le=30), height: int = Query(240, ge=64, le=1080),
                   service: JobService = Depends(get_service), settings: Settings = Depends(get_settings),
                   out: Outward = Depends(get_outward)) -> JobCreated:
    return _created(service.preview(_spec(body, settings), seconds, height), out.sign)


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
               out: Outward = Depends(get_outward)) -> JobOut:
    service.extend(job_id, body.languages, body.presenters)
    return job_out(service.snapshot(job_id), out)


@router.delete("/{job_id}", status_code=204, responses=ERRORS, summary="Delete a job and the files only it used")
def delete_job(job_id: str, service: JobService = Depends(get_service)) -> None:
    service.delete(job_id)
