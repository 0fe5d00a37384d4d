"""How reverberant a recording is, and its late reverberation taken out of a power spectrogram.

Both work on power per 10 ms frame (the aligner's features: `tts.warping.mel_power`, or a
frame energy), never on samples, and cost a few array passes.

A room makes every sound die away at its own rate at most: 60 dB in RT60 seconds. Dry speech
falls much faster at the end of each syllable, so the steepest sustained falls of a
recording's level bound the room's decay from below (the idea of blind RT60 estimation from
free decays: Ratnam et al., "Blind estimation of reverberation time", JASA 114(5), 2003; here
reduced to a percentile of the falls, used only to DECIDE whether to dereverberate).
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter1d

#: Frame hop (seconds) of the power these functions take.
HOP_S = 0.01
#: Span (seconds) over which a fall of the level is measured.
_FALL_S = 0.1
#: Percentile of the falls taken for the room's decay (the steepest few per cent: free decays).
_FALL_PERCENTILE = 2
#: Only frames within this many dB of the loudest count (deeper falls end in the noise floor).
_RANGE_DB = 40.0
#: Decay time (seconds) above which a recording is treated as reverberant. Measured with
#: bench/bench_align.py's degraded copies (Piper en, Kokoro pt): clean, codecs, telephone band
#: and silence 0.09-0.13 s, babble and the music bed 0.23-0.27 s, a room of RT60 0.3 s 0.29 s,
#: rooms of RT60 0.8 s 0.59-0.60 s (the estimate reads short: speech rarely stops dead).
REVERBERANT_S = 0.4
#: Delay (seconds) after which the reverberation counts as late (Lebart et al., "A new
#: method based on spectral subtraction for speech dereverberation", Acta Acustica 87, 2001:
#: the late part is the power T_l earlier decayed by exp(-2 * delta * T_l), delta =
#: 3 ln(10) / RT60); 50 ms as theirs.
LATE_S = 0.05
#: Least share of a frame's power kept after the subtraction (-13 dB): less only adds noise.
_KEEP = 0.05


def decay_time(power: np.ndarray) -> float:
    """Rough reverberation time (seconds) of a recording from its power per 10 ms frame,
    (frames,) or (frames, bands) (bands are summed): 60 dB over the steepest sustained fall
    of its level (`_FALL_PERCENTILE`th percentile of the falls over `_FALL_S` among frames
    within `_RANGE_DB` of the peak). Reads short of the true RT60 (see `REVERBERANT_S`);
    a recording too short to fall gives 0."""
    power = np.asarray(power, np.float64)
    total = power.sum(axis=1) if power.ndim == 2 else power
    level = uniform_filter1d(10 * np.log10(total + 1e-12), 3, mode="nearest")
    span = int(round(_FALL_S / HOP_S))
    if len(level) <= span:
        return 0.0
    falls = (level[span:] - level[:-span]) / _FALL_S  # dB per second
    falls = falls[level[:-span] > level.max() - _RANGE_DB]
    steepest = float(np.percentile(falls, _FALL_PERCENTILE)) if falls.size else 0.0
    return 60.0 / -steepest if steepest < -1e-3 else 0.0


def without_late_reverberation(power: np.ndarray, rt60: float) -> np.ndarray:
    """Power per 10 ms frame ((frames,) or (frames, bands), float) less its late
    reverberation for a room of decay time `rt60` seconds, by Lebart's subtraction (see
    `LATE_S`); each frame keeps at least `_KEEP` of its power. Same shape and dtype."""
    power = np.asarray(power)
    lag = max(1, int(round(LATE_S / HOP_S)))
    delta = 3.0 * np.log(10.0) / max(rt60, 1e-3)
    late = np.zeros_like(power)
    late[lag:] = power[:-lag] * np.exp(-2.0 * delta * LATE_S)
    return np.maximum(power - late, power * _KEEP).astype(power.dtype)
