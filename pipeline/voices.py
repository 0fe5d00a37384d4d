"""Installed voices per language, for `polydub voices` (api talks to pipeline, pipeline to tts)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import wrap_leaf_errors


@dataclass(frozen=True)
class VoiceRow:
    language: str
    voice: str  # id to pass as a job's voice ("piper:en_US-joe-medium")
    backend: str
    description: str
    default: bool


def installed_voices(models_dir: Path | None = None, language: str | None = None) -> list[VoiceRow]:
    """One row per (language, voice), the language's default voice first. A language that a
    voice lists but that has no default (espeak-ng's `sh`, which the language table does not
    resolve: a job must name the voice) is listed with no voice marked default."""
    import tts
    from tts.errors import UnsupportedLanguageError
    from tts.languages import base, canonical

    with wrap_leaf_errors():
        catalog = tts.VoiceCatalog(models_dir)
        by_language: dict[str, list] = defaultdict(list)
        for v in catalog.voices():
            for lang in v.languages:
                by_language[lang].append(v)
        rows: list[VoiceRow] = []
        wanted = canonical(language) if language else None
        for lang in sorted(by_language):
            if wanted and lang.lower() != wanted.lower() and base(lang) != wanted.lower():
                continue
            try:
                default = catalog.default_voice(lang).id
            except UnsupportedLanguageError:
                default = None
            voices = sorted(by_language[lang], key=lambda v: (v.id != default, v.backend != "espeak", v.id))
            rows.extend(VoiceRow(lang, v.id, v.backend, v.description, v.id == default) for v in voices)
        if wanted and not rows:
            default = catalog.default_voice(wanted)
            rows.append(VoiceRow(wanted, default.id, default.backend, default.description, True))
    return rows
