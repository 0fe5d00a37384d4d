"""The judge's own phoneme timeline: recognised words, each word's phones spread over it.

The judge must not time speech with the code it judges (DESIGN.md, "Measuring"): the engine
times narration with `tts.align` / `tts.timing` / `tts.warping` and closes the mouth with
`lipsync.voicing`. Here the words' times are the recogniser's (faster-whisper word timestamps,
through `translate.Transcriber`), a word's phones come from a text-to-phoneme lookup (espeak-ng
through `tts.phonemize`: which sounds a word holds, not when), and the placement in time is this
module's: each phone gets a share of its word's span in proportion to a fixed duration weight of
its class (`DURATION_WEIGHT`). Given the audio, each word is first trimmed to where the judge's
own `speech_activity` hears speech, and its vowels are moved onto the word's syllable nuclei
(peaks of the band level, `syllable_nuclei`) when it has as many.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from pipeline.errors import InputError
from pipeline.evaluate.speech import (ACTIVITY_HOP_S, ACTIVITY_WINDOW_S, GRID_RATE, ONSET_FLATNESS, band_frames,
                                      speech_activity)

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
_VOWEL_CLASSES = {"diphthong", "open_vowel", "vowel", "reduced_vowel"}
#: A syllable nucleus is a peak of the band level that stands this far over the dips on either
#: side, in a harmonic frame: the minimum dip of de Jong & Wempe (2009), "Praat script to detect
#: syllable nuclei and measure speech rate automatically", Behavior Research Methods 41(2).
NUCLEUS_DIP_DB = 2.0
#: The level is averaged over this many frames (30 ms) first, so one frame's flicker is no peak.
NUCLEUS_SMOOTH_FRAMES = 3


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


@dataclass(frozen=True)
class Acoustics:
    """What the judge's own measures say of a recording, for placing phones."""

    #: bool per GRID_RATE step: speech heard (`speech_activity`)
    voiced: np.ndarray
    #: (time s, band level dB) of each syllable nucleus, in time order
    nuclei: tuple[tuple[float, float], ...]


def syllable_nuclei(samples: np.ndarray, sample_rate: int) -> Acoustics:
    """Speech activity and syllable nuclei of a recording (mono float, `sample_rate` Hz)."""
    from scipy.ndimage import uniform_filter1d
    from scipy.signal import find_peaks

    samples = np.asarray(samples, dtype=np.float64).reshape(-1)
    level, flatness = band_frames(samples, sample_rate)
    if len(level) < 3:
        return Acoustics(speech_activity(samples, sample_rate), ())
    smooth = uniform_filter1d(level, NUCLEUS_SMOOTH_FRAMES, mode="nearest")
    peaks, _ = find_peaks(smooth, prominence=NUCLEUS_DIP_DB)
    peaks = peaks[flatness[peaks] < ONSET_FLATNESS]
    times = peaks * ACTIVITY_HOP_S + ACTIVITY_WINDOW_S / 2
    return Acoustics(speech_activity(samples, sample_rate),
                     tuple((float(t), float(smooth[k])) for t, k in zip(times, peaks)))


def _trimmed(start: float, end: float, voiced: np.ndarray) -> tuple[float, float]:
    """The word's span cut to where speech is heard in it (unchanged when none is)."""
    a, b = int(round(start * GRID_RATE)), int(round(end * GRID_RATE))
    heard = np.flatnonzero(voiced[max(a, 0):max(b, 0)])
    if not len(heard):
        return start, end
    return (a + heard[0]) / GRID_RATE, (a + heard[-1] + 1) / GRID_RATE


def _on_nuclei(timeline: Timeline, start: float, end: float, nuclei: Sequence[tuple[float, float]]) -> Timeline:
    """A word's spread timeline bent (piecewise linearly, ends fixed) so its vowels' centres sit
    on its loudest nuclei, in order; unchanged when the word has fewer nuclei than vowels."""
    centres = [(a + b) / 2 for a, b, p in timeline if phone_class(p) in _VOWEL_CLASSES]
    inside = [(t, level) for t, level in nuclei if start < t < end]
    if not centres or len(inside) < len(centres):
        return timeline
    chosen = sorted(t for t, _ in sorted(inside, key=lambda n: -n[1])[: len(centres)])
    src, dst = [start, *centres, end], [start, *chosen, end]
    return tuple((float(np.interp(a, src, dst)), float(np.interp(b, src, dst)), p) for a, b, p in timeline)


def words_timeline(words: Sequence[tuple[float, float, str]], language: str,
                   phonemizer: Phonemizer | None = None, acoustics: Acoustics | None = None) -> Timeline:
    """The phoneme timeline of timed words (start s, end s, text): each word's phones, looked
    up one word at a time, spread over the word's span (`spread_phones`). With `acoustics`
    (`syllable_nuclei` of the recording), each word is first trimmed to its heard part and its
    vowels then moved onto its nuclei.

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
        start, end = float(start), float(end)
        if acoustics is None:
            out.extend(spread_phones(start, end, phones))
            continue
        start, end = _trimmed(start, end, acoustics.voiced)
        out.extend(_on_nuclei(spread_phones(start, end, phones), start, end, acoustics.nuclei))
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


#: The recogniser setting the judge's figures were measured with (beam search, no voice-activity
#: filter, no batching): the product's faster defaults must not move the judge.
JUDGE_RECOGNISER = {"beam_size": 5, "vad_filter": False, "cpu_threads": 0, "batch_size": 0}


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

        transcriber = WhisperTranscriber(ModelStore().path("whisper-base"), **JUDGE_RECOGNISER)
    transcript = transcriber.transcribe(samples, sample_rate, language=language)
    words = tuple((float(s), float(e), str(t).strip()) for s, e, t in transcript.words)
    language = language or getattr(transcript, "language", None)
    if not words:
        log.warning("the recogniser heard no words; the words measure is undefined")
        return Heard((), "", language)
    if language is None:
        raise InputError("the recogniser named no language for the narration; give it with --language")
    timeline = words_timeline(words, language, phonemizer, syllable_nuclei(samples, sample_rate))
    return Heard(timeline, " ".join(t for _, _, t in words), language)
