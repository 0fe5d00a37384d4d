"""The Wav2Lip audio front end: an 80-band log-mel spectrogram at 80 frames a second.

Numerically the front end the published generator was trained on (its `audio.py` with its
default hyper-parameters, STFT and mel filters as librosa 0.7 computed them): 16 kHz mono,
pre-emphasis 0.97, a centred STFT with reflect padding (n_fft 800, hop 200, periodic Hann
window of 800), Slaney-style mel filters with area normalisation (80 bands, 55-7600 Hz),
20*log10 with a floor of -100 dB, minus a reference of 20 dB, then scaled symmetrically to
[-4, 4] and clipped. Pure NumPy: no I/O, no resampling.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16_000
N_FFT = 800
HOP_LENGTH = 200
WIN_LENGTH = 800
N_MELS = 80
FMIN = 55.0
FMAX = 7600.0
PREEMPHASIS = 0.97
MIN_LEVEL_DB = -100.0
REF_LEVEL_DB = 20.0
MAX_ABS_VALUE = 4.0

#: mel frames per second of audio (16000 / 200)
MEL_FRAMES_PER_SECOND = SAMPLE_RATE / HOP_LENGTH


def _hz_to_slaney_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's Auditory Toolbox mel scale: linear below 1 kHz, logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    f_sp = 200.0 / 3
    mel = hz / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    above = hz >= min_log_hz
    mel = np.where(above, min_log_mel + np.log(np.maximum(hz, min_log_hz) / min_log_hz) / logstep, mel)
    return mel


def _slaney_mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(mel >= min_log_mel, min_log_hz * np.exp(logstep * (mel - min_log_mel)), f_sp * mel)


def mel_filterbank(sample_rate: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS,
                   fmin: float = FMIN, fmax: float = FMAX) -> np.ndarray:
    """Triangular mel filters (n_mels, 1 + n_fft // 2), area-normalised (Slaney), float32."""
    fft_hz = np.linspace(0.0, sample_rate / 2, 1 + n_fft // 2)
    edges_hz = _slaney_mel_to_hz(np.linspace(_hz_to_slaney_mel(fmin), _hz_to_slaney_mel(fmax), n_mels + 2))
    widths = np.diff(edges_hz)
    distance = edges_hz[:, None] - fft_hz[None, :]
    rising = -distance[:-2] / widths[:-1, None]
    falling = distance[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(rising, falling))
    weights *= (2.0 / (edges_hz[2:] - edges_hz[:-2]))[:, None]
    return weights.astype(np.float32)


def _stft_magnitude(y: np.ndarray) -> np.ndarray:
    """|STFT| (1 + N_FFT // 2, frames) of a centred, reflect-padded signal."""
    pad = N_FFT // 2
    padded = np.pad(y, pad, mode="reflect") if len(y) > 1 else np.pad(y, pad, mode="constant")
    n_frames = 1 + (len(padded) - N_FFT) // HOP_LENGTH
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP_LENGTH][:n_frames]
    # Periodic Hann (scipy's get_window("hann", N, fftbins=True)); win_length == n_fft, no centring pad.
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(WIN_LENGTH) / WIN_LENGTH)
    spectrum = np.fft.rfft(frames * window, n=N_FFT, axis=1)
    return np.abs(spectrum).T


def melspectrogram(wav: np.ndarray) -> np.ndarray:
    """Normalised log-mel spectrogram (80, T) of 16 kHz mono audio, T = 1 + len(wav) // 200.

    Values lie in [-4, 4]; silence is -4. float32.
    """
    wav = np.asarray(wav, dtype=np.float64)
    if wav.ndim != 1:
        raise ValueError(f"melspectrogram needs mono audio as a 1-D array, got shape {wav.shape}; mix it down first")
    if wav.size == 0:
        raise ValueError("melspectrogram needs at least one audio sample, got an empty array")
    emphasised = np.empty_like(wav)
    emphasised[0] = wav[0]
    emphasised[1:] = wav[1:] - PREEMPHASIS * wav[:-1]
    mel = mel_filterbank() @ _stft_magnitude(emphasised).astype(np.float32)
    floor = 10.0 ** (MIN_LEVEL_DB / 20.0)
    level_db = 20.0 * np.log10(np.maximum(floor, mel)) - REF_LEVEL_DB
    scaled = 2 * MAX_ABS_VALUE * (level_db - MIN_LEVEL_DB) / -MIN_LEVEL_DB - MAX_ABS_VALUE
    return np.clip(scaled, -MAX_ABS_VALUE, MAX_ABS_VALUE).astype(np.float32)


def mel_window_starts(n_frames: int, fps: float, n_mel_frames: int, window: int = 16) -> np.ndarray:
    """First mel frame of the `window`-frame mel window centred on each of `n_frames` video frames.

    Video frame i covers [i/fps, (i+1)/fps); its window is centred on the frame's middle, as in
    the generator's training (for 25 fps: from two frames before to three after). Windows that
    would run past either end of the spectrogram are moved inside it.
    """
    centres = (np.arange(n_frames) + 0.5) * (MEL_FRAMES_PER_SECOND / float(fps))
    starts = np.floor(centres - window / 2).astype(np.int64)
    return np.clip(starts, 0, max(0, n_mel_frames - window))


def mel_windows(mel: np.ndarray, starts: np.ndarray, window: int = 16) -> np.ndarray:
    """Stack of mel windows (len(starts), 80, window); a spectrogram shorter than the window
    is padded with silence (-4)."""
    if mel.shape[1] < window:
        mel = np.pad(mel, ((0, 0), (0, window - mel.shape[1])), constant_values=-MAX_ABS_VALUE)
    index = np.asarray(starts, dtype=np.int64)[:, None] + np.arange(window)[None, :]
    return np.ascontiguousarray(mel[:, index].transpose(1, 0, 2))
