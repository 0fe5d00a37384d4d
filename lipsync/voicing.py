"""Where a recording holds speech, on a fine time grid (pure, on arrays).

The mouth closes where nothing is heard. A level relative to the clip's own loud level
(rather than an absolute one) works for any recording gain; the noise floor sets the
threshold, so room noise in real footage reads as silence and a digital silence does too.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import binary_dilation, binary_erosion

#: Hop of the activity grid, seconds (200 hops per second).
HOP_S = 0.005
#: Samples squared at a time: keeps the float64 working copy small however long the audio.
_BLOCK = 1 << 20


def hop_power(audio: np.ndarray, sample_rate: int, hop_s: float = HOP_S) -> np.ndarray:
    """Mean square of the audio over each whole hop of `hop_s` seconds (float64)."""
    audio = np.asarray(audio).reshape(-1)
    hop = max(1, int(round(sample_rate * hop_s)))
    n_hops = len(audio) // hop
    out = np.empty(n_hops, np.float64)
    per_block = max(1, _BLOCK // hop)
    for a in range(0, n_hops, per_block):
        b = min(n_hops, a + per_block)
        block = audio[a * hop:b * hop].astype(np.float64).reshape(b - a, hop)
        out[a:b] = (block * block).mean(axis=1)
    return out


def speech_activity(audio: np.ndarray, sample_rate: int, *, above_floor_db: float = 10.0,
                    limits_db: tuple[float, float] = (-35.0, -20.0), bridge_s: float = 0.04,
                    hop_s: float = HOP_S) -> np.ndarray:
    """Bool per `hop_s` hop: the audio holds speech.

    Levels are in dB below the clip's loud level (95th percentile of the hops' RMS). A hop is
    speech when it stands `above_floor_db` over the noise floor (5th percentile), the threshold
    kept within `limits_db` (room noise in real footage sits at -30..-35 dB). Gaps shorter than
    2 x `bridge_s` (stop closures inside a word) are bridged.
    """
    rms = np.sqrt(hop_power(audio, sample_rate, hop_s))
    if len(rms) == 0:
        return np.zeros(0, dtype=bool)
    loud = float(np.percentile(rms, 95))
    if loud < 1e-6:  # silence-only audio
        return np.zeros(len(rms), dtype=bool)
    level = 20 * np.log10(rms / loud + 1e-12)
    threshold = np.clip(np.percentile(level, 5) + above_floor_db, *limits_db)
    active = level > threshold
    k = int(round(bridge_s / hop_s))
    if k > 0:
        active = binary_dilation(active, iterations=k)
        active = binary_erosion(active, iterations=k, border_value=1)
    return active


def share_per_frame(activity: np.ndarray, fps: float, n_frames: int, hop_s: float = HOP_S) -> np.ndarray:
    """Share (0..1) of each video frame's interval [i/fps, (i+1)/fps) that is speech; frames
    past the end of the audio are silent."""
    rate = 1.0 / hop_s
    edges = np.clip(np.round(np.arange(n_frames + 1) / float(fps) * rate).astype(int), 0, len(activity))
    csum = np.concatenate([[0.0], np.cumsum(activity, dtype=np.float64)])
    counts = np.maximum(edges[1:] - edges[:-1], 1)
    out = (csum[edges[1:]] - csum[edges[:-1]]) / counts
    out[edges[:-1] >= len(activity)] = 0.0
    return out.astype(np.float32)
