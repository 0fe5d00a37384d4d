"""Dynamic time warping between two recordings of the same words (pure, on arrays).

Used to carry espeak-ng's phone timings over to a recording: the reference is spoken by
espeak-ng, the features are speaker-normalised log-mel bands, and the search stays inside a
band around a rough map (the recogniser's word times), so its time grows with the length of
the speech, not its square (callers warp long speech in chunks to bound the cost matrix).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd

import numpy as np
from scipy.ndimage import uniform_filter1d
from scipy.signal import resample_poly

from tts.encoded import SpeechEncoder, encoded_columns, needs_encoder
from tts.reverb import REVERBERANT_S, decay_time, without_late_reverberation

#: Feature hop, seconds.
HOP_S = 0.01
_RATE = 16_000
_N_MELS = 40


def log_mel(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """(frames, bands) float32 log-mel energies per 10 ms hop, each band normalised to zero
    mean and unit variance over the clip (removes the voice's colour, keeps what was said).

    The power mel spectrogram is librosa's `feature.melspectrogram` with its defaults (centred
    512-point frames, zero padding, periodic Hann window, Slaney mel scale and area
    normalisation), computed here in blocks of frames: importing librosa's feature module costs
    1-3 s per process (numba), more than the whole alignment; a test holds the two equal."""
    return _normalised(np.log(mel_power(audio, sample_rate) + 1e-6)).astype(np.float32)


def mel_power(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """(frames, `_N_MELS`) float32 power mel spectrogram per 10 ms hop of mono samples at
    `sample_rate` Hz, resampled to 16 kHz (see `log_mel`)."""
    audio = np.asarray(audio, np.float32).reshape(-1)
    if sample_rate != _RATE:
        g = gcd(int(sample_rate), _RATE)
        audio = resample_poly(audio, _RATE // g, int(sample_rate) // g).astype(np.float32)
    hop, n_fft = int(_RATE * HOP_S), _N_FFT
    padded = np.pad(audio, n_fft // 2)
    count = 1 + (len(padded) - n_fft) // hop
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)).astype(np.float32)
    basis = _mel_basis()
    mel = np.empty((count, _N_MELS), np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop][:count]
    for start in range(0, count, _BLOCK):
        spectrum = np.fft.rfft(frames[start:start + _BLOCK] * window, axis=1)
        mel[start:start + _BLOCK] = (spectrum.real ** 2 + spectrum.imag ** 2) @ basis.T
    return mel


def _normalised(x: np.ndarray) -> np.ndarray:
    """Each column at zero mean and unit variance over the rows."""
    return (x - x.mean(0)) / (x.std(0) + 1e-6)


#: Deepest a band's log energy may fall below its loud level (95th percentile over the clip),
#: dB: quieter detail is what noise, codecs and room tails replace first. Measured with
#: bench/bench_align.py (degraded copies): 25-45 dB alike; no floor fails 2 s of digital silence.
FLOOR_DB = 35.0
#: Percentile of a band's power over the recording taken for its noise floor.
_NOISE_PERCENTILE = 10
#: Frames (10 ms) smoothed before the time derivative: onsets survive a room's tail.
_DELTA_FRAMES = 5


#: Negative slopes (falling levels) count this much of rising ones in a reverberant recording:
#: a room's tail blurs where sounds end, not where they start (bench/bench_align.py: room
#: RT60 0.8 s, pt 26 / 70 ms without, 23 / 54 with).
_FALL_WEIGHT_IN_ROOM = 0.3
#: The loudness feature: weight (against 2 x bands unit-variance features), its smoothing
#: (frames) and its margin over the noise (dB). It tells a pause filled by other talkers
#: (babble sits about 10 dB under the talker) from quiet speech, which the per-band
#: normalised features cannot (measured with bench/bench_align.py: babble 5 dB, en, 33 / 249
#: ms without, 14 / 47 with). Left out in a reverberant room, where the tail fills the pauses.
LOUDNESS_WEIGHT, _LOUDNESS_FRAMES, _LOUDNESS_MARGIN_DB = 6.0, 5, 6.0


@dataclass(frozen=True)
class WarpFeatures:
    """Features of a clean reading and of the recording it is warped onto (`warp_features`).

    reading, recording: (frames, dims) float32 each, 10 ms hop.
    silence: (dims,) float32, the reading's features of digital silence (the floor): a row
    that can stand for a pause the reading lacks.
    decay_s: the recording's decay time (`tts.reverb.decay_time`, seconds).
    reverberant: whether its late reverberation was taken out (decay_s over
    `tts.reverb.REVERBERANT_S`).
    spectral_dims: the first columns, levels and slopes of the bands (the rest: loudness, then
    the speech encoder's columns where `encoded`).
    encoded: whether a speech encoder's columns were added (`tts.encoded`).
    encoded_dims: how many of the last columns are the encoder's (0 when not `encoded`).
    """

    reading: np.ndarray
    recording: np.ndarray
    silence: np.ndarray
    decay_s: float
    reverberant: bool
    spectral_dims: int
    encoded: bool = False
    encoded_dims: int = 0


def paired_features(reference: np.ndarray, reference_rate: int, recording: np.ndarray, recording_rate: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(reading, recording) features of `warp_features`."""
    found = warp_features(reference, reference_rate, recording, recording_rate)
    return found.reading, found.recording


def warp_features(reference: np.ndarray, reference_rate: int, recording: np.ndarray, recording_rate: int,
                  encoder: SpeechEncoder | None = None) -> WarpFeatures:
    """Features of a clean reading (`reference`) and of the recording it is warped onto,
    10 ms hop, made alike whatever the recording went through:

    - a reverberant recording (`tts.reverb`) first loses its late reverberation (Lebart's
      spectral subtraction on the mel power);
    - each band's power is floored at the recording's noise level relative to its loud
      level (its `_NOISE_PERCENTILE`th over its 95th percentile, at most `FLOOR_DB` down),
      the same depth applied to the reading's band, so that noise beds, codecs and digital
      silence look the same in both; log, per band zero mean and unit variance (as `log_mel`);
    - each band's time derivative (over `_DELTA_FRAMES` smoothed frames, unit variance), which
      reverberation blurs less than levels (falls weighted down in a room);
    - outside a room, one loudness column (`LOUDNESS_WEIGHT`): the smoothed level between
      the noise (plus a margin) and the loud level, -w to +w, the reading's taken at the
      recording's depth;
    - with an `encoder`, where the recording is reverberant or noisy
      (`tts.encoded.needs_encoder`), the encoder's frames of both (`tts.encoded.encoded_columns`),
      which noise and rooms change less than any of the above.

    Raises AlignmentError where the encoder gives unusable frames.
    """
    a, b = mel_power(reference, reference_rate), mel_power(recording, recording_rate)
    decay = decay_time(b)
    reverberant = decay > REVERBERANT_S
    if reverberant:
        b = without_late_reverberation(b, decay)
    top_a, top_b = np.percentile(a, 95, axis=0), np.percentile(b, 95, axis=0)
    depth = np.maximum(np.percentile(b, _NOISE_PERCENTILE, axis=0) / np.maximum(top_b, 1e-12),
                       10 ** (-FLOOR_DB / 10))
    falls = _FALL_WEIGHT_IN_ROOM if reverberant else 1.0
    log_a = np.log(a + top_a * depth + 1e-10)
    reading, silence = _levels_and_slopes(log_a, falls, np.log(top_a * depth + 1e-10))
    recording_features, _ = _levels_and_slopes(np.log(b + top_b * depth + 1e-10), falls)
    if not reverberant:
        loud_b, span = _loudness(b.sum(1))
        loud_a, _ = _loudness(a.sum(1), span)
        reading = np.concatenate([reading, LOUDNESS_WEIGHT * (2 * loud_a[:, None] - 1)], axis=1)
        recording_features = np.concatenate([recording_features, LOUDNESS_WEIGHT * (2 * loud_b[:, None] - 1)], axis=1)
        silence = np.concatenate([silence, [-LOUDNESS_WEIGHT]])
    encoded = encoder is not None and needs_encoder(b, reverberant)
    encoded_dims = 0
    if encoded:
        level = 10 * np.log10(a.sum(1) + 1e-12)  # the reading's pauses: 40 dB under its peak (tts.align)
        columns = encoded_columns(encoder, reference, reference_rate, len(reading), level < level.max() - 40.0,
                                  recording, recording_rate, len(recording_features), reading.shape[1], HOP_S)
        reading, recording_features = (np.concatenate([reading, columns[0]], axis=1),
                                       np.concatenate([recording_features, columns[1]], axis=1))
        silence = np.concatenate([silence, columns[2]])
        encoded_dims = columns[0].shape[1]
    return WarpFeatures(reading.astype(np.float32), recording_features.astype(np.float32),
                        silence.astype(np.float32), decay, reverberant, 2 * a.shape[1], encoded, encoded_dims)


def _levels_and_slopes(log_power: np.ndarray, falls: float = 1.0, floor: np.ndarray | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """(frames, 2 x bands): the normalised log energies and their normalised time derivative
    (falling parts times `falls`); and the row that a frame at `floor` (log power per band)
    with no slope would give (zeros when no floor is given)."""
    slope = np.gradient(uniform_filter1d(log_power, _DELTA_FRAMES, axis=0, mode="nearest"), axis=0)
    if falls != 1.0:
        slope = np.where(slope > 0, slope, slope * falls)
    mean, spread = log_power.mean(0), log_power.std(0) + 1e-6
    features = np.concatenate([(log_power - mean) / spread, slope / (slope.std(0) + 1e-6)], axis=1)
    quiet = np.zeros(features.shape[1])
    if floor is not None:
        quiet[:log_power.shape[1]] = (floor - mean) / spread
    return features.astype(np.float32), quiet


def _loudness(power: np.ndarray, span_db: float | None = None) -> tuple[np.ndarray, float]:
    """(frames,) 0..1: the level smoothed over `_LOUDNESS_FRAMES`, from the noise plus
    `_LOUDNESS_MARGIN_DB` (0) to the loud level (90th percentile, 1); the noise is
    `span_db` under the loud level, by default the 10th percentile's distance (at most
    `FLOOR_DB`). Returns it and the span used."""
    level = 10 * np.log10(uniform_filter1d(power.astype(np.float64), _LOUDNESS_FRAMES, mode="nearest") + 1e-12)
    top = float(np.percentile(level, 90))
    if span_db is None:
        span_db = top - float(np.percentile(level, 10))
    bottom = top - min(span_db, FLOOR_DB) + _LOUDNESS_MARGIN_DB
    return np.clip((level - bottom) / max(top - bottom, 1.0), 0.0, 1.0), span_db


_N_FFT = 512
_BLOCK = 4096  # frames per FFT block: 8 MB of spectrum at a time


def _mel_basis() -> np.ndarray:
    """(bands, n_fft/2 + 1) triangular filters on the Slaney mel scale (linear below 1 kHz,
    logarithmic above; Slaney's Auditory Toolbox), each scaled to unit area (librosa's
    `filters.mel(norm="slaney")`)."""
    def to_mel(hz: np.ndarray) -> np.ndarray:
        hz = np.asarray(hz, np.float64)
        return np.where(hz >= 1000.0, 15.0 + np.log(np.maximum(hz, 1e-9) / 1000.0) / (np.log(6.4) / 27.0),
                        hz / (200.0 / 3))

    def to_hz(mel: np.ndarray) -> np.ndarray:
        return np.where(mel >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0)), mel * (200.0 / 3))

    fft_hz = np.linspace(0.0, _RATE / 2, 1 + _N_FFT // 2)
    edges = to_hz(np.linspace(to_mel(0.0), to_mel(_RATE / 2), _N_MELS + 2))
    ramps = edges[:, None] - fft_hz[None, :]
    widths = np.diff(edges)
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    return (weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]).astype(np.float32)


@dataclass(frozen=True)
class WarpPath:
    """For each frame of `a`, the first and last frame of `b` it was matched to."""

    first: np.ndarray
    last: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        return (self.first + self.last) / 2.0

    def position(self, x: np.ndarray | float) -> np.ndarray:
        """Where a position `x` of `a` (in frames, frame i spanning [i - 0.5, i + 0.5)) falls in
        `b`: inside frame i's run of b's frames, in proportion. A run is what makes this differ
        from interpolating mean frames: a pause in `b` is one frame of `a` matched to a long run,
        and a phone starting just after that frame must start after the pause, not inside it."""
        x = np.clip(np.asarray(x, np.float64), -0.5, len(self.first) - 0.5)
        i = np.clip(np.floor(x + 0.5).astype(int), 0, len(self.first) - 1)
        share = x + 0.5 - i
        return self.first[i] - 0.5 + share * (self.last[i] - self.first[i] + 1)


def banded_path(a: np.ndarray, b: np.ndarray, expected: np.ndarray, radius: int) -> WarpPath:
    """Cheapest monotone path from (0, 0) to (len(a)-1, len(b)-1) between feature rows `a`
    and `b` (cosine distance), kept within `radius` frames of `expected[i]` (b's frame for
    a's frame i)."""
    return _banded(a, b, expected, radius)[0]


def _banded(a: np.ndarray, b: np.ndarray, expected: np.ndarray, radius: int,
            stretch: np.ndarray | None = None) -> tuple[WarpPath, np.ndarray]:
    """`banded_path` and, per frame of `b`, the mean cosine distance of the cells the path
    crosses in that column (all NaN when the band misses the end and the rough map is kept).
    `stretch`: (len(a),) extra cost of each further frame of `b` matched to the same row of
    `a` (a move along `b`; none by default). The accumulated costs are stored row by row,
    band only, so memory grows with len(a) x band width, never len(a) x len(b)."""
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        return WarpPath(np.zeros(n), np.zeros(n)), np.full(m, np.nan)
    stretch = np.zeros(n, np.float32) if stretch is None else np.asarray(stretch, np.float32)
    an = a / (np.linalg.norm(a, axis=1, keepdims=True) + 1e-9)
    bn = b / (np.linalg.norm(b, axis=1, keepdims=True) + 1e-9)
    lo = np.clip(np.round(expected).astype(int) - radius, 0, m - 1)
    hi = np.clip(np.round(expected).astype(int) + radius + 1, 1, m)
    lo[0], hi[-1] = 0, m  # the corners are always reachable
    # Monotone bands, each overlapping the one before, so a path always exists (a pause in
    # one recording that the other lacks is a jump of the map: crossed along a row).
    lo = np.minimum.accumulate(lo[::-1])[::-1]
    hi = np.maximum.accumulate(hi)
    lo[1:] = np.minimum(lo[1:], hi[:-1] - 1)
    offset = np.concatenate([[0], np.cumsum(hi - lo)])
    acc = np.empty(offset[-1], np.float32)
    cost_of = np.empty(offset[-1], np.float32)
    prev = np.array([], np.float32)
    for i in range(n):
        j0, j1 = lo[i], hi[i]
        cost = 1.0 - bn[j0:j1] @ an[i]
        if i == 0:
            step = np.full(j1 - j0, np.inf)
            step[0] = 0.0
        else:
            # The previous row (band lo[i-1]..hi[i-1]) seen at columns j0..j1: above and diagonal.
            p0 = lo[i - 1]
            padded = np.full(j1 - j0 + 1, np.inf)
            a_lo, a_hi = max(j0 - 1, p0), min(j1, hi[i - 1])
            padded[a_lo - (j0 - 1):a_hi - (j0 - 1)] = prev[a_lo - p0:a_hi - p0]
            step = np.minimum(padded[1:], padded[:-1])
        # Moves along b within the row: acc[j] = min_k<=j (step[k] + cost[k] + sum over k<l<=j of
        # (cost[l] + stretch[i])), by prefix sums.
        cum = np.cumsum(cost + stretch[i])
        row = cum + np.minimum.accumulate(step + cost - cum)
        acc[offset[i]:offset[i + 1]] = row
        cost_of[offset[i]:offset[i + 1]] = cost
        prev = acc[offset[i]:offset[i + 1]]
    if not np.isfinite(acc[-1]):
        rough = np.asarray(expected, np.float64)
        return WarpPath(rough, rough), np.full(m, np.nan)

    def at(i: int, j: int) -> float:
        return float(acc[offset[i] + j - lo[i]]) if lo[i] <= j < hi[i] else np.inf

    # Back from the end corner, always to the cheapest predecessor.
    first = np.zeros(n)
    last = np.full(n, -1.0)
    total = np.zeros(m)
    count = np.zeros(m)
    i, j = n - 1, m - 1
    while True:
        first[i] = j
        if last[i] < 0:
            last[i] = j
        total[j] += cost_of[offset[i] + j - lo[i]]
        count[j] += 1
        if i == 0 and j == 0:
            break
        options = []
        if i > 0 and j > 0:
            options.append((at(i - 1, j - 1), i - 1, j - 1))
        if i > 0:
            options.append((at(i - 1, j), i - 1, j))
        if j > 0:
            options.append((at(i, j - 1) + float(stretch[i]), i, j - 1))
        _, i, j = min(options, key=lambda o: o[0])
    return WarpPath(first, last), total / np.maximum(count, 1)


#: Longest side (frames) warped in one unbanded pass: at most this squared cells.
_WHOLE_FRAMES = 1500
#: Frames pooled into one at each coarser level of `multiscale_path`.
_POOL = 4


def multiscale_path(a: np.ndarray, b: np.ndarray, radius: int, stretch: np.ndarray | None = None
                    ) -> tuple[WarpPath, np.ndarray]:
    """Cheapest monotone path between feature rows `a` and `b` with no rough map given:
    both are averaged over `_POOL` frames, level after level, until the shorter fits one
    unbanded pass of `_WHOLE_FRAMES`; each finer level then searches within `radius` frames
    (at least two coarse frames) of the coarser path (FastDTW's scheme: Salvador & Chan,
    2007). Time and memory grow with len(a) x radius. `stretch`: per row of `a`, the cost
    of each further frame of `b` matched to it (`_banded`; averaged like the rows at the
    coarser levels). Returns the path and, per frame of `b`, the mean cosine distance of the
    frames of `a` matched to it (see `_banded`)."""
    n, m = len(a), len(b)
    if max(n, m) <= _WHOLE_FRAMES or min(n, m) < 2 * _POOL:  # small enough (or too short to pool)
        return _banded(a, b, np.zeros(n), m, stretch)
    coarse, _ = multiscale_path(_pooled(a), _pooled(b), radius,
                                None if stretch is None else _pooled(np.asarray(stretch, np.float64)[:, None])[:, 0])
    # Each fine frame of `a` expects the fine position of its coarse frame's matched run.
    x = (np.arange(n) + 0.5) / _POOL - 0.5
    expected = (coarse.position(x) + 0.5) * _POOL - 0.5
    return _banded(a, b, np.clip(expected, 0, m - 1), max(radius, 2 * _POOL), stretch)


def _pooled(x: np.ndarray) -> np.ndarray:
    """Means of consecutive `_POOL` rows (the last partial group included)."""
    n = len(x)
    groups = -(-n // _POOL)
    padded = np.concatenate([x, np.repeat(x[-1:], groups * _POOL - n, axis=0)])
    return padded.reshape(groups, _POOL, -1).mean(axis=1)
