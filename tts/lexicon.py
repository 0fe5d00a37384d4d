"""The built-in pronunciation lexicon per language: acronyms and names spelled as they should
sound. A job's own lexicon (Synthesizer(lexicon=...)) extends and overrides it."""

from __future__ import annotations

from collections.abc import Mapping

from tts.languages import base, canonical

BUILTIN: Mapping[str, Mapping[str, str]] = {
    "en": {"SOP": "S O P", "SOPs": "S O Ps", "PPE": "P P E", "polydub": "polly dub", "LOTO": "low toe"},
    "pt": {"SOP": "S O P", "EPI": "E P I", "EPIs": "E P Is", "polydub": "póli dâb"},
    "es": {"SOP": "S O P", "EPP": "E P P", "EPI": "E P I", "polydub": "poli dab"},
    "de": {"SOP": "S O P", "PSA": "P S A", "polydub": "polli dabb"},
    "fr": {"SOP": "S O P", "EPI": "E P I", "polydub": "poli deube"},
    "it": {"SOP": "S O P", "DPI": "D P I", "polydub": "poli dab"},
}


def lexicon_for(language: str) -> dict[str, str]:
    tag = canonical(language)
    return {**BUILTIN.get(base(tag), {}), **BUILTIN.get(tag, {})}
