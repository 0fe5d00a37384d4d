from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse

from api.deps import get_service
from pipeline.jobs.artifacts import safe_name
from pipeline.jobs.service import JobService

router = APIRouter(prefix="/jobs/{job_id}", tags=["downloads"])


@router.get("/videos/{language}/{presenter}.mp4", response_class=FileResponse, summary="One rendered video")
def video(job_id: str, language: str, presenter: str, download: bool = False,
          service: JobService = Depends(get_service)) -> FileResponse:
    job = service.store.job(job_id)
    name = job["labels"].get(presenter, presenter).rsplit(".", 1)[0]
    return FileResponse(service.video_path(job_id, language, presenter), media_type="video/mp4",
                        filename=safe_name(f"{name}-{language}.mp4") if download else None)


@router.get("/posters/{presenter}.jpg", response_class=FileResponse,
            summary="A presenter's first frame, small: the poster of the job's videos")
def poster(job_id: str, presenter: str, service: JobService = Depends(get_service)) -> FileResponse:
    return FileResponse(service.poster_path(job_id, presenter), media_type="image/jpeg")


@router.get("/packs/{language}.zip", response_class=FileResponse, summary="A language pack (videos, narration, subtitles, script, manifest)")
def pack(job_id: str, language: str, service: JobService = Depends(get_service)) -> FileResponse:
    return FileResponse(service.pack_zip(job_id, language), media_type="application/zip",
                        filename=safe_name(f"{job_id}-{language}.zip"))


@router.get("/download.zip", response_class=FileResponse, summary="The whole job: every finished language pack")
def job_zip(job_id: str, service: JobService = Depends(get_service)) -> FileResponse:
    return FileResponse(service.job_zip(job_id), media_type="application/zip", filename=safe_name(f"{job_id}.zip"))


@router.get("/subtitles/{language}.{fmt}", response_class=FileResponse, summary="Subtitles as srt or vtt")
def subtitles(job_id: str, language: str, fmt: str, service: JobService = Depends(get_service)) -> FileResponse:
    media = "text/vtt" if fmt == "vtt" else "application/x-subrip"
    return FileResponse(service.subtitles_path(job_id, language, fmt), media_type=media,
                        filename=safe_name(f"{job_id}-{language}.{fmt}"))
