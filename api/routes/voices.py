"""What can run here: installed voices (`GET /voices`), those usable in a language with a sample of
each (`GET /voices/usable`, `GET /voices/{voice}/samples/{language}.wav`) and languages
(`GET /languages`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import FileResponse

from api.deps import Outward, get_capabilities, get_outward, get_voice_menu
from api.schemas import LanguageOut, Languages, UsableVoiceOut, VoiceOut
from pipeline.jobs.capabilities import HOW_TO_ADD_MODEL, HOW_TO_ADD_VOICE, Capabilities, normalize_tag
from pipeline.jobs.spec import renderer_choices
from pipeline.voice_menu import NoSampleError, VoiceMenu

router = APIRouter(tags=["voices"])


@router.get("/voices", response_model=list[VoiceOut], summary="Installed voices of a language, its default first")
def voices(language: str = Query(..., min_length=2, max_length=20, examples=["pt"])) -> list[VoiceOut]:
    from pipeline.voices import installed_voices

    return [VoiceOut(**row.__dict__) for row in installed_voices(language=normalize_tag(language))]


@router.get("/voices/usable", response_model=list[UsableVoiceOut],
            responses={422: {"description": "no installed voice speaks the language"}},
            summary="The voices a job may use in a language (measured intelligible, or the default), with a "
                    "link to a short sample of each; the default first")
def usable_voices(language: str = Query(..., min_length=2, max_length=20, examples=["pt-BR"]),
                  menu: VoiceMenu = Depends(get_voice_menu),
                  out: Outward = Depends(get_outward)) -> list[UsableVoiceOut]:
    tag = normalize_tag(language)
    return [UsableVoiceOut(language=v.language, voice=v.voice, label=v.label, register=v.register, wer=v.wer,
                           default=v.default, sample_url=out.sign(sample_path(v.voice, tag)) if v.sample else None)
            for v in menu.usable(tag)]


def sample_path(voice: str, language: str) -> str:
    """The sample's URL path (what a signed link signs)."""
    return f"/voices/{voice}/samples/{language}.wav"


@router.get("/voices/{voice}/samples/{language}.wav", response_class=FileResponse,
            responses={404: {"description": "no sample of that voice in that language"}},
            summary="A short sample of a voice in a language (WAV), made on the first request (seconds) and "
                    "kept in the data folder")
def voice_sample(voice: str, language: str, menu: VoiceMenu = Depends(get_voice_menu)) -> FileResponse:
    try:
        path = menu.sample(voice, normalize_tag(language))
    except NoSampleError as exc:
        raise HTTPException(404, str(exc)) from None
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "private, max-age=86400"})


@router.get("/languages", response_model=Languages, tags=["languages"],
            summary="What can run here: languages with a translation model and a voice first, then those that "
                    "need a model, each with how to add one")
def languages(source: str = Query("en", min_length=2, max_length=20, description="the script's language"),
              caps: Capabilities = Depends(get_capabilities)) -> Languages:
    source = normalize_tag(source)
    return Languages(source=source, languages=[
        LanguageOut(tag=r.tag, name=r.name, runs=r.runs, translates_from=list(r.translates_from),
                    voices=list(r.voices), needs=r.needs) for r in caps.languages(source)],
        how_to_add_model=HOW_TO_ADD_MODEL.format(source="en", target="es"), how_to_add_voice=HOW_TO_ADD_VOICE,
        renderers=list(renderer_choices()))
