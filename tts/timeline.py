"""Build phoneme and word timelines from a model's per-symbol sample counts.

Piper (alignments) and Kokoro (predicted durations) both say how many output samples each input
symbol produced. The input is IPA characters tagged with the word they belong to; here they
become contract phones: stress marks give their time to the phone they precede, length marks and
combining diacritics extend the phone before them, spaces and punctuation are silence (gaps).
"""

from __future__ import annotations

import unicodedata

import numpy as np
from collections.abc import Sequence
from dataclasses import dataclass

from tts.types import Phone, TimedText

_STRESS = frozenset("ˈˌ'")
_EXTEND = frozenset("ːˑ\u0361\u035c")
_SHORT_SPACE_S = 0.06


@dataclass(frozen=True)
class Symbol:
    """One model input symbol: an IPA character (or punctuation) and the word it belongs to."""

    char: str
    word: int | None  # index into the words list, None for spaces, punctuation and padding


def symbols_for(clauses, *, normalize_form: str = "NFD") -> tuple[list[Symbol], list[str]]:
    """Model input symbols for clauses of (word, ipa) pairs, and the word texts in order.

    Words are separated by a space; each clause ends with its punctuation (a comma also with a
    space), the way espeak-based models are trained.
    """
    symbols: list[Symbol] = []
    words: list[str] = []
    for c, clause in enumerate(clauses):
        if c and symbols and symbols[-1].char != " ":
            symbols.append(Symbol(" ", None))
        for i, (word, ipa) in enumerate(clause.words):
            if i:
                symbols.append(Symbol(" ", None))
            index = len(words)
            words.append(word)
            for ch in unicodedata.normalize(normalize_form, ipa):
                symbols.append(Symbol(ch, index))
        if clause.terminator:
            symbols.append(Symbol(clause.terminator, None))
    return symbols, words


def timeline_from_samples(
    symbols: Sequence[Symbol], samples: Sequence[int], words: Sequence[str], sample_rate: int, start_sample: int = 0
) -> tuple[list[Phone], list[TimedText]]:
    """Phones and words from the number of samples each symbol produced.

    `start_sample` is where the first symbol starts (after any leading padding symbol).
    """
    phones: list[list] = []  # [start, end, phone, word]
    pending_start: int | None = None
    cursor = float(start_sample)
    pos = int(round(cursor))
    for sym, n in zip(symbols, samples):
        cursor += float(n)
        begin, pos = pos, int(round(cursor))
        ch = sym.char
        if sym.word is None or ch.isspace():
            # A short space between words is coarticulation, not a pause: the phone before
            # it holds on. Punctuation and long spaces are silence.
            if ch == " " and phones and pending_start is None and pos - begin <= _SHORT_SPACE_S * sample_rate \
                    and phones[-1][1] == begin:
                phones[-1][1] = pos
            pending_start = None
            continue
        if ch in _STRESS:
            pending_start = begin if pending_start is None else pending_start
            continue
        # ̃ ʲ ʰ ᵝ belong to the phone before (and stay in its name); ː only lengthens it.
        modifier = ch not in _EXTEND and (unicodedata.combining(ch) or unicodedata.category(ch) == "Lm")
        if (ch in _EXTEND or modifier) and phones and phones[-1][3] == sym.word:
            phones[-1][1] = pos
            if modifier and ch not in "\u0361\u035c":
                phones[-1][2] = unicodedata.normalize("NFC", phones[-1][2] + ch)
            continue
        if ch in _EXTEND or modifier or not (ch.isalpha() or ch in "ʔʕ"):
            continue
        start = pending_start if pending_start is not None else begin
        pending_start = None
        phones.append([start, pos, ch, sym.word])
    out_phones = [Phone(s / sample_rate, e / sample_rate, p) for s, e, p, _ in phones if e > s]
    spans: dict[int, list[int]] = {}
    for s, e, _, w in phones:
        if e > s:
            span = spans.setdefault(w, [s, e])
            span[0], span[1] = min(span[0], s), max(span[1], e)
    out_words = [TimedText(spans[i][0] / sample_rate, spans[i][1] / sample_rate, words[i]) for i in sorted(spans)]
    return out_phones, out_words


def fit_edges_to_sound(
    phones: Sequence[Phone], audio, sample_rate: int, *, threshold_db: float = -40.0, margin_s: float = 0.02
) -> list[Phone]:
    """Pull phones that border silence in to the audible sound.

    Models give the last phone before a pause (or the first after one) the frames of the fade,
    sometimes half a second of near-silence; the mouth should be closed there. Only edges next
    to a gap (or the utterance's ends) move, never by more than leaves 30 ms of the phone.
    """
    from tts.audio import frame_energy_db

    if not phones:
        return []
    db = frame_energy_db(audio, sample_rate, hop_s=0.01)
    loud = db > (db.max() + threshold_db)
    out = [list(p) for p in phones]
    for i, p in enumerate(out):
        gap_before = i == 0 or out[i - 1][1] < p[0] - 1e-6
        gap_after = i == len(out) - 1 or phones[i + 1].start > p[1] + 1e-6
        a, b = int(p[0] / 0.01), int(np.ceil(p[1] / 0.01))
        frames = np.flatnonzero(loud[a:b]) if b > a else np.array([], int)
        if frames.size == 0:
            continue
        if gap_after:
            p[1] = max(min(p[1], (a + frames[-1] + 1) * 0.01 + margin_s), p[0] + 0.03)
        if gap_before:
            p[0] = min(max(p[0], (a + frames[0]) * 0.01 - margin_s), p[1] - 0.03)
    return [Phone(s, e, ph) for s, e, ph in out if e > s]
