"""What the audio asks of the mouth, per video frame (pure, on arrays).

Two targets: the opening the heard words require (a coarse openness per phoneme, smoothed)
and the speech envelope band-passed to syllable rates (0.5-6 Hz). DESIGN.md, "Measuring":
on short real clips the envelope cannot tell synced from unsynced; the words target can.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.signal import butter, sosfiltfilt

from lipsync.voicing import HOP_S

#: Coarse jaw/lip opening per IPA segment, 0 (lips closed) to 1 (wide open). Vowels by
#: height; bilabials closed; labiodentals nearly closed; other consonants slightly open.
#: The exact figures matter little: the measure is a correlation.
PHONE_OPENNESS: dict[str, float] = {
    **dict.fromkeys("aɑæɒɐɶ", 1.0),
    **dict.fromkeys("ʌɔɛœɜɞ", 0.75),
    **dict.fromkeys("eəoøɘɵɤ", 0.55),
    **dict.fromkeys("ɪʏʊ", 0.4),
    **dict.fromkeys("iyɨʉuɯ", 0.3),
    **dict.fromkeys("pbmɸβʙ", 0.0),
    **dict.fromkeys("fvʋɱ", 0.1),
    **dict.fromkeys("wɥ", 0.15),
    **dict.fromkeys("ʃʒʂʐɕʑ", 0.2),
    **dict.fromkeys("hɦʔ", 0.45),
}
#: Any other consonant (t, d, n, s, k, l, r, ...).
OTHER_CONSONANT = 0.25
#: Fine time grid on which the phoneme steps are drawn and smoothed, per second.
GRID_RATE = round(1 / HOP_S)  # the speech-activity grid's


def phone_openness(phone: str) -> float:
    """Openness of one IPA segment; a diphthong or affricate takes its first letter's."""
    for ch in unicodedata.normalize("NFD", phone):
        if unicodedata.combining(ch) or not ch.isalpha() or unicodedata.category(ch) == "Lm":
            continue  # ties, diacritics, stress and length marks (modifier letters)
        return PHONE_OPENNESS.get(ch, OTHER_CONSONANT)
    return 0.0


def _frame_means(grid: np.ndarray, grid_rate: float, fps: float, n_frames: int) -> np.ndarray:
    """Average a fine-grid signal over each frame's interval [i/fps, (i+1)/fps)."""
    edges = np.round(np.arange(n_frames + 1) / fps * grid_rate).astype(int)
    edges = np.clip(edges, 0, len(grid))
    csum = np.concatenate([[0.0], np.cumsum(grid)])
    counts = np.maximum(edges[1:] - edges[:-1], 1)
    out = (csum[edges[1:]] - csum[edges[:-1]]) / counts
    out[edges[:-1] >= len(grid)] = 0.0  # past the end of the signal: silence
    return out


def words_opening(
    timeline: Sequence[tuple[float, float, str]], fps: float, n_frames: int, smooth_s: float = 0.05,
    voiced: np.ndarray | None = None,
) -> np.ndarray:
    """Opening required by a phoneme timeline, one value per video frame.

    Each phoneme holds its openness over its span (gaps are closed, 0), then a Gaussian of
    `smooth_s` seconds blends neighbours as lips move continuously (coarticulation).
    `voiced` (`lipsync.voicing.speech_activity`, on this grid) closes the mouth where the audio
    is silent: recognisers stretch words over pauses (Whisper often gives a clip's last word
    its trailing silence).
    """
    n_grid = int(np.ceil(n_frames / fps * GRID_RATE)) + 1
    grid = np.zeros(n_grid, dtype=np.float64)
    for start, end, phone in timeline:
        a, b = int(round(start * GRID_RATE)), int(round(end * GRID_RATE))
        grid[max(a, 0):max(min(b, n_grid), 0)] = phone_openness(phone)
    if voiced is not None:
        gate = np.zeros(n_grid, dtype=bool)
        gate[: min(len(voiced), n_grid)] = voiced[:n_grid]
        grid[~gate] = 0.0
    if smooth_s > 0:
        grid = gaussian_filter1d(grid, smooth_s * GRID_RATE, mode="nearest")
    return _frame_means(grid, GRID_RATE, fps, n_frames)


def speech_envelope(
    audio: np.ndarray, sample_rate: int, fps: float, n_frames: int, band: tuple[float, float] = (0.5, 6.0)
) -> np.ndarray:
    """RMS loudness in 5 ms hops, band-passed to `band` Hz (syllable rhythm), per frame."""
    audio = np.asarray(audio, dtype=np.float64).reshape(-1)
    hop = max(1, int(round(sample_rate / GRID_RATE)))
    n_hops = len(audio) // hop
    if n_hops == 0:
        return np.zeros(n_frames)
    power = (audio[: n_hops * hop].reshape(n_hops, hop) ** 2).mean(axis=1)
    envelope = np.sqrt(power)
    rate = sample_rate / hop
    sos = butter(2, [band[0], band[1]], btype="bandpass", fs=rate, output="sos")
    # sosfiltfilt needs a minimum length; a clip that short has no rhythm to measure.
    if n_hops > 3 * (2 * len(sos) + 1):
        envelope = sosfiltfilt(sos, envelope - envelope.mean())
    return _frame_means(envelope, rate, fps, n_frames)
