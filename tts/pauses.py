"""Pauses in a recording and the words around them, for the given-words aligner (`tts.forced`).

`find_pauses` finds where the talker is silent: Silero's voice activity detector (`tts.vad`)
checked against the level, edges from the level. `pauses_at_word_boundaries` moves a pause
that the warp spread over phones to the word boundary nearest to it (pure, on times).
`sounding_span` is the part of a recording the aligner warps: long silence at its ends cut off.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np
from scipy.ndimage import median_filter

from tts.audio import speech_bounds
from tts.warping import HOP_S  # the level's and the detector's frame hop, seconds

#: Shortest quiet run (seconds) taken for a pause between words: longer than a stop's closure.
MIN_PAUSE_S = 0.15
#: A silent run of the voice activity detector is a pause only this far (dB) under the speech's
#: median level; its edges are where the level is within `_PAUSE_EDGE_DB` of its floor,
#: searched `_PAUSE_REACH_S` either side (Silero's hangover is up to ~0.2 s, bench_align).
_PAUSE_BELOW_DB, _PAUSE_EDGE_DB, _PAUSE_REACH_S = 15.0, 10.0, 0.25
#: How far (seconds) a pause may be from the word boundary it is moved to.
SNAP_S = 0.3
_TAIL_S, _LEAD_S = 0.03, 0.02
_MIN_INSIDE_S = 0.1
#: Recording kept either side of its sound (seconds) when the rest is cut off (`sounding_span`).
#: 0.25-1 s of digital silence each side aligned within 2 ms of the unpadded copy; 2 s did not
#: (Piper en and Kokoro de held-out texts of tests/tts/test_forced_robust.py, 2026-11-30).
SPAN_MARGIN_S = 0.5


def find_pauses(db: np.ndarray, speech: np.ndarray) -> list[tuple[float, float]]:
    """(start_s, end_s) of each pause of at least `MIN_PAUSE_S`: where the voice activity
    detector hears no speech (`speech`, per 10 ms frame) and the level (`db`, dB per frame)
    says so too, with edges from the level.

    Energy alone takes a noise bed, music or a room's tail for sound and finds no pause; the
    detector's own edges trail speech by up to ~0.2 s (its hangover), and on a telephone band
    it hears pauses inside words. So each silent run of the detector is kept only where its
    median level is `_PAUSE_BELOW_DB` under the speech's, and its edges are where the level
    within `_PAUSE_REACH_S` of it stays under the run's floor (20th percentile) plus
    `_PAUSE_EDGE_DB`, or 40 dB under the peak, whichever is higher (the clean-speech rule)."""
    if not speech.any():
        return []
    n = min(len(db), len(speech))
    db, speech = db[:n], speech[:n]
    level, peak = float(np.median(db[speech])), float(db.max())
    reach = int(round(_PAUSE_REACH_S / HOP_S))
    out: list[tuple[float, float]] = []
    for a, b in runs(~speech):
        if float(np.median(db[a:b])) > level - _PAUSE_BELOW_DB:
            continue
        lo, hi = max(0, a - reach), min(n, b + reach)
        quiet = db[lo:hi] < max(float(np.percentile(db[a:b], 20)) + _PAUSE_EDGE_DB, peak - 40.0)
        quiet = median_filter(quiet.astype(np.uint8), 3, mode="nearest").astype(bool)  # one-frame blips
        mid = (a + b) // 2 - lo
        if not quiet[mid]:
            continue
        around = [(s, e) for s, e in runs(quiet) if s <= mid < e]
        s, e = around[0]
        if (e - s) * HOP_S < MIN_PAUSE_S:
            continue
        start, end = (lo + s) * HOP_S, (lo + e) * HOP_S
        if out and start <= out[-1][1]:  # two silent runs of the detector in one quiet stretch
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def sounding_span(audio: np.ndarray, sample_rate: int) -> slice:
    """The samples of a mono recording (float32 at `sample_rate` Hz) that the given-words
    aligner warps: from `SPAN_MARGIN_S` before its first frame within 40 dB of its loudest
    (as `tts.forced` counts speech) to `SPAN_MARGIN_S` after its last; an end with no more
    than another `SPAN_MARGIN_S` to cut off is kept whole, so the span of the span is itself.

    Why: with 2 s or more of silence at an end, the warp's path put the first word's phones in
    the leading silence (at 0.00-0.03 s) and the last word's at the end of the trailing silence,
    zero-length or 2.9 s late (Piper en, Kokoro de), both accepted as a match. Only where the
    padded copy passed `tts.warping._WHOLE_FRAMES` (15 s) and was warped level by level: pooled,
    the pause rows before and after the reading are averaged with phone rows and take their
    stretch cost, so the coarse path spreads the end phones over the silence and the finer
    band (`tts.forced.RADIUS_S`, 0.5 s) cannot bring them back (measured 2026-11-30: warped
    in one unbanded pass, both copies aligned right)."""
    first, last = speech_bounds(audio, sample_rate, -40.0)
    margin = int(round(SPAN_MARGIN_S * sample_rate))
    if last <= first:
        return slice(0, len(audio))
    hop = max(1, int(HOP_S * sample_rate))  # on the whole recording's frame grid: the same frames, the same times
    start = (first - margin) // hop * hop if first - margin > margin else 0
    stop = last + margin if len(audio) - last - margin > margin else len(audio)
    return slice(start, stop)


def shifted(items: Sequence[tuple[float, float, str]], offset_s: float) -> tuple:
    """Each (start_s, end_s, text) item (`tts.types` Phone or TimedText) moved `offset_s` later."""
    return tuple(type(item)(item[0] + offset_s, item[1] + offset_s, item[2]) for item in items)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True in a 1-D bool array."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def pauses_at_word_boundaries(words: list[list[tuple[float, float, str]]], pauses: Sequence[tuple[float, float]]
                               ) -> list[list[tuple[float, float, str]]]:
    """Move each pause the warp spread over phones to the nearest word boundary.

    The reading has no pause where the speaker paused between words without a comma, so the
    warp stretches phones over it (measured: Kokoro's pauses put the last phones of a word up
    to 0.45 s late). As aeneas adjusts fragment boundaries to non-speech, a pause that phones
    overlap by more than `_MIN_INSIDE_S` in all becomes the boundary nearest to it (within
    `SNAP_S`): times before the boundary are squeezed to end at the pause's start, times
    after it to start at its end (give or take the quiet edges `_TAIL_S`, `_LEAD_S`, as
    `tts.align._tighten` keeps), over `SNAP_S` either side (one monotone map of time). A side
    already out of the pause stays, and the next word moves by only as much as it starts
    inside the pause (squeezed from the boundary, a word starting 5 ms inside a 0.7 s pause
    went 0.2 s late: bench/bench_align.py --timing, 56 s, 23.9 -> 21.1 ms from the TTS
    timeline)."""
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
        # The next word's start goes to the pause's end (it may already be past it, or close:
        # then the words after it move by that much, not by the pause's length).
        after = min((ph[0][0] for ph in near_words if ph and ph[0][0] >= t), default=t)

        def moved(x: float, ends: bool, a=a, b=b, t=t, p0=p0, p1=p1, after=after) -> float:
            """The new time of `x`; a time at the boundary is the pause's start when it ends
            a phone, its end when it starts one."""
            if x <= a or x >= b:
                return x
            if x < t or (x == t and ends):
                return a + (x - a) * (p0 - a) / (t - a) if t > p0 else x
            return p1 + (x - after) * (b - p1) / (b - after) if after < p1 else x

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
