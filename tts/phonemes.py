"""Text → words → IPA, through espeak-ng.

Two forms: `phonemize` gives each word's phones as the timeline contract names them (marks
stripped, one IPA segment per phone as espeak segments them); `clause_ipa` gives, per clause,
each word's IPA *with* stress and length marks, the input Piper and Kokoro were trained on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tts.errors import UnsupportedLanguageError
from tts.espeak import Espeak, model_phonemizer
from tts.languages import canonical, espeak_name

# A word: letters/digits, with inner apostrophes or hyphens ("don't", "warm-up").
WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
# A clause ends at one of these; the mark is kept for the models' prosody.
_CLAUSE = re.compile(r"([^,;:.!?…。、！？]+)([,;:.!?…。、！？]*)")
_LANG_SWITCH = re.compile(r"\([^)]*\)")


@dataclass(frozen=True)
class Clause:
    words: tuple[tuple[str, str], ...]  # (word as written, IPA with stress marks)
    terminator: str  # "," ";" ":" "." "?" "!" or ""


def espeak_voice_for(language: str, espeak: Espeak | None = None) -> str:
    """The espeak-ng voice for a BCP-47 tag; UnsupportedLanguageError listing what exists."""
    espeak = espeak or Espeak.shared()
    voices = espeak.voices()
    name = espeak_name(language, voices)
    if name is None:
        sample = ", ".join(sorted(canonical(v) for v in voices)[:40])
        raise UnsupportedLanguageError(
            f"no voice speaks {language!r}: pick an installed language (`polydub voices`), e.g. {sample}, ..."
        )
    return name


def split_clauses(text: str) -> list[tuple[str, str]]:
    """(clause text, its closing punctuation) in order; clauses without words are dropped."""
    out = []
    for m in _CLAUSE.finditer(text):
        body, mark = m.group(1).strip(), m.group(2)
        if WORD.search(body):
            out.append((body, _terminator(mark)))
    return out


def _terminator(mark: str) -> str:
    for c in mark:
        if c in "?？":
            return "?"
        if c in "!！":
            return "!"
    for c in mark:
        if c in ".…。":
            return "."
        if c in ",、":
            return ","
        if c in ";:":
            return c
    return ""


def words_of(text: str) -> list[str]:
    return WORD.findall(text)


def clause_ipa(text: str, language: str, espeak=None) -> list[Clause]:
    """Each clause's words with their IPA (stress and length marks kept), in order.

    `espeak` is anything with `text_to_phonemes(text, voice)`; default `model_phonemizer()`.
    """
    voice = espeak_voice_for(language)
    ipa = espeak or model_phonemizer()
    clauses = []
    for body, mark in split_clauses(text):
        words = words_of(body)
        whole = " ".join(_LANG_SWITCH.sub("", p) for p in ipa.text_to_phonemes(body, voice)).split()
        if len(whole) != len(words):
            # espeak joined or split words (e.g. "of the"): fall back to one word at a time, which
            # loses a little sentence context but keeps every word's phonemes its own.
            whole = ["".join(_LANG_SWITCH.sub("", p).replace(" ", "") for p in ipa.text_to_phonemes(w, voice))
                     for w in words]
        pairs = tuple((w, ipa) for w, ipa in zip(words, whole) if ipa)
        if pairs:
            clauses.append(Clause(pairs, mark))
    return clauses


def phonemize(text: str, language: str) -> list[tuple[str, tuple[str, ...]]]:
    """Each word of `text` with its IPA phones (stress and length marks stripped).

    The phones are espeak-ng's own segments (affricates and diphthongs stay one phone), taken
    from its phoneme events while it speaks the text, so they follow the sentence context.
    """
    return [(word, tuple(p for _, _, p in phones)) for word, phones in timed_word_phones(text, language)[0]]


def timed_word_phones(text: str, language: str, espeak: Espeak | None = None):
    """espeak-ng speaking `text`: ([(word, ((start, end, phone), ...)), ...], duration_s).

    Words are the text spans espeak reported; times are espeak's own (relative durations).
    """
    espeak = espeak or Espeak.shared()
    voice = espeak_voice_for(language, espeak)
    result = espeak.synthesize(text, voice)
    out = []
    for w in result.words:
        word = text[w.text_start:w.text_start + w.text_length]
        if w.phones:
            out.append((word, w.phones))
    return out, result.end
