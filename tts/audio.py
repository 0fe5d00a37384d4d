"""Pure audio helpers on arrays: loudness normalisation, silence trimming, frame energy."""

from __future__ import annotations

import numpy as np

TARGET_LUFS = -16.0
PEAK_CEILING = 0.98


def normalize_loudness(audio: np.ndarray, sample_rate: int, target_lufs: float = TARGET_LUFS) -> np.ndarray:
    """Scale to `target_lufs` integrated loudness (ITU-R BS.1770), never past the peak ceiling."""
    audio = np.asarray(audio, np.float32)
    if audio.size == 0 or not np.any(audio):
        return audio
    gain = 1.0
    if audio.size >= int(0.5 * sample_rate):
        import pyloudnorm

        loudness = pyloudnorm.Meter(sample_rate).integrated_loudness(audio.astype(np.float64))
        if np.isfinite(loudness):
            gain = 10.0 ** ((target_lufs - loudness) / 20.0)
    else:  # too short for a gated measure: match RMS to the target as if it were dBFS
        rms = float(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))
        gain = 10.0 ** (target_lufs / 20.0) / max(rms, 1e-9)
    return soft_limit(audio * gain)


def soft_limit(audio: np.ndarray, knee: float = 0.85, ceiling: float = PEAK_CEILING) -> np.ndarray:
    """Leave samples under `knee` alone and bend louder ones smoothly under `ceiling`.

    Scaling the whole signal down to fit its highest peak would miss the loudness target for
    voices with sharp peaks; only the rare peak samples are touched here.
    """
    audio = np.asarray(audio, np.float32)
    mag = np.abs(audio)
    over = mag > knee
    if not over.any():
        return audio
    span = ceiling - knee
    out = audio.copy()
    out[over] = np.sign(audio[over]) * (knee + span * np.tanh((mag[over] - knee) / span))
    return out


def frame_energy_db(audio: np.ndarray, sample_rate: int, hop_s: float = 0.01, win_s: float = 0.025) -> np.ndarray:
    """RMS energy in dB per `hop_s` frame (frame k centred at k * hop_s)."""
    audio = np.asarray(audio, np.float32)
    hop, win = max(1, int(hop_s * sample_rate)), max(1, int(win_s * sample_rate))
    n = max(1, int(np.ceil(len(audio) / hop)))
    padded = np.pad(audio, (win // 2, win))
    squares = np.concatenate([[0.0], np.cumsum(padded.astype(np.float64) ** 2)])
    starts = np.arange(n) * hop
    energy = (squares[starts + win] - squares[starts]) / win
    return 10.0 * np.log10(energy + 1e-12)


def speech_bounds(audio: np.ndarray, sample_rate: int, threshold_db: float = -45.0) -> tuple[int, int]:
    """(first, last+1) sample of sound louder than `threshold_db` below the loudest frame."""
    db = frame_energy_db(audio, sample_rate)
    if db.size == 0:
        return 0, 0
    loud = np.flatnonzero(db > db.max() + threshold_db)
    if loud.size == 0:
        return 0, 0
    hop = int(0.01 * sample_rate)
    return int(loud[0] * hop), int(min(len(audio), (loud[-1] + 1) * hop))
