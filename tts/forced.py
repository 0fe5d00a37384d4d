"""Recorded narration whose words are known: align the text on the recording, no recogniser.

As aeneas does: espeak-ng reads the whole text once (with word and phone events), log-mel
features of its reading and of the recording are matched by dynamic time warping over the
whole narration in bounded bands (`tts.warping.multiscale_path`: coarse levels first, then
10 ms frames within a band around the coarser path), and each espeak phone is carried over
to the recording along the path. Words, sentences and the phoneme timeline all come from
that one path.

Recordings are reverberant, noisy, compressed or band-limited: the features
(`tts.warping.warp_features`) floor both sides at the recording's noise depth, add slopes
and loudness, and lose a room's late reverberation (`tts.reverb`); an optional pause row
before each word lets a pause filled by babble match silence, and each further frame matched
to one frame of a phone costs `STRETCH_COST` (pause rows none), so time the reading lacks goes
to pauses rather than to phones; pauses found in the recording (`tts.pauses`: Silero's voice
activity detector, `tts.vad`, checked against the level) move to word boundaries. Where the
recording is noisy or reverberant, a speech encoder's frames passed by the caller (`tts.encoded`:
the pipeline passes Whisper base's) join the features: under 5 dB babble and in big rooms the
log-mel alone let phones stray 60-150 ms. So the timeline does not move with the recording's
condition (bench/bench_align.py, tests/tts/test_forced_robust.py).

A transcript that is not what the recording says (another text, or words covering only part
of it) still gives a path; what gives it away is how badly the matched stretches agree on a
warp of the spectra alone (the loudness column and pause rows would line any text's speech
and pauses up with the recording's, bringing another text closer): the
worst stretch of the recording's speech (`WINDOW_S`) has matches hardly closer than their
neighbours (100 ms averages of features), far above what a right text gives
(`MAX_MISMATCH`, measured in bench/bench_align.py), and missing words leave more sound than
the reading holds (`MAX_SPEECH_RATIO`); either is an AlignmentError, not a timeline. Where
the encoder's frames were added (noisy or reverberant recordings), the stretches matched on
that warp are compared on the encoder's frames instead (`MAX_ENCODED_MISMATCH`): babble and
rooms blur the spectra of a right text's matches about as much as another text's. Elsewhere,
where the spectra's measure is in `GREY_ZONE` (a right and another text of similar length came
within 0.03 there), the caller's encoder is run after all and its frames judge.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from tts.align import _check_recording, _with_min_durations, assemble_timeline
from tts.audio import frame_energy_db
from tts.encoded import SpeechEncoder, encoded_pair
from tts.errors import AlignmentError, SpeechError
from tts.espeak import Espeak, speak_afresh
from tts.languages import is_tag, resolve
from tts.normalize import Normalizer
from tts.phonemes import espeak_voice_for
from tts.reading import reading_of, timed_text
from tts.types import Phone, TimedText
from tts.pauses import find_pauses, pauses_at_word_boundaries, shifted, sounding_span
from tts.vad import speech_frames
from tts.reverb import without_late_reverberation
from tts.warping import HOP_S, WarpFeatures, WarpPath, multiscale_path, warp_features

#: How far (seconds) each finer level of the warp may move from the coarser path.
RADIUS_S = 0.5
#: Length (seconds of speech) of the stretch over which the match is judged.
WINDOW_S = 5.0
#: Reading averaged over this long (seconds) before it is compared with what it was matched to.
MATCH_POOL_S = 0.1
#: Worst mean relative distance of matched stretches (`_match_cost`) over `WINDOW_S` of
#: speech that a right transcript gives. Measured with bench/bench_align.py (Piper en and
#: Kokoro pt, 14-21 s each, clean and through 10 conditions: room RT60 0.3/0.8 s, babble
#: 10/5 dB, AAC/MP3 32 kbit/s, telephone band, 2 s silence each side, music bed): right texts
#: 0.41-0.61 (pt babble 5 dB: 0.65, refused, its timeline 29 / 155 ms off), other texts
#: 0.67-0.84 (2026-11-30, the speech the same in every run; a 3 s window: 0.44-0.68 against
#: 0.72-0.83, closer). Before Piper's noise was seeded per call, another text with 2 s of
#: silence each side once gave 0.63, accepted (this warp is the same as before the room features).
#: A 3 s clip: right 0.33, other sentences 0.62-0.72 (the shorter other one passes).
MAX_MISMATCH = 0.64
#: The same measure on the encoder's columns (`tts.encoded`) of the stretches matched on that
#: warp of the spectra, used instead where they were added (noisy or reverberant copies).
#: Measured with bench/bench_align.py --degraded (Piper en, Kokoro pt, 14-21 s each; the copies
#: that take the encoder: rooms RT60 0.8 s near and far, babble 10 and 5 dB; 2026-11-30): right
#: texts 0.27-0.63 (highest pt babble 5 dB, 0.65 on the spectra), other texts 0.95-1.03, their
#: first halves 0.98-1.10; the bar halfway (margin 0.16 each side). Tried alike: the encoder's
#: columns on their own warp 0.25-0.58 against 0.83-0.90 (margin 0.25 in all), spectra and
#: encoder together 0.28-0.56 against 0.82-0.92 (0.26); the spectra alone 0.51-0.65 against 0.72-0.84.
#: The shared narration_en.wav (5 s, noisy enough to take the encoder) with Whisper's words:
#: right 0.24, two other texts 0.95 and 0.97 (on the spectra 0.46 against 0.67-0.69).
MAX_ENCODED_MISMATCH = 0.79
#: Where the encoder's columns did not join the warp and the spectra's measure is in this range,
#: the caller's encoder (if any) encodes both sides and its columns judge (`MAX_ENCODED_MISMATCH`);
#: clear cases cost what they did. bench/bench_align.py --judgement (2026-11-30, every copy, en and
#: pt, narration_en.wav, a user's clean Piper pair): on the spectra right texts 0.41-0.55 on copies
#: the encoder does not join (0.51-0.65 where it does), other texts 0.63-0.84 (the pair: 0.43 against
#: 0.63, accepted); on the encoder's frames right 0.17-0.63, other 0.89-1.03 on every copy (the pair:
#: 0.25 against 0.95). Lowest other text less 0.08 to highest right text plus 0.10 (above: refused).
GREY_ZONE = (0.55, 0.75)
#: Sound in the recording per second of espeak-ng's phones, as right texts give it (measured
#: 0.85-1.58 on the same set, highest under babble and music, which are loud in the pauses;
#: half the words: 1.49-2.65, those under 1.8 refused by the distance). A speaker much slower
#: than espeak-ng's 175 words a minute, pauses apart, would be refused.
MIN_SPEECH_RATIO, MAX_SPEECH_RATIO = 0.5, 1.8
#: Cost of each further 10 ms of the recording matched to one frame of a phone of the reading
#: (cosine distance units, a cell costs 0..2); none on pause rows (the reading's own pauses, the
#: optional ones, before its first phone and after its last): time the recording holds beyond
#: the reading's goes to a pause before it stretches a phone, as a slope weight does (Sakoe &
#: Chiba, 1978). Where babble fills a pause, the words beside it were stretched over it
#: (bench/bench_align.py --degraded: en telephone 14 / 66 ms without, 8 / 37 with; 0.15-0.2
#: alike, 0.1 and 0.3 each miss a condition).
STRETCH_COST = 0.2
#: A gap (s) between two words of espeak-ng's reading that is its own pause: no pause row there.
_READ_PAUSE_S = 0.02


@dataclass(frozen=True)
class TextAlignment:
    """A known text timed on its recording.

    phonemes: the phoneme timeline (seconds, sorted, no overlaps; `tts.types` contract).
    words: each word of the text that was spoken, (start_s, end_s, text), in order.
    sentences: each sentence given, (start_s, end_s, text), timed by its first and last word.
    mismatch: the worst mean relative distance (`_match_cost`, 0: distinct matches, 1: no
    better than chance) over `WINDOW_S` of the recording's speech; above `MAX_MISMATCH`
    (`MAX_ENCODED_MISMATCH` where `encoded`) the text is not what was said.
    speech_ratio: seconds of sound in the recording (frames within 40 dB of its peak) per
    second of phones in espeak-ng's reading; outside `MIN_SPEECH_RATIO`..`MAX_SPEECH_RATIO`
    the text is missing words (or has too many).
    encoded: whether `mismatch` was measured on a speech encoder's frames (`tts.encoded`).
    """

    phonemes: tuple[Phone, ...]
    words: tuple[TimedText, ...]
    sentences: tuple[TimedText, ...]
    mismatch: float
    speech_ratio: float
    encoded: bool = False


def align_text(audio: np.ndarray, sample_rate: int, sentences: Sequence[str], language: str, *,
               max_mismatch: float | None = MAX_MISMATCH, encoder: SpeechEncoder | None = None,
               max_encoded_mismatch: float = MAX_ENCODED_MISMATCH) -> TextAlignment:
    """Time a known text (its sentences, in order) on a mono recording (float32 samples at
    `sample_rate` Hz) in `language` (BCP-47).

    Raises AlignmentError (one line) for an unusable recording, a text with no words, a
    language espeak-ng does not speak, or a text that does not match the recording (worst
    window above `max_mismatch`, or a speech ratio outside its range; `max_mismatch=None`
    measures without judging). Deterministic: espeak-ng reads in a fresh process.
    `encoder`: a speech encoder whose frames join the warp's features where the recording is
    reverberant or noisy (`tts.encoded`; the pipeline passes Whisper's); where they do, or where
    the spectra's measure is in `GREY_ZONE`, the match is judged on its frames, against
    `max_encoded_mismatch` instead of `max_mismatch`.
    """
    audio = _check_recording(audio, sample_rate)
    sample_rate = int(sample_rate)
    span = sounding_span(audio, sample_rate)
    if span != slice(0, len(audio)):  # long silence at an end pins the warp's ends there: cut off
        found = align_text(audio[span], sample_rate, sentences, language, max_mismatch=max_mismatch,
                           encoder=encoder, max_encoded_mismatch=max_encoded_mismatch)
        at = span.start / sample_rate
        return replace(found, phonemes=shifted(found.phonemes, at), words=shifted(found.words, at),
                       sentences=shifted(found.sentences, at))
    if not language or not is_tag(language):
        raise AlignmentError(f"{language!r} is not a language tag: use BCP-47, e.g. en, pt-BR")
    words, owner_sentence, text, owners = reading_of(sentences, Normalizer(resolve(language)))
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

    features = warp_features(result.audio, result.sample_rate, audio, sample_rate, encoder)
    reference, to_reference = _with_optional_pauses(features.reading, features.silence, per_word)
    path, _ = multiscale_path(reference, features.recording, int(round(RADIUS_S / HOP_S)),
                              _stretch_costs(len(reference), per_word, to_reference))
    db = frame_energy_db(audio, sample_rate, hop_s=HOP_S)
    loud = db > db.max() - 40.0  # as tts.align._loud_frames
    # (nothing to decide without a bar: the recognised path measures but does not judge)
    late = None if encoder is None or max_mismatch is None else (
        lambda: encoded_pair(encoder, result.audio, result.sample_rate, len(features.reading), audio, sample_rate,
                             len(features.recording), HOP_S))
    mismatch, ratio, encoded = _measure_match(features, loud, per_word, max_mismatch, max_encoded_mismatch, late)
    if features.reverberant:  # pause edges where the talker stops, not where the room falls quiet
        db = 10 * np.log10(without_late_reverberation(10 ** (db / 10), features.decay_s) + 1e-12)

    def to_recording(t: float, start: bool) -> float:
        return float(path.position(to_reference(t, start))) * HOP_S

    warped = pauses_at_word_boundaries(
        [[(to_recording(s, True), to_recording(e, False), p) for s, e, p in ph] for ph in per_word],
        find_pauses(db, speech_frames(audio, sample_rate, len(db))))
    warped = [_with_min_durations(ph) if ph else None for ph in warped]
    spans = [(m[0][0], m[-1][1], w) if m else (0.0, 0.0, w) for m, w in zip(warped, words)]
    timeline, placed = assemble_timeline(audio, sample_rate, spans, per_word, warped)
    timed_words = timed_text(words, placed)
    timed_sentences = []
    for k, sentence in enumerate(sentences):
        mine = [w for w, s in zip(timed_words, owner_sentence) if s == k]
        if mine:
            timed_sentences.append(TimedText(mine[0].start, mine[-1].end, " ".join(sentence.split())))
    return TextAlignment(timeline, tuple(timed_words), tuple(timed_sentences), mismatch, ratio, encoded)


def _measure_match(features: WarpFeatures, loud: np.ndarray, per_word: Sequence[Sequence[tuple[float, float, str]]],
                   max_mismatch: float | None, max_encoded_mismatch: float,
                   late_encoded: Callable[[], tuple[np.ndarray, np.ndarray]] | None = None
                   ) -> tuple[float, float, bool]:
    """(mismatch, speech ratio, whether judged on the encoder's frames) of the text (`_check_match`,
    which raises AlignmentError), on the stretches matched on a warp of the spectra alone (the
    loudness column and optional pauses line up any text's speech with the recording's): compared
    on the spectra against `max_mismatch`; on the encoder's columns against `max_encoded_mismatch`
    where they were added, or where the spectra's measure is in `GREY_ZONE` (`late_encoded()` gives
    them then: (reading rows, k), (recording rows, k))."""
    spectra = (features.reading[:, :features.spectral_dims], features.recording[:, :features.spectral_dims])
    plain, _ = multiscale_path(*spectra, int(round(RADIUS_S / HOP_S)))
    encoded_limit = None if max_mismatch is None else max_encoded_mismatch
    if features.encoded:
        k = features.encoded_dims
        judged = (features.reading[:, -k:], features.recording[:, -k:])
        return (*_check_match(_match_cost(*judged, plain), loud, per_word, encoded_limit), True)
    cost = _match_cost(*spectra, plain)
    if late_encoded is not None and GREY_ZONE[0] <= _worst_window(cost, loud) <= GREY_ZONE[1]:
        return (*_check_match(_match_cost(*late_encoded(), plain), loud, per_word, encoded_limit), True)
    return (*_check_match(cost, loud, per_word, max_mismatch), False)


def _with_optional_pauses(reading: np.ndarray, silence: np.ndarray,
                          per_word: Sequence[Sequence[tuple[float, float, str]]]
                          ) -> tuple[np.ndarray, Callable[[float, bool], float]]:
    """The reading's features with one `silence` row before each word that follows the one
    before without a pause of the reading's own, and a map from a reading time (s, as a
    phone's start or end) to a position (frames) in those rows.

    An optional pause: where the speaker paused and the reading did not, the warp matches the
    pause to that row instead of stretching a phone over it, which noise in the pause makes
    it do (babble, bench/bench_align.py). The row goes before the row holding the word's
    start; times are kept on their side of it (a start at the word's start after it, an end
    there before it; at most half a row moved). Where no pause was spoken it costs one frame.
    Rows are also added before the first frame and after the last."""
    spoken = [ph for ph in per_word if ph]
    starts = sorted(ph[0][0] for before, ph in zip(spoken, spoken[1:]) if ph[0][0] - before[-1][1] < _READ_PAUSE_S)
    boundaries: list[float] = []
    rows: list[int] = []
    for t in starts:
        row = int(np.floor(t / HOP_S + 0.5))
        if 0 < row < len(reading) and (not rows or row > rows[-1]):
            boundaries.append(t)
            rows.append(row)
    # One more before the reading and one after it: the recording's leading and trailing
    # silence (or noise) has a row to go to where espeak-ng's reading starts or ends with a
    # phone, instead of stretching one (STRETCH_COST) or shifting the first or last word.
    boundaries = [-1.0, *boundaries, len(reading) * HOP_S + 1.0]
    rows = [0, *rows, len(reading)]

    def position(t: float, start: bool) -> float:
        before = (bisect.bisect_right(boundaries, t + 1e-9) if start
                  else bisect.bisect_left(boundaries, t - 1e-9))  # pause rows before this time
        x = t / HOP_S
        if before:
            x = max(x, rows[before - 1] - 0.5)
        if before < len(rows):
            x = min(x, rows[before] - 0.5)
        return x + before

    return np.insert(reading, rows, silence, axis=0), position


def _stretch_costs(rows: int, per_word: Sequence[Sequence[tuple[float, float, str]]],
                   to_reference: Callable[[float, bool], float]) -> np.ndarray:
    """(rows,) float32: `STRETCH_COST` on each row of the reference (row i spans positions
    i - 0.5 to i + 0.5, `to_reference` maps reading seconds there) that a phone covers, 0 on
    the others (pauses)."""
    out = np.zeros(rows, np.float32)
    for phones in per_word:
        for start, end, _ in phones:
            first = int(np.floor(to_reference(start, True) + 0.5))
            out[max(first, 0):max(int(np.floor(to_reference(end, False) + 0.5)), 0)] = STRETCH_COST
    return out


def _match_cost(reference: np.ndarray, recording: np.ndarray, path: WarpPath) -> np.ndarray:
    """Per frame of the recording: how much closer the reading's `MATCH_POOL_S` stretch
    matched there is to it than to the stretches matched 0.4-1 s around it (their median
    cosine distance divides its own; features averaged over each stretch first); NaN where
    no stretch lands. Near 0: a distinct match; near 1: no better than the neighbours.

    Both steps keep the recording's condition out of the judgement (bench/bench_align.py):
    averaging, because noise scatters a right copy's frames one by one; the ratio, because
    noise and reverberation raise all distances alike. A wrong text's path finds frames
    about as like the reading as any others nearby."""
    width = max(1, int(round(MATCH_POOL_S / HOP_S)))
    n, m = len(reference), len(recording)
    i0 = np.arange(0, n, width)
    i1 = np.minimum(i0 + width, n)
    j0 = np.clip(path.first[i0].astype(int), 0, m - 1)
    j1 = np.clip(path.last[i1 - 1].astype(int) + 1, j0 + 1, m)
    a, b = _stretch_means(reference, i0, i1), _stretch_means(recording, j0, j1)
    distance = 1.0 - (a * b).sum(1)
    around = [1.0 - (a * b[np.clip(np.arange(len(a)) + lag, 0, len(a) - 1)]).sum(1)
              for lag in (-10, -8, -6, -4, 4, 6, 8, 10)]
    distance = distance / (np.median(np.stack(around), axis=0) + 1e-3)
    out = np.full(m, np.nan)
    for start, end, d in zip(j0, j1, distance):
        out[start:end] = d
    return out


def _stretch_means(x: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Unit-length means of rows starts[k]:ends[k] of `x` (by prefix sums)."""
    cum = np.concatenate([np.zeros((1, x.shape[1])), np.cumsum(x, 0, dtype=np.float64)])
    mean = (cum[ends] - cum[starts]) / (ends - starts)[:, None]
    return mean / (np.linalg.norm(mean, axis=1, keepdims=True) + 1e-9)


#: what to do about a refused transcript: both causes, since the recognised path (no transcript)
#: is no better on a noisy recording
_MISMATCH_ADVICE = ("either the words differ from what was said (give the words actually spoken, all of them) "
                    "or the recording is too noisy or reverberant to time them (other voices or noise under "
                    "the speech: use a cleaner recording)")


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
            f"the recording holds {ratio:.2f}x the speech that the transcript takes to read (expected "
            f"{MIN_SPEECH_RATIO}-{MAX_SPEECH_RATIO}x): {_MISMATCH_ADVICE}")
    if mismatch > max_mismatch:
        raise AlignmentError(
            f"the transcript does not match the recording (worst {WINDOW_S:.0f} s of speech: distance "
            f"{mismatch:.2f} > {max_mismatch:.2f}): {_MISMATCH_ADVICE}")
    return mismatch, ratio


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
