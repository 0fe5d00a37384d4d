"""Recorded narration: timed words → a phoneme timeline, warping each word near its times.

(A narration without its transcript is timed by `tts.recognised.align_recognised`, which
takes only the recogniser's text: its word times move with the recording's condition.)

Each word's phonemes come from espeak-ng speaking the whole transcript (so they follow the
sentence context). espeak-ng's own recording of the words is then warped onto the narration
(dynamic time warping on log-mel features, kept near the given word times), which carries
each phone's timing over: recognisers place word edges only roughly (Whisper's run about
100 ms early on clean speech). Where warping cannot run, a word's phones are spread over
its span in proportion to espeak's durations (`spread_words`: speech from a backend that
gives no durations). With a known transcript, `align_transcript` first gives its words the
times of the recognised words they match.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence

import numpy as np

from tts.errors import AlignmentError, SpeechError
from tts.espeak import Espeak, speak_afresh
from tts.languages import is_tag, resolve
from tts.normalize import Normalizer
from tts.phonemes import WORD, espeak_voice_for
from tts.types import Phone, check_timeline
from tts.warping import HOP_S as _WARP_HOP_S
from tts.warping import banded_path, warp_features

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
    return align_words(audio, sample_rate, words, language)[0]


def align_words(
    audio: np.ndarray, sample_rate: int, words: Sequence[tuple[float, float, str]], language: str
) -> tuple[tuple[Phone, ...], list[tuple[float, float, str] | None]]:
    """`align`, and where each word landed: per word holding a letter, in time order,
    (start_s, end_s, text) of its phones in the timeline, None for a word left without phones.
    Raises AlignmentError as `align`."""
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
    # In a fresh process: in this one, the reading would depend on what espeak-ng spoke
    # before (see speak_afresh), and warped phones would move by ~10 ms from run to run.
    result = speak_afresh(transcript, voice)
    per_word: list[list[tuple[float, float, str]]] = [[] for _ in timed]  # espeak's times
    for w in result.words:
        k = next((k for a, b, k in owners if a <= w.text_start < b), None)
        if k is not None:
            per_word[k].extend(w.phones)

    warped = _warp_phones(audio, int(sample_rate), result.audio, result.sample_rate, timed, per_word)
    timeline, placed = assemble_timeline(audio, int(sample_rate), timed, per_word, warped)
    return timeline, [(a, b, text) if span else None
                      for span, (_, _, text) in zip(placed, timed) for a, b in [span or (0.0, 0.0)]]


def assemble_timeline(audio: np.ndarray, sample_rate: int, spans: Sequence[tuple[float, float, str]],
                      phones: Sequence[Sequence[tuple[float, float, str]]],
                      warped: Sequence[Sequence[tuple[float, float, str]] | None]
                      ) -> tuple[tuple[Phone, ...], list[tuple[float, float] | None]]:
    """The phoneme timeline from each word's span (seconds), espeak-ng's phones for it and
    their warped times (None: spread over the span by espeak's durations), each word pulled
    in to its sound (`_tighten`) and kept after the word before. Also each word's final span
    (None for a word left without phones). AlignmentError when no phone is left."""
    duration = len(audio) / float(sample_rate)
    loud = _loud_frames(audio, sample_rate)
    timeline: list[Phone] = []
    placed: list[tuple[float, float] | None] = []
    for (start, end, _), word_phones, mapped in zip(spans, phones, warped):
        placed.append(None)
        if mapped:  # the warped span: the recogniser's word edges are only rough
            start, end = mapped[0][0], mapped[-1][1]
        start, end = _tighten(max(0.0, start), min(end, duration), loud)
        if not word_phones or end <= start:
            continue
        if timeline:
            start = max(start, timeline[-1].end)
        if end <= start:
            continue
        if mapped is None:  # no warp: spread over the word in proportion to espeak's durations
            weights = np.array([max(e - s, 1e-3) for s, e, _ in word_phones])
            edges = start + (end - start) * np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
            mapped = [(a, b, p) for a, b, (_, _, p) in zip(edges[:-1], edges[1:], word_phones)]
        first = len(timeline)
        for a, b, p in mapped:
            a, b = max(a, start, timeline[-1].end if timeline else 0.0), min(b, end)
            if b > a:
                timeline.append(Phone(float(a), float(b), p))
        if len(timeline) > first:
            placed[-1] = (timeline[first].start, timeline[-1].end)
    if not timeline:
        raise AlignmentError("espeak-ng found no phonemes in these words: check the language given for the recording")
    out = tuple(timeline)
    check_timeline(out, duration)
    return out, placed


_HOP_S = 0.01
#: Longest stretch of narration warped at once (memory grows with its square).
_WARP_CHUNK_S = 20.0
#: How far (seconds) warping may move a phone from where the recogniser's word times put it.
_WARP_RADIUS_S = 0.3


def _warp_phones(audio: np.ndarray, sample_rate: int, reference: np.ndarray, reference_rate: int,
                 words: Sequence[tuple[float, float, str]], phones: Sequence[Sequence[tuple[float, float, str]]]
                 ) -> list[list[tuple[float, float, str]] | None]:
    """Each word's phones moved from espeak-ng's recording (`reference`) onto the narration,
    or None per word where there is nothing to warp. Words go in chunks of at most
    `_WARP_CHUNK_S` seconds, each warped within `_WARP_RADIUS_S` of the recogniser's map."""
    out: list[list[tuple[float, float, str]] | None] = [None] * len(words)
    spoken = [k for k, ph in enumerate(phones) if ph]
    if not spoken or len(reference) == 0:
        return out
    # The given-words path's features: made alike whatever the recording went through.
    features = warp_features(reference, reference_rate, audio, sample_rate)
    ref_feats, rec_feats = features.reading, features.recording
    hop, margin = _WARP_HOP_S, _WARP_RADIUS_S
    chunks: list[list[int]] = [[]]
    for k in spoken:
        if chunks[-1] and words[k][1] - words[chunks[-1][0]][0] > _WARP_CHUNK_S:
            chunks.append([])
        chunks[-1].append(k)
    for chunk in chunks:
        # Anchors of the rough map: each word's espeak span onto its recognised span.
        ref_at = np.array([t for k in chunk for t in (phones[k][0][0], phones[k][-1][1])])
        rec_at = np.array([t for k in chunk for t in (words[k][0], words[k][1])])
        r0 = max(0, int((ref_at[0] - margin) / hop))
        r1 = min(len(ref_feats), int(np.ceil((ref_at[-1] + margin) / hop)))
        a0 = max(0, int((rec_at[0] - margin) / hop))
        a1 = min(len(rec_feats), int(np.ceil((rec_at[-1] + margin) / hop)))
        if r1 - r0 < 2 or a1 - a0 < 2:
            continue
        ref_at = np.concatenate([[r0 * hop], np.maximum.accumulate(ref_at), [r1 * hop]])
        rec_at = np.concatenate([[a0 * hop], np.maximum.accumulate(rec_at), [a1 * hop]])
        frames = np.arange(r0, r1) * hop
        expected = np.interp(frames, ref_at, rec_at) / hop - a0
        matched = banded_path(ref_feats[r0:r1], rec_feats[a0:a1], expected, int(round(margin / hop)))

        def to_recording(t: float) -> float:
            return float(matched.position(t / hop - r0) + a0) * hop

        for k in chunk:
            out[k] = _with_min_durations([(to_recording(s), to_recording(e), p) for s, e, p in phones[k]])
    return out


#: Shortest phone the warp may leave. Warping one voice onto another squeezes phones whose
#: sound it cannot match (a stop's closure next to another stop's) to a few milliseconds; a
#: spoken phone lasts 30 ms or more, and a /b/ the lips never close for would be wrong too.
MIN_PHONE_S = 0.04


def _with_min_durations(phones: list[tuple[float, float, str]], shortest: float = MIN_PHONE_S
                        ) -> list[tuple[float, float, str]]:
    """A word's warped phones with each at least `shortest` long (or an equal share of the
    word when it is shorter than that), the time taken from the longer phones in proportion
    to their excess; the word keeps its span and the phones their order."""
    if len(phones) < 2:
        return phones
    start, end = phones[0][0], phones[-1][1]
    lengths = np.array([max(e - s, 0.0) for s, e, _ in phones])
    floor = min(shortest, (end - start) / len(phones))
    if lengths.min() >= floor:
        return phones
    excess = np.maximum(lengths - floor, 0.0)
    lengths = floor + excess * (end - start - floor * len(phones)) / max(excess.sum(), 1e-12)
    edges = start + np.concatenate([[0.0], np.cumsum(lengths)])
    edges[-1] = end
    return [(float(a), float(b), p) for a, b, (_, _, p) in zip(edges[:-1], edges[1:], phones)]


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


def spread_words(audio: np.ndarray, sample_rate: int, words: Sequence[str], language: str
                 ) -> tuple[tuple[Phone, ...], tuple[tuple[float, float, str], ...]]:
    """A timeline for speech from a backend that gives no durations: `words` spread evenly over
    the sounding part of `audio` (`tts.audio.speech_bounds`), then each word's espeak-ng phones
    aligned inside (`align`). Returns (phones, (start_s, end_s, word) per word); both empty when
    there are no words or no sound."""
    from tts.audio import speech_bounds

    start, end = speech_bounds(audio, sample_rate)
    if not words or end <= start:
        return (), ()
    step = (end - start) / sample_rate / len(words)
    timed = tuple((start / sample_rate + k * step, start / sample_rate + (k + 1) * step, w) for k, w in enumerate(words))
    return tuple(align(audio, sample_rate, list(timed), language)), timed
