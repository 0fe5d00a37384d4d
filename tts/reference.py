"""The speaker reference for a cloned voice: the cleanest 6-15 s stretch of a presenter's speech.

    stretch = tts.reference.choose_reference(audio, sample_rate)   # raises NoReferenceError
    clip = stretch.cut(audio, sample_rate)

The leaf never reads media files: the pipeline decodes the presenter's track and passes samples.
A stretch is speech-active (webrtcvad and Praat voicing, as the voice profile hears speech; pauses
between phrases up to MAX_PAUSE_S), one speaker (the dominant one when Resemblyzer's window
embeddings fall into two clusters, as in `tts.profile`), with no clipped sample; among those, the
one with the highest signal-to-noise ratio is chosen, then the longest.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from tts.errors import SpeechError
from tts.profile import (
    ANALYSIS_RATE,
    FRAME_S,
    MIN_OTHER_SHARE,
    SPEAKER_DISTANCE,
    SpeakerEncoder,
    pitch_track,
    speech_mask,
    to_analysis_rate,
)

log = logging.getLogger(__name__)

# XTTS-v2 clones from "a 6-second audio clip" (its model card, huggingface.co/coqui/XTTS-v2); past
# about 15 s a reference adds little and costs conditioning time (issue 16 asks for 6-15 s).
MIN_REFERENCE_S = 6.0
MAX_REFERENCE_S = 15.0
# Pauses between phrases run 0.2-0.9 s in read speech (the synthesizer's own are 0.45 and 0.9 s); a
# longer silence ends a stretch, so a reference is not mostly silence.
MAX_PAUSE_S = 1.0
# A sample at or above this magnitude counts as clipped (full scale is 1.0; encoders' rounding and
# AAC's ringing leave clipped peaks a little under it).
CLIP_LEVEL = 0.99
# SNR from the distribution of 10 ms frame powers: the signal level is their 95th percentile in the
# stretch (the level NIST's "stnr" tool takes for speech), the noise level their 10th percentile
# over the stretch and CONTEXT_S around it (our floor estimate: the pauses between phrases, so a
# stretch without pauses still sees the floor nearby). Capped: digital silence has no noise.
SIGNAL_PERCENTILE = 95
NOISE_PERCENTILE = 10
CONTEXT_S = 1.0
MAX_SNR_DB = 80.0
# Stretches whose SNR is this close are equally clean: then the dominant speaker's, the longest.
SNR_BUCKET_DB = 6.0
STEP_S = 0.25  # candidate starts are this far apart
MAX_ANALYSIS_S = 120.0  # only a track's first two minutes are searched (as the voice profile reads)


class NoReferenceError(SpeechError):
    """No clean stretch of one speaker's speech long enough to clone a voice from."""


@dataclass(frozen=True)
class ReferenceStretch:
    """Where the reference lies in the track: start_s, end_s (seconds from the track's start),
    snr_db (see SIGNAL_PERCENTILE), speech_s (seconds heard as speech inside it), notes (what the
    choice had to decide, e.g. a second speaker left out)."""

    start_s: float
    end_s: float
    snr_db: float
    speech_s: float
    notes: tuple[str, ...] = ()

    @property
    def duration(self) -> float:
        return self.end_s - self.start_s

    def cut(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        """The stretch's samples of the track it was chosen from (mono float32)."""
        audio = np.asarray(audio, np.float32).reshape(-1)
        return audio[int(round(self.start_s * sample_rate)):int(round(self.end_s * sample_rate))]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "notes": list(self.notes)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReferenceStretch:
        return cls(**{**data, "notes": tuple(data.get("notes") or ())})


def choose_reference(audio: np.ndarray, sample_rate: int, *, encoder: SpeakerEncoder | None = None,
                     min_s: float = MIN_REFERENCE_S, max_s: float = MAX_REFERENCE_S) -> ReferenceStretch:
    """The cleanest stretch of `audio` (mono float32 in [-1, 1], any rate) to clone a voice from.

    `encoder`: a SpeakerEncoder to reuse (one is loaded otherwise) for the one-speaker check.
    Raises NoReferenceError, in one line saying why (silence, no speech, clipping, a second
    speaker, or no stretch of `min_s` seconds), with the longest clean stretch found.
    """
    audio = np.asarray(audio, np.float32).reshape(-1)[: int(MAX_ANALYSIS_S * sample_rate)]
    audio16 = to_analysis_rate(audio, sample_rate)
    if not len(audio16) or not np.all(np.isfinite(audio16)) or float(np.max(np.abs(audio16))) < 1e-4:
        raise NoReferenceError("the audio track is silent or empty: no speech to clone a voice from")
    f0 = pitch_track(audio16, ANALYSIS_RATE)
    speech = speech_mask(audio16, f0)
    if not speech.any():
        raise NoReferenceError("no speech heard in the audio track: no voice to clone")
    n = len(speech)
    bad = _clipped_frames(audio, sample_rate, n)
    labels, dominant, notes = _speaker_labels(audio16, speech & ~bad, encoder)
    stop = _stops(speech, bad | _speaker_changes(labels), int(round(MAX_PAUSE_S / FRAME_S)))
    power = _frame_power(audio16, n)
    # (SNR in SNR_BUCKET_DB steps, the dominant speaker, length, -start): the largest wins
    best: tuple[int, bool, int, int] | None = None
    chosen = (0, 0, 0.0)  # start, end (inclusive), SNR
    longest = 0
    good = _next_true_index(speech & ~bad)
    last_speech = _last_true_index(speech)
    for s in range(0, n, max(1, int(round(STEP_S / FRAME_S)))):
        s = int(good[s])
        if s >= n:
            break
        end = min(stop[s + 1], s + int(round(max_s / FRAME_S)))  # exclusive; frame s itself is usable
        e = int(last_speech[end - 1])  # the last speech frame before the stop
        length = e + 1 - s
        longest = max(longest, length)
        if length * FRAME_S < min_s - 1e-9:
            continue
        snr = _snr_db(power, s, e + 1, int(round(CONTEXT_S / FRAME_S)))
        key = (int(snr // SNR_BUCKET_DB), bool(dominant[s]), length, -s)
        if best is None or key > best:
            best, chosen = key, (s, e, snr)
    if best is None:
        why = "; ".join([*notes, *_why_short(bad, speech)])
        raise NoReferenceError(f"the longest clean stretch of one speaker's speech is {longest * FRAME_S:.1f} s; "
                               f"cloning needs {min_s:.0f} s{f' ({why})' if why else ''}")
    s, e, snr = chosen
    speech_s = float(np.count_nonzero(speech[s:e + 1])) * FRAME_S
    return ReferenceStretch(round(s * FRAME_S, 3), round((e + 1) * FRAME_S, 3), round(snr, 1),
                            round(speech_s, 2), tuple(notes))


def _clipped_frames(audio: np.ndarray, sample_rate: int, frames: int) -> np.ndarray:
    """Per 10 ms frame: a sample of the original (not resampled: resampling rounds off the flat
    tops) is at CLIP_LEVEL or above."""
    hits = np.flatnonzero(np.abs(audio) >= CLIP_LEVEL)
    out = np.zeros(frames, bool)
    idx = (hits / (sample_rate * FRAME_S)).astype(int)
    out[idx[idx < frames]] = True
    return out


def _speaker_labels(audio16: np.ndarray, usable: np.ndarray,
                    encoder: SpeakerEncoder | None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per 10 ms frame: a speaker label (0: not usable speech), whether it is the dominant speaker
    (the label with most speech), and a note when more than one is heard. Labels cluster
    Resemblyzer's ~1.6 s window embeddings as `tts.profile` does (average linkage, cosine distance
    over SPEAKER_DISTANCE: different people); each frame takes the label most windows over it have."""
    from scipy.cluster.hierarchy import fcluster, linkage

    hop = int(FRAME_S * ANALYSIS_RATE)
    frames = np.flatnonzero(usable)
    labels = np.where(usable, 1, 0)
    if len(frames) * FRAME_S < 2.0:  # too little for the encoder's windows: one speaker
        return labels, usable.copy(), []
    joined = np.concatenate([audio16[i * hop:(i + 1) * hop] for i in frames])
    partials, slices = (encoder or SpeakerEncoder()).windows(joined)
    if len(partials) < 3:
        return labels, usable.copy(), []
    found = fcluster(linkage(partials, method="average", metric="cosine"), t=SPEAKER_DISTANCE, criterion="distance")
    votes = np.zeros((int(found.max()) + 1, len(frames)))
    for label, sl in zip(found, slices):
        votes[label, sl.start // hop:min(len(frames), -(-sl.stop // hop))] += 1
    per_frame = np.argmax(votes, axis=0)
    per_frame[votes.max(axis=0) == 0] = int(np.bincount(found).argmax())
    labels[frames] = per_frame
    counts = np.bincount(per_frame)
    dominant = labels == int(np.argmax(counts))
    speakers = int(np.count_nonzero(counts >= MIN_OTHER_SHARE * len(per_frame)))
    notes = [f"{speakers} speakers heard: the reference is the dominant one's speech when it is as clean as "
             "the others'"] if speakers > 1 else []
    return labels, dominant, notes


def _stops(speech: np.ndarray, bad: np.ndarray, max_pause: int) -> np.ndarray:
    """For each frame i (and i = len(speech)), the first frame at or after i where a stretch must
    end (exclusive): a bad frame, or the first frame of a pause longer than `max_pause` frames;
    len(speech) when none."""
    n = len(speech)
    stop = np.empty(n + 1, int)
    stop[n] = n
    run_end = n  # the end of the current non-speech run, scanning backwards
    for i in range(n - 1, -1, -1):
        if speech[i]:
            run_end = i
        if bad[i]:
            stop[i] = i
        elif not speech[i] and run_end - i > max_pause:
            stop[i] = i
        else:
            stop[i] = stop[i + 1]
    return stop


def _speaker_changes(labels: np.ndarray) -> np.ndarray:
    """Per frame: a labelled frame whose label differs from the previous labelled frame's."""
    out = np.zeros(len(labels), bool)
    idx = np.flatnonzero(labels)
    if len(idx) > 1:
        changed = labels[idx[1:]] != labels[idx[:-1]]
        out[idx[1:][changed]] = True
    return out


def _frame_power(audio16: np.ndarray, frames: int) -> np.ndarray:
    hop = int(FRAME_S * ANALYSIS_RATE)
    padded = np.pad(audio16.astype(np.float64), (0, max(0, frames * hop - len(audio16))))[: frames * hop]
    return np.mean(padded.reshape(frames, hop) ** 2, axis=1)


def _snr_db(power: np.ndarray, start: int, end: int, context: int) -> float:
    inside = power[start:end]
    around = power[max(0, start - context):end + context]
    signal = float(np.percentile(inside, SIGNAL_PERCENTILE))
    noise = float(np.percentile(around, NOISE_PERCENTILE))
    if noise <= signal * 10 ** (-MAX_SNR_DB / 10):
        return MAX_SNR_DB
    return float(10 * np.log10(signal / noise))


def _last_true_index(mask: np.ndarray) -> np.ndarray:
    """For each i, the largest j <= i with mask[j] (-1 when none)."""
    idx = np.where(mask, np.arange(len(mask)), -1)
    return np.maximum.accumulate(idx)


def _next_true_index(mask: np.ndarray) -> np.ndarray:
    """For each i, the smallest j >= i with mask[j] (len(mask) when none)."""
    n = len(mask)
    idx = np.where(mask, np.arange(n), n)
    return np.minimum.accumulate(idx[::-1])[::-1]


def _why_short(bad: np.ndarray, speech: np.ndarray) -> list[str]:
    clipped = np.count_nonzero(bad & speech) * FRAME_S
    return [f"{clipped:.1f} s of the speech is clipped"] if clipped else []
