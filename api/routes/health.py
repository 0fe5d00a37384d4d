from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from api.deps import get_service, get_settings, is_authenticated
from api.schemas import Health, Version
from api.settings import Settings
from pipeline import __version__
from pipeline.jobs.service import JobService

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health,
            summary="Is the service up, and how much disk is free (the workers only with the token)")
def health(request: Request, service: JobService = Depends(get_service),
           settings: Settings = Depends(get_settings)) -> Health:
    status = getattr(service.executor, "status", None)
    workers = status() if status and is_authenticated(request) else []  # process ids are for the operator
    warmer = getattr(request.app.state, "voice_warmer", None)
    return Health(status="ok", version=__version__, free_disk_gb=round(service.free_bytes() / 1e9, 2),
                  min_free_gb=settings.min_free_gb, workers=workers,
                  voice_samples=warmer.status() if warmer is not None else None)


@router.get("/version", response_model=Version, summary="The polydub version")
def version() -> Version:
    return Version(version=__version__)
