from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import get_service
from api.schemas import Approve, ReviewEdit, ReviewEdited, ReviewOut
from pipeline.jobs.service import JobService

router = APIRouter(prefix="/jobs/{job_id}/review", tags=["review"])


@router.get("/{language}", response_model=ReviewOut, summary="The translation of one language, beside its source")
def get_review(job_id: str, language: str, service: JobService = Depends(get_service)) -> ReviewOut:
    return ReviewOut(**service.review(job_id, language))


@router.put("/{language}", response_model=ReviewEdited,
            summary="Edit translated sentences; only this language's speech, renders and pack are redone")
def edit_review(job_id: str, language: str, body: ReviewEdit, service: JobService = Depends(get_service)) -> ReviewEdited:
    redo = service.edit(job_id, language, body.edits)
    labels = {t["name"]: t["label"] for t in service.snapshot(job_id)["tasks"]}
    return ReviewEdited(redo=redo, redo_labels=[labels.get(name, name) for name in redo])


@router.post("/{language}/approve", response_model=ReviewOut, summary="Approve a language: its speech and renders start")
def approve(job_id: str, language: str, body: Approve | None = None,
            service: JobService = Depends(get_service)) -> ReviewOut:
    service.approve(job_id, language, (body or Approve()).by)
    return ReviewOut(**service.review(job_id, language))
