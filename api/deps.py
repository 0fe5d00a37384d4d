"""FastAPI dependencies, all in one place: settings, the job service, the token check."""

from __future__ import annotations

import hmac

from fastapi import Depends, HTTPException, Request

from api.settings import Settings
from pipeline.jobs.service import JobService


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_service(request: Request) -> JobService:
    return request.app.state.service


def require_token(request: Request, settings: Settings = Depends(get_settings)) -> None:
    """With a token configured, every API call must carry it: `Authorization: Bearer <token>`,
    or `?token=` (for links and EventSource, which cannot set headers)."""
    if not settings.token:
        return
    header = request.headers.get("authorization", "")
    given = header[7:] if header.lower().startswith("bearer ") else request.query_params.get("token", "")
    if not hmac.compare_digest(given.encode(), settings.token.encode()):
        raise HTTPException(401, "missing or wrong API token; send 'Authorization: Bearer <token>'",
                            headers={"WWW-Authenticate": "Bearer"})
