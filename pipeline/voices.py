"""Installed voices per language, for `polydub voices` (api talks to pipeline, pipeline to tts)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import wrap_leaf_errors
from pipeline.models import ModelStore


@dataclass(frozen=True)
class VoiceRow:
    language: str
    voice: str  # id to pass as a job's voice ("piper:en_US-joe-medium")
    backend: str
    description: str
    default: bool
    register: str = "unknown"  # "female", "male" or "unknown" (tts.voice_register)
    wer: float | None = None  # measured word error rate in this language (tts.voices.MEASURED_WER)


def installed_voices(models_dir: Path | None = None, language: str | None = None) -> list[VoiceRow]:
    """One row per (language, voice), the language's default voice first; every language when
    `language` is None. A language with no default voice is listed with none marked default."""
    import tts
    from tts.errors import UnsupportedLanguageError
    from tts.languages import base, canonical
    from tts.voices import MEASURED_WER

    with wrap_leaf_errors():
        catalog = tts.VoiceCatalog(ModelStore(models_dir).speech_models())
        by_language: dict[str, list] = defaultdict(list)
        for v in catalog.voices():
            for lang in v.languages:
                by_language[lang].append(v)
        rows: list[VoiceRow] = []
        wanted = canonical(language) if language else None
        for lang in sorted(by_language):
            if wanted and lang.lower() != wanted.lower() and base(lang) != wanted.lower():
                continue
            # the default may be listed under another tag only (en-GB speaks with the en-US Piper
            # voice): then no row of this tag is marked
            try:
                default = catalog.default_voice(lang).id
            except UnsupportedLanguageError:
                default = None
            voices = sorted(by_language[lang], key=lambda v: (v.id != default, v.backend != "espeak", v.id))
            rows.extend(_row(lang, v, v.id == default, MEASURED_WER) for v in voices)
        if wanted and not rows:
            rows.append(_row(wanted, catalog.default_voice(wanted), True, MEASURED_WER))
    return rows


def _row(language: str, voice, default: bool, measured) -> VoiceRow:
    import tts
    from tts.languages import base

    return VoiceRow(language, voice.id, voice.backend, voice.description, default, tts.voice_register(voice),
                    measured.get((base(language), voice.id)))
