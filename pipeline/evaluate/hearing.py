"""The judge's own phoneme timeline: recognised words, each word's phones spread over it.

The judge must not time speech with the code it judges (DESIGN.md, "Measuring"): the engine
times narration with `tts.align` / `tts.timing` / `tts.warping` and closes the mouth with
`lipsync.voicing`. Here the words' times are the recogniser's (faster-whisper word timestamps,
through `translate.Transcriber`), a word's phones come from a text-to-phoneme lookup (espeak-ng
through `tts.phonemize`: which sounds a word holds, not when), and the placement in time is this
module's: each phone gets a share of its word's span in proportion to a fixed duration weight of
its class (`DURATION_WEIGHT`). Nothing is fitted to the audio.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from pipeline.errors import InputError

log = logging.getLogger(__name__)

#: A phoneme timeline: (start s, end s, IPA phone), in time order.
Timeline = tuple[tuple[float, float, str], ...]
#: Text-to-phoneme lookup: (text, BCP-47 tag) -> [(word, (IPA phone, ...)), ...] (`tts.phonemize`'s shape).
Phonemizer = Callable[[str, str], Sequence[tuple[str, Sequence[str]]]]


class Transcriber(Protocol):
    def transcribe(self, audio: np.ndarray, sample_rate: int, language: str | None = None) -> Any: ...


#: Relative duration of a phone by class, in units of 100 ms. Source: class means, rounded, of the
#: inherent segment durations of Klatt's duration rules (Allen, Hunnicutt & Klatt 1987, "From Text
#: to Speech: the MITalk system", ch. 9): diphthongs 190-280 ms, open vowels 230-240, other full
#: vowels 135-210, reduced vowels 110-120, fricatives 50-105, affricates ~100 (stop + frication),
#: stops 75-90, liquids and glides ~80, nasals 60-95, the flap 20. Only ratios matter: each word's
#: span is shared out in proportion.
DURATION_WEIGHT: dict[str, float] = {
    "diphthong": 2.5,
    "open_vowel": 2.3,
    "vowel": 1.6,
    "reduced_vowel": 1.15,
    "affricate": 1.0,
    "fricative": 0.85,
    "stop": 0.8,
    "approximant": 0.8,
    "nasal": 0.75,
    "flap": 0.25,
}
_OPEN_VOWELS = set("aɑæɒɶɔ")
_REDUCED_VOWELS = set("əɐɘɵɨʉ")
_VOWELS = set("iyɯuɪʏʊeøɤoɛœɜɞʌ") | _OPEN_VOWELS | _REDUCED_VOWELS
_STOPS = set("pbtdʈɖcɟkɡgqɢʔ")
_NASALS = set("mɱnɳɲŋɴ")
_FLAPS = set("ɾɽⱱ")
_APPROXIMANTS = set("lɭʎʟɫrɹɻʀʁjwɥʋɰʍ")  # ʁ/ʀ: espeak's uvular r in fr/de/pt is mostly approximant


def _letters(phone: str) -> str:
    """The base letters of an IPA phone: ties, diacritics, stress and length marks dropped."""
    return "".join(ch for ch in unicodedata.normalize("NFD", phone)
                   if ch.isalpha() and not unicodedata.combining(ch) and unicodedata.category(ch) != "Lm")


def phone_class(phone: str) -> str | None:
    """The `DURATION_WEIGHT` class of one IPA phone; None for a phone with no letter (a mark)."""
    letters = _letters(phone)
    if not letters:
        return None
    vowels = [ch for ch in letters if ch in _VOWELS]
    first = letters[0]
    if len(vowels) >= 2:
        return "diphthong"
    if first in _VOWELS:
        return "open_vowel" if first in _OPEN_VOWELS else "reduced_vowel" if first in _REDUCED_VOWELS else "vowel"
    if first in _STOPS:
        return "affricate" if len(letters) > 1 and letters[1] not in _STOPS | _NASALS else "stop"
    if first in _NASALS:
        return "nasal"
    if first in _FLAPS:
        return "flap"
    if first in _APPROXIMANTS:
        return "approximant"
    return "fricative"  # f v θ ð s z ʃ ʒ ç x ɣ χ h ɦ ...


def phone_weight(phone: str) -> float:
    """Relative duration (`DURATION_WEIGHT`, units of 100 ms) of one IPA phone; 0 for a mark."""
    kind = phone_class(phone)
    return DURATION_WEIGHT[kind] if kind is not None else 0.0


def spread_phones(start: float, end: float, phones: Sequence[str]) -> Timeline:
    """`phones` laid end to end over [start, end] seconds, each taking a share of the span in
    proportion to its `phone_weight`. Phones without a letter are dropped."""
    kept = [(p, phone_weight(p)) for p in phones]
    kept = [(p, w) for p, w in kept if w > 0]
    if not kept or end <= start:
        return ()
    edges = start + (end - start) * np.concatenate([[0.0], np.cumsum([w for _, w in kept])]) / sum(w for _, w in kept)
    return tuple((float(a), float(b), p) for (p, _), a, b in zip(kept, edges[:-1], edges[1:]))


def words_timeline(words: Sequence[tuple[float, float, str]], language: str,
                   phonemizer: Phonemizer | None = None) -> Timeline:
    """The phoneme timeline of timed words (start s, end s, text): each word's phones, looked
    up one word at a time, spread over the word's span (`spread_phones`).

    `phonemizer` defaults to `tts.phonemize` (espeak-ng). A word the lookup gives no phones
    (punctuation, a symbol) is left silent and logged. Raises what the lookup raises for a
    language it has no voice for (`tts.errors.UnsupportedLanguageError`).
    """
    if phonemizer is None:
        from tts import phonemize as phonemizer
    out: list[tuple[float, float, str]] = []
    for start, end, text in words:
        phones = [p for _, word_phones in phonemizer(text, language) for p in word_phones]
        if not phones:
            log.info("no phones for the heard word %r (%.2f-%.2f s); it stays silent", text, start, end)
        out.extend(spread_phones(float(start), float(end), phones))
    return tuple(out)


@dataclass(frozen=True)
class Heard:
    """What the judge heard in a narration."""

    #: the judge's phoneme timeline (`words_timeline`)
    phonemes: Timeline
    #: the recognised words, space-joined
    text: str
    #: the language the words were phonemized in (given, else the recogniser's), BCP-47
    language: str | None


def hear(samples: np.ndarray, sample_rate: int, language: str | None = None, *,
         transcriber: Transcriber | None = None, phonemizer: Phonemizer | None = None) -> Heard:
    """Recognise `samples` (float32 mono, `sample_rate` Hz) and build the judge's timeline.

    `transcriber` defaults to `translate.Transcriber` on the whisper-base model (word
    timestamps); `language` (BCP-47) skips its language detection. No words heard: an empty
    timeline, logged as a warning (the words measure is then undefined, NaN). Raises InputError
    when no language is given and the recogniser names none.
    """
    if transcriber is None:
        from pipeline.models import ModelStore
        from translate import Transcriber as WhisperTranscriber

        transcriber = WhisperTranscriber(ModelStore().path("whisper-base"))
    transcript = transcriber.transcribe(samples, sample_rate, language=language)
    words = tuple((float(s), float(e), str(t).strip()) for s, e, t in transcript.words)
    language = language or getattr(transcript, "language", None)
    if not words:
        log.warning("the recogniser heard no words; the words measure is undefined")
        return Heard((), "", language)
    if language is None:
        raise InputError("the recogniser named no language for the narration; give it with --language")
    return Heard(words_timeline(words, language, phonemizer), " ".join(t for _, _, t in words), language)
