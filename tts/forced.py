"""Recorded narration whose words are known: align the text on the recording, no recogniser.

As aeneas does: espeak-ng reads the whole text once (with word and phone events), log-mel
features of its reading and of the recording are matched by dynamic time warping over the
whole narration in bounded bands (`tts.warping.multiscale_path`: coarse levels first, then
10 ms frames within a band around the coarser path), and each espeak phone is carried over
to the recording along the path. Words, sentences and the phoneme timeline all come from
that one path.

A transcript that is not what the recording says (another text, or words covering only part
of it) still gives a path; what gives it away is how badly the matched frames agree: the
worst stretch of the recording's speech (`WINDOW_S`) has a mean cosine distance far above
what a right text gives (`MAX_MISMATCH`, measured in bench/bench_align.py), and missing
words leave more sound than the reading holds (`MAX_SPEECH_RATIO`); either is an
AlignmentError, not a timeline.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tts.align import _check_recording, _loud_frames, _with_min_durations, assemble_timeline
from tts.errors import AlignmentError, SpeechError
from tts.espeak import Espeak, speak_afresh
from tts.languages import is_tag, resolve
from tts.normalize import Normalizer
from tts.phonemes import WORD, espeak_voice_for
from tts.types import Phone, TimedText
from tts.warping import HOP_S, log_mel, multiscale_path

#: How far (seconds) each finer level of the warp may move from the coarser path.
RADIUS_S = 0.5
#: Length (seconds of speech) of the stretch over which the match is judged.
WINDOW_S = 3.0
#: Worst mean cosine distance over `WINDOW_S` of speech that a right transcript gives.
#: Measured with bench/bench_align.py: right texts 0.43-0.49 (Piper and Kokoro voices in en,
#: pt, es, de; the shared English recording 0.46), another text 0.54-0.66 (a Portuguese text
#: on Spanish speech, 0.54, passes), half the words 0.52-0.67 (the ratio below catches those).
#: Degraded copies of a right text reach 0.57-0.67 (RT60 0.8 s, babble at 5 dB, telephone
#: band) and are refused: the message says to give no transcript then.
MAX_MISMATCH = 0.56
#: Sound in the recording per second of espeak-ng's phones, as right texts give it (measured
#: 0.86-1.20 on the same set; half the words: 1.97-2.71; degraded right copies 0.85-1.19). A
#: speaker much slower than espeak-ng's 175 words a minute, pauses apart, would be refused.
MIN_SPEECH_RATIO, MAX_SPEECH_RATIO = 0.5, 1.6
#: Shortest quiet run (seconds) taken for a pause between words: longer than a stop's closure.
MIN_PAUSE_S = 0.15
#: How far (seconds) a pause may be from the word boundary it is moved to.
SNAP_S = 0.3
_TAIL_S, _LEAD_S = 0.03, 0.02
_MIN_INSIDE_S = 0.1
_CLAUSE_MARKS = re.compile(r"[,;:.!?…]")


@dataclass(frozen=True)
class TextAlignment:
    """A known text timed on its recording.

    phonemes: the phoneme timeline (seconds, sorted, no overlaps; `tts.types` contract).
    words: each word of the text that was spoken, (start_s, end_s, text), in order.
    sentences: each sentence given, (start_s, end_s, text), timed by its first and last word.
    mismatch: the worst mean cosine distance (0..2) between matched frames over `WINDOW_S`
    of the recording's speech; above `MAX_MISMATCH` the text is not what was said.
    speech_ratio: seconds of sound in the recording (frames within 40 dB of its peak) per
    second of phones in espeak-ng's reading; outside `MIN_SPEECH_RATIO`..`MAX_SPEECH_RATIO`
    the text is missing words (or has too many).
    """

    phonemes: tuple[Phone, ...]
    words: tuple[TimedText, ...]
    sentences: tuple[TimedText, ...]
    mismatch: float
    speech_ratio: float


def align_text(audio: np.ndarray, sample_rate: int, sentences: Sequence[str], language: str, *,
               max_mismatch: float | None = MAX_MISMATCH) -> TextAlignment:
    """Time a known text (its sentences, in order) on a mono recording (float32 samples at
    `sample_rate` Hz) in `language` (BCP-47).

    Raises AlignmentError (one line) for an unusable recording, a text with no words, a
    language espeak-ng does not speak, or a text that does not match the recording (worst
    window above `max_mismatch`, or a speech ratio outside its range; `max_mismatch=None`
    measures without judging). Deterministic: espeak-ng reads in a fresh process.
    """
    audio = _check_recording(audio, sample_rate)
    sample_rate = int(sample_rate)
    if not language or not is_tag(language):
        raise AlignmentError(f"{language!r} is not a language tag: use BCP-47, e.g. en, pt-BR")
    words, owner_sentence, text, owners = _reading(sentences, Normalizer(resolve(language)))
    try:
        voice = espeak_voice_for(resolve(language), Espeak.shared())
    except SpeechError as exc:
        raise AlignmentError(str(exc)) from exc
    result = speak_afresh(text, voice)
    per_word: list[list[tuple[float, float, str]]] = [[] for _ in words]
    starts = [a for a, _, _ in owners]
    for w in result.words:
        i = bisect.bisect_right(starts, w.text_start) - 1
        if i >= 0 and owners[i][0] <= w.text_start < owners[i][1]:
            per_word[owners[i][2]].extend(w.phones)
    if not any(per_word) or len(result.audio) == 0:
        raise AlignmentError("espeak-ng found no phonemes in the transcript: check the language given for it")

    reference, recording = log_mel(result.audio, result.sample_rate), log_mel(audio, sample_rate)
    path, cost = multiscale_path(reference, recording, int(round(RADIUS_S / HOP_S)))
    loud = _loud_frames(audio, sample_rate)
    mismatch, ratio = _check_match(cost, loud, per_word, max_mismatch)

    def to_recording(t: float) -> float:
        return float(path.position(t / HOP_S)) * HOP_S

    warped = _pauses_at_word_boundaries([[(to_recording(s), to_recording(e), p) for s, e, p in ph] for ph in per_word],
                                        _pauses(loud))
    warped = [_with_min_durations(ph) if ph else None for ph in warped]
    spans = [(m[0][0], m[-1][1], w) if m else (0.0, 0.0, w) for m, w in zip(warped, words)]
    timeline, placed = assemble_timeline(audio, sample_rate, spans, per_word, warped)
    timed_words = _timed_words(words, placed)
    timed_sentences = []
    for k, sentence in enumerate(sentences):
        mine = [w for w, s in zip(timed_words, owner_sentence) if s == k]
        if mine:
            timed_sentences.append(TimedText(mine[0].start, mine[-1].end, " ".join(sentence.split())))
    return TextAlignment(timeline, tuple(timed_words), tuple(timed_sentences), mismatch, ratio)


def _check_match(cost: np.ndarray, loud: np.ndarray, per_word: Sequence[Sequence[tuple[float, float, str]]],
                 max_mismatch: float | None) -> tuple[float, float]:
    """(mismatch, speech ratio) of an alignment (see TextAlignment); AlignmentError when
    either says that the text is not what the recording says."""
    mismatch = _worst_window(cost, loud)
    spoken = sum(e - s for ph in per_word for s, e, _ in ph)
    ratio = float(loud.sum()) * HOP_S / max(spoken, HOP_S)
    if max_mismatch is None:
        return mismatch, ratio
    if not MIN_SPEECH_RATIO <= ratio <= MAX_SPEECH_RATIO:
        raise AlignmentError(
            f"the recording holds {ratio:.1f}x the speech that the transcript takes to read (expected "
            f"{MIN_SPEECH_RATIO}-{MAX_SPEECH_RATIO}x): give the words actually spoken, all of them, or no transcript")
    if mismatch > max_mismatch:
        raise AlignmentError(
            f"the transcript does not match the recording (worst {WINDOW_S:.0f} s of speech: distance "
            f"{mismatch:.2f} > {max_mismatch:.2f}): give the words actually spoken, all of them, or no transcript")
    return mismatch, ratio


def _reading(sentences: Sequence[str], normalizer: Normalizer
             ) -> tuple[list[str], list[int], str, list[tuple[int, int, int]]]:
    """The text's words, each word's sentence index, the text espeak-ng reads (each word
    spoken as the normaliser says it, followed by its clause mark so that espeak pauses where
    a speaker would), and each word's character span in that text: (start, end, word index)."""
    words: list[str] = []
    owner_sentence: list[int] = []
    parts: list[str] = []
    owners: list[tuple[int, int, int]] = []
    pos = 0
    for k, sentence in enumerate(sentences):
        found = list(WORD.finditer(sentence))
        for n, m in enumerate(found):
            after = sentence[m.end():found[n + 1].start()] if n + 1 < len(found) else sentence[m.end():]
            mark = _CLAUSE_MARKS.search(after)
            mark = mark.group() if mark else ("." if n + 1 == len(found) else "")
            spoken = normalizer(m.group()) or m.group()
            owners.append((pos, pos + len(spoken), len(words)))
            parts.append(spoken + mark)
            pos += len(spoken) + len(mark) + 1
            words.append(m.group())
            owner_sentence.append(k)
    if not words:
        raise AlignmentError("the transcript has no words: give the text that was spoken")
    return words, owner_sentence, " ".join(parts), owners


def _pauses(loud: np.ndarray) -> list[tuple[float, float]]:
    """(start_s, end_s) of each run of quiet frames of at least `MIN_PAUSE_S` (10 ms frames)."""
    edges = np.diff(np.concatenate([[1], loud.astype(np.int8), [1]]))
    starts, ends = np.flatnonzero(edges == -1), np.flatnonzero(edges == 1)
    keep = (ends - starts) * HOP_S >= MIN_PAUSE_S
    return [(float(a * HOP_S), float(b * HOP_S)) for a, b in zip(starts[keep], ends[keep])]


def _pauses_at_word_boundaries(words: list[list[tuple[float, float, str]]], pauses: Sequence[tuple[float, float]]
                               ) -> list[list[tuple[float, float, str]]]:
    """Move each pause the warp spread over phones to the nearest word boundary.

    The reading has no pause where the speaker paused between words without a comma, so the
    warp stretches phones over it (measured: Kokoro's pauses put the last phones of a word up
    to 0.45 s late). As aeneas adjusts fragment boundaries to non-speech, a pause that phones
    overlap by more than `_MIN_INSIDE_S` in all becomes the boundary nearest to it (within
    `SNAP_S`): times before the boundary are squeezed to end at the pause's start, times
    after it to start at its end (give or take the quiet edges `_TAIL_S`, `_LEAD_S`, as
    `tts.align._tighten` keeps), over `SNAP_S` either side (one monotone map of time)."""
    words = [list(ph) for ph in words]
    starts, ends = _word_edges(words)
    for p0, p1 in pauses:
        # Only words within reach of this pause can change (keeps this linear in length).
        k0 = bisect.bisect_left(ends, p0 - 2 * SNAP_S - HOP_S)
        k1 = bisect.bisect_right(starts, p1 + 2 * SNAP_S + HOP_S)
        near_words = words[k0:k1]
        inside = sum(max(0.0, min(e, p1) - max(s, p0)) for ph in near_words for s, e, _ in ph)
        if inside <= _MIN_INSIDE_S:
            continue
        p0, p1 = p0 + _TAIL_S, p1 - _LEAD_S  # quiet ends of fricatives and stops stay
        near = [(max(p0 - ph[-1][1], ph[-1][1] - p1, 0.0), ph[-1][1])
                for k, ph in enumerate(near_words) if ph and k0 + k < len(words) - 1]
        if not near or min(near)[0] > SNAP_S:
            continue
        t = min(near)[1]
        a, b = min(t, p0) - SNAP_S, max(t, p1) + SNAP_S

        def moved(x: float, ends: bool, a=a, b=b, t=t, p0=p0, p1=p1) -> float:
            """The new time of `x`; a time at the boundary is the pause's start when it ends
            a phone, its end when it starts one."""
            if x <= a or x >= b:
                return x
            if x < t or (x == t and ends):
                return a + (x - a) * (p0 - a) / (t - a)
            return p1 + (x - t) * (b - p1) / (b - t)

        words[k0:k1] = [[(moved(s, False), moved(e, True), p) for s, e, p in ph] for ph in near_words]
        starts[k0:k1], ends[k0:k1] = _word_edges(words[k0:k1], ends[k0 - 1] if k0 else 0.0)
    return words


def _word_edges(words: Sequence[Sequence[tuple[float, float, str]]], before: float = 0.0
                ) -> tuple[list[float], list[float]]:
    """Each word's first start and last end; a word without phones sits where the one before ends."""
    starts, ends = [], []
    for ph in words:
        before_start = ph[0][0] if ph else before
        before = ph[-1][1] if ph else before
        starts.append(before_start)
        ends.append(before)
    return starts, ends


def _worst_window(cost: np.ndarray, loud: np.ndarray) -> float:
    """Highest mean of `cost` over `WINDOW_S` of consecutive loud frames (all of them when
    there are fewer); 0 when nothing is loud or the warp fell back to the rough map."""
    n = min(len(cost), len(loud))
    speech = cost[:n][loud[:n] & np.isfinite(cost[:n])]
    if speech.size == 0:
        return 0.0
    width = min(int(round(WINDOW_S / HOP_S)), speech.size)
    sums = np.concatenate([[0.0], np.cumsum(speech, dtype=np.float64)])
    return float(((sums[width:] - sums[:-width]) / width).max())


def _timed_words(words: Sequence[str], placed: Sequence[tuple[float, float] | None]) -> list[TimedText]:
    """Each word with its placed span; a word left without phones (espeak read nothing for
    it) gets an empty span where the word before it ends."""
    out: list[TimedText] = []
    for word, span in zip(words, placed):
        if span is None:
            at = out[-1].end if out else next((s for s, _ in filter(None, placed)), 0.0)
            span = (at, at)
        out.append(TimedText(float(span[0]), float(span[1]), word))
    return out
