"""Server-sent progress events: one `progress` event whenever a job's snapshot changes
(task states, percent, ETA), a comment every 15 s to keep proxies open, and `end` when the
job reaches done, failed or cancelled."""

from __future__ import annotations

import asyncio
import json
import time

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from api.deps import Outward, get_outward, get_service
from api.routes.jobs import job_out
from pipeline.jobs.service import JobService
from pipeline.jobs.store import NotFoundError

router = APIRouter(prefix="/jobs", tags=["progress"])

TERMINAL = ("done", "failed", "cancelled")


@router.get("/{job_id}/events", summary="Progress of a job as server-sent events",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}},
                             "description": "`event: progress` with the job (as GET /jobs/{id}); `event: end`"}})
async def events(job_id: str, request: Request,
                 interval: float = Query(0.5, gt=0, le=60, allow_inf_nan=False,
                                         description="seconds between polls (0.1 to 5 used)"),
                 service: JobService = Depends(get_service), out: Outward = Depends(get_outward)) -> StreamingResponse:
    first = job_out(await run_in_threadpool(service.snapshot, job_id), out)  # 404 before the stream starts
    interval = min(max(interval, 0.1), 5.0)

    async def stream():
        snap, last, beat = first, None, time.monotonic()
        while True:
            data = snap.model_dump_json()
            if data != last:
                yield f"event: progress\ndata: {data}\n\n"
                last, beat = data, time.monotonic()
            elif time.monotonic() - beat > 15:
                yield ": keep-alive\n\n"
                beat = time.monotonic()
            if snap.state in TERMINAL:
                yield f"event: end\ndata: {json.dumps({'state': snap.state})}\n\n"
                return
            if await request.is_disconnected():
                return
            await asyncio.sleep(interval)
            try:
                snap = job_out(await run_in_threadpool(service.snapshot, job_id), out)
            except NotFoundError:
                yield f"event: end\ndata: {json.dumps({'state': 'deleted'})}\n\n"
                return

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
