"""Recorded narration without its transcript: the recogniser's words → a phoneme timeline.

A recogniser (Whisper) gives the TEXT; the timing comes from the given-words aligner
(`tts.forced.align_text`), not from the recogniser's word times: those move with the
recording's condition (reverberation, babble, codecs, a telephone band; between a clean and a
degraded copy, Whisper's start of a word moved by up to 0.5 s, bench/bench_align.py
--recognised), and the per-word warp near them (`tts.align.align_words`, the path before)
carried part of that over to the phones. The word times only check the result.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import numpy as np

from tts.align import _check_recording
from tts.encoded import SpeechEncoder
from tts.errors import AlignmentError
from tts.forced import align_text
from tts.reading import word_spans
from tts.phonemes import WORD
from tts.types import Phone, check_timeline

log = logging.getLogger(__name__)

#: The recognised path's check: `STRAY_WORDS` words in a row each starting more than
#: `MAX_STRAY_S` from where the recogniser heard them is not the recogniser's word-time error
#: (Whisper's starts move by up to ~0.5 s between a clean and a degraded copy, bench_align
#: --recognised) but an alignment gone astray: text the recording does not hold (a recogniser's
#: hallucination over music or silence) pulled the words elsewhere.
MAX_STRAY_S, STRAY_WORDS = 1.0, 3
#: Recording kept (seconds) before the first recognised word and after the last: Whisper's
#: edges move by up to ~0.5 s; a long silence outside the speech is not aligned (on a short
#: clip, 2 s of trailing silence drew the last word's phones off the speech in align_text).
HEARD_MARGIN_S = 1.0
#: A recognised word shorter than this (s) has no duration: faster-whisper collapses the times
#: of text it decoded past what the audio held (on bench_align's minute of repeated sentences,
#: 18 words of a pair of sentences heard twice, all at 26.38 s); they are left out of the timing.
_COLLAPSED_S = 0.005
_SENTENCE_END = re.compile(r"[.!?…。！？]\W*$")


def align_recognised(
    audio: np.ndarray, sample_rate: int, words: Sequence[tuple[float, float, str]], language: str, *,
    encoder: SpeechEncoder | None = None,
) -> tuple[tuple[Phone, ...], list[tuple[float, float, str] | None]]:
    """Phoneme timeline for a recording (mono float32 `audio` at `sample_rate` Hz, in `language`,
    BCP-47) from the words a recogniser heard in it, (start_s, end_s, text) each, in order.

    The words' text is timed by `tts.forced.align_text` measuring without judging the match
    (the text is by construction what was heard), on the recording from `HEARD_MARGIN_S`
    before the first word to as long after the last; words without duration (faster-whisper's
    collapsed times, `_COLLAPSED_S`) are left out, with a logged warning. AlignmentError for
    `STRAY_WORDS` words in a row placed over `MAX_STRAY_S` from the recogniser's starts, word
    times outside the recording, or anything `align_text` refuses (silence, no words, a
    language espeak-ng does not speak). `encoder`: passed to `align_text` (noise-robust frames,
    `tts.encoded`).

    Returns (timeline, per word holding a letter, in the order given: (start_s, end_s, text)
    of its phones, the recogniser's own text, or None for a word left without phones).
    """
    audio = _check_recording(audio, sample_rate)
    timed = [(float(s), float(e), str(t).strip()) for s, e, t in words if WORD.search(str(t))]
    if not timed:
        raise AlignmentError("no words to align: the recogniser found no speech; check the recording's language")
    first, last = min(s for s, _, _ in timed), max(e for _, e, _ in timed)
    if not (np.isfinite(first) and np.isfinite(last)) or first * sample_rate >= len(audio):
        raise AlignmentError(f"the recognised words start at {first} s, not inside the recording "
                             f"({len(audio) / sample_rate:.2f} s): pass the recording they were heard in")
    kept = [e - s >= _COLLAPSED_S for s, e, _ in timed]
    if not any(kept):
        raise AlignmentError("every recognised word has no duration: the recogniser's times are broken; "
                             "give the transcript of the narration")
    if not all(kept):
        log.warning("%d recognised words with no duration (from %.2f s; a recogniser's repetition) are left "
                    "out of the timing", kept.count(False), timed[kept.index(False)][0])
    a0 = max(0, int((first - HEARD_MARGIN_S) * sample_rate))
    a1 = min(len(audio), int(np.ceil((last + HEARD_MARGIN_S) * sample_rate)))
    aligned = align_text(audio[a0:a1], sample_rate, _sentences(timed, kept), language, max_mismatch=None,
                         encoder=encoder)
    at = a0 / float(sample_rate)
    tokens = iter(aligned.words)  # align_text's words: each word span of each kept word, in order
    spans: list[tuple[float, float, str] | None] = []
    for (_, _, text), keep in zip(timed, kept):
        mine = [w for w in (next(tokens) for _ in word_spans(text)) if w.end > w.start] if keep else []
        spans.append((at + mine[0].start, at + mine[-1].end, text) if mine else None)
    _check_strays(timed, spans)
    timeline = tuple(Phone(at + p.start, at + p.end, p.phone) for p in aligned.phonemes)
    check_timeline(timeline, len(audio) / float(sample_rate))
    return timeline, spans


def _sentences(timed: Sequence[tuple[float, float, str]], kept: Sequence[bool]) -> list[str]:
    """The kept words' text in sentences, ending where a word (kept or not) ends with a
    sentence mark: espeak-ng pauses there as a speaker does."""
    sentences, sentence = [], []
    for (_, _, text), keep in zip(timed, kept):
        sentence += [text] if keep else []
        if _SENTENCE_END.search(text) and sentence:
            sentences.append(" ".join(sentence))
            sentence = []
    return sentences + ([" ".join(sentence)] if sentence else [])


def _check_strays(heard: Sequence[tuple[float, float, str]], placed: Sequence[tuple[float, float, str] | None]) -> None:
    """AlignmentError where `STRAY_WORDS` placed words in a row start more than `MAX_STRAY_S`
    from the recogniser's starts (`heard`); words left without phones neither count nor break a run."""
    run: list[tuple[float, float, str]] = []
    for (start, _, text), span in zip(heard, placed):
        if span is None:
            continue
        run = run + [(start, span[0], text)] if abs(span[0] - start) > MAX_STRAY_S else []
        if len(run) >= STRAY_WORDS:
            (heard_at, placed_at, first), (_, _, last) = run[0], run[-1]
            raise AlignmentError(
                f"the recognised words {first!r}..{last!r} (heard at {heard_at:.1f} s) align at {placed_at:.1f} s: "
                "the recording and what was recognised in it disagree; give the transcript of the narration")
