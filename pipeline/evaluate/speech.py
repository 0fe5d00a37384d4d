"""What the audio asks of the mouth, per video frame (pure, on arrays).

Two targets: the opening the heard words require (a coarse openness per phoneme, smoothed)
and the speech envelope band-passed to syllable rates (0.5-6 Hz). DESIGN.md, "Measuring":
on short real clips the envelope cannot tell synced from unsynced; the words target can.
Where the audio holds speech is the judge's own measure too (`speech_activity`), not the
engine's `lipsync.voicing`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.signal import butter, sosfiltfilt

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
#: Fine time grid on which the phoneme steps are drawn and smoothed, per second (5 ms: finer
#: than any phone and than a video frame).
GRID_RATE = 200

#: Speech-activity framing: 25 ms Hann windows every 10 ms (the usual speech front-end framing,
#: e.g. HTK's and Kaldi's defaults).
ACTIVITY_WINDOW_S = 0.025
ACTIVITY_HOP_S = 0.010
#: Band where the activity measure looks, Hz: voicing and the first formants; above it hiss, hum below.
ACTIVITY_BAND_HZ = (100.0, 4000.0)
#: Speech starts where the band level rises `ONSET_DB` over the clip's noise floor (5th percentile
#: of the frames' levels) and the spectrum is not noise-like; it goes on while the level stays
#: `RELEASE_DB` over the floor (hysteresis), and `HANGOVER_S` after (a stop's closure, 30-80 ms).
ONSET_DB = 12.0
RELEASE_DB = 6.0
HANGOVER_S = 0.08
#: Spectral flatness (geometric over arithmetic mean of the power spectrum) below which a frame
#: can start speech. White noise's periodogram gives e^-0.577 = 0.56 (the mean log of an
#: exponential variable is -Euler's gamma); voiced speech, harmonic, sits far lower (~0.05-0.3).
ONSET_FLATNESS = 0.35
#: Band level, dB re full scale (a full-scale sine is -3 dB), below which nothing is speech.
SILENCE_DB = -65.0


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
    `voiced` (`speech_activity`, bool per `GRID_RATE` step) closes the mouth where the audio
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


def band_frames(audio: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """(level dB re full scale, spectral flatness), float64 arrays, of each ACTIVITY_WINDOW_S
    frame every ACTIVITY_HOP_S seconds (frame i starts at i x hop) within ACTIVITY_BAND_HZ."""
    win = max(8, int(round(ACTIVITY_WINDOW_S * sample_rate)))
    hop = max(1, int(round(ACTIVITY_HOP_S * sample_rate)))
    n_frames = 1 + (len(audio) - win) // hop if len(audio) >= win else 0
    window = np.hanning(win)
    freqs = np.fft.rfftfreq(win, 1.0 / sample_rate)
    band = (freqs >= ACTIVITY_BAND_HZ[0]) & (freqs <= min(ACTIVITY_BAND_HZ[1], sample_rate / 2))
    level, flatness = np.empty(n_frames), np.empty(n_frames)
    for a in range(0, n_frames, 2048):  # blocks: a long recording never makes one huge array
        b = min(n_frames, a + 2048)
        frames = np.lib.stride_tricks.sliding_window_view(audio[a * hop:(b - 1) * hop + win], win)[::hop]
        frames = frames - frames.mean(axis=1, keepdims=True)  # a DC offset is not sound
        power = np.abs(np.fft.rfft(frames * window, axis=1))[:, band] ** 2 + 1e-20
        # Parseval with the window's energy: mean square of the band-limited signal.
        level[a:b] = 10 * np.log10(2 * power.sum(axis=1) / (win * (window ** 2).sum()) + 1e-12)
        flatness[a:b] = np.exp(np.log(power).mean(axis=1)) / power.mean(axis=1)
    return level, flatness


def speech_activity(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Where `audio` (mono, float in [-1, 1]) holds speech: bool per `GRID_RATE` step (5 ms),
    len = duration x GRID_RATE.

    An energy and spectral-flatness gate with hysteresis, on its own 25 ms / 10 ms frames:
    a frame opens speech when its band level stands ONSET_DB over the clip's noise floor and
    its spectrum is harmonic (flatness < ONSET_FLATNESS); speech lasts while the level stays
    RELEASE_DB over the floor, plus HANGOVER_S. A clip without pauses (level range under
    ONSET_DB) has no floor to stand over: it is speech where harmonic and above SILENCE_DB.
    Silence and steady noise are never speech.
    """
    audio = np.asarray(audio, dtype=np.float64).reshape(-1)
    n_grid = int(len(audio) / sample_rate * GRID_RATE)
    level, flatness = band_frames(audio, sample_rate)
    if len(level) == 0:
        return np.zeros(n_grid, dtype=bool)
    floor = float(np.percentile(level, 5))
    if float(np.percentile(level, 95)) - floor < ONSET_DB:  # no pauses: nothing to stand over
        floor = SILENCE_DB - ONSET_DB
    onset = (level > max(floor + ONSET_DB, SILENCE_DB)) & (flatness < ONSET_FLATNESS)
    holds = level > max(floor + RELEASE_DB, SILENCE_DB)
    hangover = int(round(HANGOVER_S / ACTIVITY_HOP_S))
    active = np.zeros(len(level), dtype=bool)
    on, left = False, 0
    for i in range(len(level)):  # hysteresis is sequential; ~100 frames a second
        if onset[i] or (on and holds[i]):
            on, left = True, hangover
        elif on and left > 0:
            left -= 1
        else:
            on = False
        active[i] = on
    # Frame i covers [i*hop, i*hop + window); a grid step takes the frame centred nearest it.
    centre = (np.arange(n_grid) + 0.5) / GRID_RATE - ACTIVITY_WINDOW_S / 2
    return active[np.clip(np.round(centre / ACTIVITY_HOP_S).astype(int), 0, len(active) - 1)]
