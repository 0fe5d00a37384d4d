"""What can run here: installed voices (`GET /voices`) and languages (`GET /languages`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from api.deps import get_capabilities
from api.schemas import LanguageOut, Languages, VoiceOut
from pipeline.jobs.capabilities import HOW_TO_ADD_MODEL, HOW_TO_ADD_VOICE, Capabilities, normalize_tag
from pipeline.jobs.spec import renderer_choices

router = APIRouter(tags=["voices"])


@router.get("/voices", response_model=list[VoiceOut], summary="Installed voices of a language, its default first")
def voices(language: str = Query(..., min_length=2, max_length=20, examples=["pt"])) -> list[VoiceOut]:
    from pipeline.voices import installed_voices

    return [VoiceOut(**row.__dict__) for row in installed_voices(language=normalize_tag(language))]


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
