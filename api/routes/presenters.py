from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, UploadFile
from fastapi.responses import FileResponse

from api.deps import Outward, get_outward, get_service, get_settings, get_voice_menu
from api.schemas import AutomaticVoiceOut, PresenterOut, PresentersUploaded, PresenterVoicesOut, UploadError, UploadOut
from api.settings import Settings
from api.uploads import check_text_upload, save_upload
from pipeline.errors import DiskFullError, PipelineError
from pipeline.jobs.capabilities import normalize_tag
from pipeline.jobs.service import JobService
from pipeline.voice_menu import VoiceMenu

router = APIRouter(prefix="/presenters", tags=["presenters"])
uploads = APIRouter(prefix="/uploads", tags=["uploads"])


def presenter_out(p: dict, out: Outward) -> PresenterOut:
    """The presenter as the API shows it (`PresenterOut`); the analysis report names the file, not
    where it is kept."""
    analysis = dict(p["analysis"])
    if isinstance(analysis.get("report"), dict):
        analysis["report"] = {k: v for k, v in analysis["report"].items() if k != "path"}
    fields = {k: p[k] for k in ("id", "name", "key", "consent_by", "consent_at", "created", "info")}
    # the label people read is the file's name (stored made safe: `artifacts.safe_name`), never
    # the store's short hash, which stays the id a job's links use
    fields.update(label=p["name"], video_id=p["label"])
    return PresenterOut(**out.hide({**fields, "analysis": analysis}),
                        thumbnail_url=out.sign(f"/presenters/{p['id']}/thumbnail.jpg") if p["thumbnail"] else None)


def _upload_error(name: str, message: str) -> UploadError:
    """The file's name once: in `file`, not again at the start of `error`."""
    while message.startswith(f"{name}: "):
        message = message[len(name) + 2:]
    return UploadError(file=name, error=message)


@router.post("", response_model=PresentersUploaded, status_code=201,
             summary="Upload presenter videos (several at once) with the presenter's consent",
             responses={413: {"description": "a file is over the upload limit"},
                        422: {"description": "no file was a usable video, or consent is missing"},
                        507: {"description": "too little free disk; nothing was stored"}})
def upload_presenters(
    files: Annotated[list[UploadFile], File(description="videos (mp4, mov, mkv, avi, webm) or photos")],
    consent_by: Annotated[str, Form(min_length=1, description="who confirmed the presenter's consent")],
    consent: Annotated[bool, Form(description="the presenter agreed to be lip-synced")] = False,
    service: JobService = Depends(get_service), settings: Settings = Depends(get_settings),
    out: Outward = Depends(get_outward),
) -> PresentersUploaded:
    if not consent:
        raise HTTPException(422, "confirm that the presenter consented to be lip-synced (consent=true)")
    done, errors = [], []
    for f in files:
        name = f.filename or "presenter"
        try:
            path = save_upload(f, service.data_dir / "uploads", settings.max_upload_bytes)
            try:
                service.check_disk()  # again at the end: the disk may have filled while the body streamed
                done.append(presenter_out(service.add_presenter(path, name, consent_by, move=True), out))
            finally:
                path.unlink(missing_ok=True)
        except HTTPException as exc:
            if exc.status_code == 413:
                raise
            errors.append(_upload_error(name, str(exc.detail)))
        except DiskFullError:
            raise
        except PipelineError as exc:  # one bad file: report it, keep the others
            errors.append(_upload_error(name, out.hide(" ".join(str(exc).split()))))
    if not done:
        raise HTTPException(422, "; ".join(f"{e.file}: {e.error}" for e in errors) or "no file uploaded")
    return PresentersUploaded(presenters=done, errors=errors)


@router.get("", response_model=list[PresenterOut], summary="Presenters with thumbnails and their analysis report")
def list_presenters(service: JobService = Depends(get_service),
                    out: Outward = Depends(get_outward)) -> list[PresenterOut]:
    return [presenter_out(p, out) for p in service.presenters()]


@router.get("/{pid}", response_model=PresenterOut, summary="One presenter and its analysis status")
def get_presenter(pid: str, service: JobService = Depends(get_service),
                  out: Outward = Depends(get_outward)) -> PresenterOut:
    return presenter_out(service.presenter(pid), out)


@router.delete("/{pid}", status_code=204, summary="Forget a presenter (jobs that used it keep their videos)")
def delete_presenter(pid: str, service: JobService = Depends(get_service)) -> None:
    service.delete_presenter(pid)


@router.get("/{pid}/voices", response_model=PresenterVoicesOut,
            responses={404: {"description": "no such presenter"},
                       422: {"description": "no installed voice speaks a language asked for"}},
            summary="The voice a job would give this presenter in each language, before it is submitted "
                    "(the presenter's voice profile is measured once per file, seconds; then read back)")
def presenter_voices(pid: str, language: list[str] = Query(..., min_length=1, max_length=20, examples=[["pt-BR"]]),
                     service: JobService = Depends(get_service), menu: VoiceMenu = Depends(get_voice_menu),
                     out: Outward = Depends(get_outward)) -> PresenterVoicesOut:
    p = service.presenter(pid)
    tags = list(dict.fromkeys(normalize_tag(t) for t in language))
    profile, choices = menu.automatic(service.artifacts.input_file(p["key"]), p["key"], tags)
    return PresenterVoicesOut(presenter=pid, source=profile.source, register=profile.register,
                              f0_median_hz=None if profile.f0_median_hz is None else round(profile.f0_median_hz, 1),
                              notes=out.hide(list(profile.notes)),
                              voices=[AutomaticVoiceOut(**c.__dict__) for c in choices])


@router.get("/{pid}/thumbnail.jpg", response_class=FileResponse, summary="The presenter's first frame, small")
def thumbnail(pid: str, service: JobService = Depends(get_service)) -> FileResponse:
    path = service.thumbnail_path(pid)
    if not path.exists():
        raise HTTPException(404, f"presenter {pid} has no thumbnail")
    return FileResponse(path, media_type="image/jpeg")


@uploads.post("", response_model=UploadOut, status_code=201,
              summary="Upload a recording or narration (wav, mp3, m4a, flac; checked by content), or with kind=text "
                      "a translations or glossary file (XLIFF, PO, CSV, TSV, JSON, YAML; UTF-8)",
              responses={413: {"description": "over the upload limit"},
                         422: {"description": "not audio (kind=audio) or not a UTF-8 text file of a known kind"},
                         507: {"description": "too little free disk; nothing was stored"}})
def upload_audio(file: Annotated[UploadFile, File()],
                 kind: Annotated[Literal["audio", "text"], Form(description=(
                     "audio: a recording or narration; text: a job's translations or glossary file"))] = "audio",
                 service: JobService = Depends(get_service), settings: Settings = Depends(get_settings)) -> UploadOut:
    name = file.filename or ("narration" if kind == "audio" else "file")
    path = save_upload(file, service.data_dir / "uploads", settings.max_upload_bytes)
    try:
        if kind == "text":
            check_text_upload(path, name)
        service.check_disk()  # again at the end: the disk may have filled while the body streamed
        key, info = service.add_input(path, name, want="audio" if kind == "audio" else "file", move=True)
    finally:
        path.unlink(missing_ok=True)
    return UploadOut(key=f"sha256:{key}", name=name, info=info)
