from __future__ import annotations

from fastapi import APIRouter, Query

from api.schemas import VoiceOut

router = APIRouter(prefix="/voices", tags=["voices"])


@router.get("", response_model=list[VoiceOut], summary="Installed voices of a language, its default first")
def voices(language: str = Query(..., min_length=2, max_length=20, examples=["pt"])) -> list[VoiceOut]:
    from pipeline.voices import installed_voices

    return [VoiceOut(**row.__dict__) for row in installed_voices(language=language)]
