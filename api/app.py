"""The HTTP app: `create_app(settings=None, *, service=None)`.

The job service is built at start-up from the settings (job store, artifact store, executor
with its worker processes) unless one is passed in, and stopped at shutdown. Domain errors
become one-line 4xx/5xx answers; the web page is served from `api/web` at `/`.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from api.links import Links
from api.redact import path_hider
from api.routes import downloads, events, health, jobs, presenters, review, voices
from api.security import Guard
from api.settings import Settings
from pipeline import __version__
from pipeline.errors import DiskFullError, InputError, JobError, PipelineError
from pipeline.jobs.spec import SpecError
from pipeline.jobs.store import NotFoundError

log = logging.getLogger(__name__)

WEB = Path(__file__).parent / "web"


def build_service(settings: Settings, with_executor: bool = True):
    """The job service and its executor, as the settings say (workers not started yet)."""
    from pipeline.jobs.artifacts import ArtifactStore
    from pipeline.jobs.remote_store import open_artifact_store
    from pipeline.jobs.service import JobService
    from pipeline.jobs.store import JobStore

    data = Path(settings.data_dir)
    data.mkdir(parents=True, exist_ok=True)
    store = JobStore(data / "jobs.sqlite")
    artifacts = (open_artifact_store(settings.artifact_store, cache_dir=data / "artifacts")
                 if settings.artifact_store else ArtifactStore(data / "artifacts"))
    executor = None
    if with_executor:
        executor = _executor(settings, store, artifacts, data)
    probe = _import(settings.free_space_probe) if settings.free_space_probe else None
    return JobService(store, artifacts, executor, data_dir=data, min_free_bytes=int(settings.min_free_gb * 1e9),
                      retention_days=settings.retention_days, free_space=probe)


def _import(target: str):
    """`module:attribute` -> the attribute."""
    import importlib

    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def _executor(settings: Settings, store, artifacts, data: Path):
    from pipeline.jobs.executor import create_executor
    from pipeline.jobs.local import load_factory

    runner = partial(load_factory(settings.runner), data_dir=str(data))
    options: dict = {}
    if settings.executor == "local":
        options.update(cpu_workers=settings.cpu_workers, device_slots=settings.device_slots,
                       max_attempts=settings.max_attempts)
    elif settings.executor == "ray":  # device_slots: engine workers when the cluster has no GPU
        options.update(address=settings.ray_address, device_slots=settings.device_slots,
                       max_attempts=settings.max_attempts)
    options.update(settings.executor_options)
    return create_executor(settings.executor, store, artifacts, runner, **options)


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
        svc = app.state.service = service or build_service(settings)
        if own_service and svc.executor is not None:
            svc.executor.start()
        log.info("polydub %s serving, data in %s", __version__, settings.data_dir)
        try:
            yield
        finally:
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

    def error(status: int):
        async def handler(request: Request, exc: Exception) -> JSONResponse:
            return JSONResponse({"detail": hide(" ".join(str(exc).split()))}, status_code=status)
        return handler

    app.add_exception_handler(NotFoundError, error(404))
    app.add_exception_handler(SpecError, error(422))
    app.add_exception_handler(DiskFullError, error(507))
    app.add_exception_handler(InputError, error(422))
    app.add_exception_handler(JobError, error(409))
    app.add_exception_handler(PipelineError, error(400))

    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
            parts.append(f"{where}: {e.get('msg')}" if where else str(e.get("msg")))
        return JSONResponse({"detail": "; ".join(parts)}, status_code=422)

    for module in (health, presenters, jobs, review, events, downloads, voices):
        app.include_router(module.router)
    app.include_router(presenters.uploads)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(WEB / "index.html", media_type="text/html")

    app.mount("/web", StaticFiles(directory=WEB), name="web")
    return app
