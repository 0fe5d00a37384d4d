from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse

from api.deps import get_service, get_settings, is_authenticated
from api.schemas import Health, Version
from api.settings import Settings
from pipeline import __version__
from pipeline.jobs.service import JobService

router = APIRouter(tags=["health"])

#: the page's icon (api/web/favicon.svg), also at /favicon.ico where browsers look without a link
ICON = Path(__file__).resolve().parent.parent / "web" / "favicon.svg"


@router.get("/health", response_model=Health,
            summary="Is the service up, and how much disk is free (the workers to a token holder, "
                    "without their process ids when no token is set)")
def health(request: Request, service: JobService = Depends(get_service),
           settings: Settings = Depends(get_settings)) -> Health:
    status = getattr(service.executor, "status", None)
    workers = status() if status else []
    # Process ids are for the operator, a token holder. A service without a token cannot tell the
    # operator from anyone who reaches it: it shows its workers' state, never their ids.
    if settings.token and not is_authenticated(request):
        workers = []
    elif not settings.token:
        workers = [{k: v for k, v in w.items() if k != "pid"} for w in workers]
    warmer = getattr(request.app.state, "voice_warmer", None)
    return Health(status="ok", version=__version__, free_disk_gb=round(service.free_bytes() / 1e9, 2),
                  min_free_gb=settings.min_free_gb, workers=workers,
                  voice_samples=warmer.status() if warmer is not None else None)


@router.get("/version", response_model=Version, summary="The polydub version")
def version() -> Version:
    return Version(version=__version__)


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    """The page's icon (SVG) for browsers that ask /favicon.ico whatever the page links."""
    return FileResponse(ICON, media_type="image/svg+xml")
