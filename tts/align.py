"""Recorded narration: timed words (from a recogniser) → a phoneme timeline.

Each word's phonemes come from espeak-ng speaking the whole transcript (so they follow the
sentence context), and are spread over the word's recognised span in proportion to espeak's
own durations for them. With a known transcript, `align_transcript` first gives its words the
times of the recognised words they match.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence

import numpy as np

from tts.errors import AlignmentError, SpeechError
from tts.languages import is_tag, resolve
from tts.normalize import Normalizer
from tts.phonemes import WORD, espeak_voice_for
from tts.espeak import Espeak
from tts.types import Phone, check_timeline

_SILENCE_DBFS = -60.0


def _check_recording(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    if sample_rate is None or int(sample_rate) <= 0:
        raise AlignmentError(f"sample rate {sample_rate!r} is invalid: pass the recording's rate in Hz")
    try:
        audio = np.asarray(audio, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise AlignmentError("the recording is not an audio array: decode it to mono float32 first") from exc
    if audio.ndim != 1:
        raise AlignmentError(f"the recording has shape {audio.shape}: pass mono audio (one dimension)")
    if audio.size == 0:
        raise AlignmentError("the recording is empty: check that the file has an audio stream")
    if not np.all(np.isfinite(audio)):
        raise AlignmentError("the recording holds NaN or infinite samples (corrupt decode): re-export the audio")
    rms = float(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))
    if 20 * np.log10(rms + 1e-12) < _SILENCE_DBFS:
        raise AlignmentError("the recording is silent: check the microphone track or the file given")
    return audio


def align(
    audio: np.ndarray, sample_rate: int, words: Sequence[tuple[float, float, str]], language: str
) -> tuple[Phone, ...]:
    """Phoneme timeline for a recording from its timed words (start_s, end_s, text)."""
    audio = _check_recording(audio, sample_rate)
    duration = len(audio) / float(sample_rate)
    if not language or not is_tag(language):
        raise AlignmentError(f"{language!r} is not a language tag: use BCP-47, e.g. en, pt-BR")
    timed = [(float(s), float(e), str(t)) for s, e, t in words if WORD.search(str(t))]
    if not timed:
        raise AlignmentError("no words to align: the recogniser found no speech; check the recording's language")
    for s, e, t in timed:
        if not (np.isfinite(s) and np.isfinite(e)) or e < s:
            raise AlignmentError(f"word {t!r} has invalid times ({s}, {e}): pass (start_s, end_s, text) with end >= start")
    timed.sort(key=lambda w: w[0])
    if timed[0][0] > duration + 0.05:
        raise AlignmentError(
            f"the words start at {timed[0][0]:.2f}s, after the recording ends ({duration:.2f}s): wrong recording?"
        )
    language = resolve(language)
    normalizer = Normalizer(language)
    espeak = Espeak.shared()
    try:
        voice = espeak_voice_for(language, espeak)
    except SpeechError as exc:
        raise AlignmentError(str(exc)) from exc

    # One espeak pass over the whole transcript; remember which characters belong to which word.
    parts, owners = [], []
    pos = 0
    for k, (_, _, text) in enumerate(timed):
        spoken = normalizer(text.strip()) or text.strip()
        parts.append(spoken)
        owners.append((pos, pos + len(spoken), k))
        pos += len(spoken) + 1
    transcript = " ".join(parts)
    result = espeak.synthesize(transcript, voice)
    per_word: list[list[tuple[float, str]]] = [[] for _ in timed]
    for w in result.words:
        k = next((k for a, b, k in owners if a <= w.text_start < b), None)
        if k is not None:
            per_word[k].extend((e - s, p) for s, e, p in w.phones)

    loud = _loud_frames(audio, int(sample_rate))
    timeline: list[Phone] = []
    for (start, end, _), phones in zip(timed, per_word):
        start, end = _tighten(max(0.0, start), min(end, duration), loud)
        if not phones or end <= start:
            continue
        if timeline:
            start = max(start, timeline[-1].end)
        if end <= start:
            continue
        weights = np.array([max(d, 1e-3) for d, _ in phones])
        edges = start + (end - start) * np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
        timeline.extend(Phone(float(a), float(b), p) for a, b, (_, p) in zip(edges[:-1], edges[1:], phones) if b > a)
    if not timeline:
        raise AlignmentError("espeak-ng found no phonemes in these words: check the language given for the recording")
    out = tuple(timeline)
    check_timeline(out, duration)
    return out


_HOP_S = 0.01


def _loud_frames(audio: np.ndarray, sample_rate: int, below_peak_db: float = 40.0) -> np.ndarray:
    from tts.audio import frame_energy_db

    db = frame_energy_db(audio, sample_rate, hop_s=_HOP_S)
    return db > db.max() - below_peak_db


def _tighten(start: float, end: float, loud: np.ndarray, lead_s: float = 0.02, tail_s: float = 0.03):
    """Shrink a recognised word's span to its sound: recognisers often let a word run into the
    pause around it, and the mouth must be at rest there. Never widens; keeps at least 40 ms."""
    a, b = int(start / _HOP_S), int(np.ceil(end / _HOP_S))
    frames = np.flatnonzero(loud[a:b])
    if frames.size == 0:
        return start, end
    new_start = max(start, (a + frames[0]) * _HOP_S - lead_s)
    new_end = min(end, (a + frames[-1] + 1) * _HOP_S + tail_s)
    return (new_start, new_end) if new_end - new_start >= 0.04 else (start, end)


def _key(word: str) -> str:
    text = unicodedata.normalize("NFKD", word.lower())
    return re.sub(r"[\W_]+", "", "".join(c for c in text if not unicodedata.combining(c)))


def align_transcript(
    transcript: str | Sequence[str], recognised: Sequence[tuple[float, float, str]]
) -> list[tuple[float, float, str]]:
    """Give a known transcript's words the times of the recognised words they match.

    Matching is by spelling (case and accents ignored) with difflib; words the recogniser missed
    or got wrong share the time between their matched neighbours in proportion to their length.
    """
    words = WORD.findall(transcript) if isinstance(transcript, str) else [w for t in transcript for w in WORD.findall(t)]
    if not words:
        raise AlignmentError("the transcript has no words: give the text that was spoken")
    rec = [(float(s), float(e), t) for s, e, t in recognised if WORD.search(str(t))]
    if not rec:
        raise AlignmentError("the recogniser found no words: check that the recording has speech in this language")
    rec_keys = [_key(t) for _, _, t in rec]
    keys = [_key(w) for w in words]
    times: list[tuple[float, float] | None] = [None] * len(words)
    matcher = difflib.SequenceMatcher(a=keys, b=rec_keys, autojunk=False)
    for block in matcher.get_matching_blocks():
        for j in range(block.size):
            s, e, _ = rec[block.b + j]
            times[block.a + j] = (s, e)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "replace" and b1 > b0:  # the recogniser misspelled these: use its span for them
            _spread(times, words, a0, a1, rec[b0][0], rec[b1 - 1][1])
    # Remaining gaps: between the neighbours' times.
    i = 0
    while i < len(words):
        if times[i] is not None:
            i += 1
            continue
        j = i
        while j < len(words) and times[j] is None:
            j += 1
        lo = times[i - 1][1] if i > 0 else rec[0][0]
        hi = times[j][0] if j < len(words) else rec[-1][1]
        _spread(times, words, i, j, lo, max(hi, lo))
        i = j
    return [(s, e, w) for (s, e), w in zip(times, words)]


def _spread(times, words, a0: int, a1: int, lo: float, hi: float) -> None:
    lengths = np.array([max(len(w), 1) for w in words[a0:a1]], float)
    edges = lo + (hi - lo) * np.concatenate([[0.0], np.cumsum(lengths) / lengths.sum()])
    for k in range(a1 - a0):
        times[a0 + k] = (float(edges[k]), float(edges[k + 1]))
