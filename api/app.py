"""The HTTP app: `create_app(settings=None, *, service=None)`.

The job service is built at start-up from the settings unless one is passed in: the settings
map onto `pipeline.jobs.ServiceConfig` (`Settings.service_config()`) and
`pipeline.jobs.open_service` wires the job store, artifact store and executor, as for the
command line; its executor is started at start-up and stopped at shutdown. Domain errors
become one-line 4xx/5xx answers; the web page is served from `api/web` at `/`.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from api.job_body import error_line
from api.links import Links
from api.redact import path_hider
from api.routes import downloads, events, health, jobs, presenters, review, voices
from api.security import Guard
from api.settings import Settings
from pipeline import __version__
from pipeline.errors import DiskFullError, InputError, JobError, PipelineError
from pipeline.jobs.spec import SpecError
from pipeline.jobs.store import NotFoundError
from pipeline.jobs.wiring import open_service

log = logging.getLogger(__name__)

WEB = Path(__file__).parent / "web"


def create_app(settings: Settings | None = None, *, service=None) -> FastAPI:
    settings = settings or Settings()
    own_service = service is None

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from pipeline.jobs.logs import file_handler

        handler = file_handler(settings.data_dir, "service")
        root = logging.getLogger()
        root.addHandler(handler)
        if root.level > logging.getLevelName(settings.log_level.upper()) or root.level == logging.NOTSET:
            root.setLevel(settings.log_level.upper())
        svc = app.state.service = service or open_service(settings.service_config())
        if own_service and svc.executor is not None:
            svc.executor.start()
        warmer = app.state.voice_warmer = _voice_warmer(settings, svc) if own_service else None
        log.info("polydub %s serving, data in %s", __version__, settings.data_dir)
        try:
            yield
        finally:
            if warmer is not None:
                warmer.stop()
            if own_service and svc.executor is not None:
                svc.executor.stop()
            log.info("stopped")
            root.removeHandler(handler)
            handler.close()

    # Swagger UI and ReDoc from the installed fastapi-offline package: no CDN, works offline.
    app = FastAPIOffline(
        title="polydub", version=__version__, lifespan=lifespan,
        description="Localize presenter videos offline: upload presenters, create jobs from a script or a "
                    "narration, review translations, follow progress, download videos and language packs.",
    )
    app.state.settings = settings
    app.state.links = Links.for_token(settings.token, settings.link_ttl_s)
    hide = app.state.hide_paths = path_hider(Path(settings.data_dir))
    if service is not None:
        app.state.service = service
    # Added first, so it runs inside CORS: a refused cross-origin call still gets its CORS headers.
    app.add_middleware(Guard, settings=settings, links=app.state.links)
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"],
                           allow_headers=["*"])

    _add_error_handlers(app, hide)

    for module in (health, presenters, jobs, review, events, downloads, voices):
        app.include_router(module.router)
    app.include_router(presenters.uploads)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(WEB / "index.html", media_type="text/html")

    app.mount("/web", StaticFiles(directory=WEB), name="web")
    return app


def _voice_warmer(settings: Settings, service):
    """The voice samples' warm-up (`pipeline.voicing_samples.SampleWarmer`), started, when the
    settings ask for it and the runner voices jobs for real (`PipelineRunner`); else None."""
    from pipeline.jobs.local import load_factory
    from pipeline.jobs.runner import PipelineRunner
    from pipeline.voicing_samples import SampleWarmer

    factory = load_factory(settings.runner)
    if not settings.warm_voices or not (isinstance(factory, type) and issubclass(factory, PipelineRunner)):
        return None
    warmer = SampleWarmer(service.voices, settings.warm_voice_languages or None)
    warmer.start()
    return warmer


#: How each error family answers over HTTP (the first match wins: subclasses come first).
ERROR_STATUS = ((NotFoundError, 404), (SpecError, 422), (DiskFullError, 507), (InputError, 422),
                (JobError, 409), (PipelineError, 400))


def _add_error_handlers(app: FastAPI, hide) -> None:
    """One-line JSON errors, without server paths; request validation errors as one line too."""
    def error(status: int):
        async def handler(request: Request, exc: Exception) -> JSONResponse:
            return JSONResponse({"detail": hide(" ".join(str(exc).split()))}, status_code=status)
        return handler

    for kind, status in ERROR_STATUS:
        app.add_exception_handler(kind, error(status))

    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": hide(error_line(list(exc.errors())))}, status_code=422)
