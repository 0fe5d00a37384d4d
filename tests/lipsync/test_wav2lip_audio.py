"""The Wav2Lip mel front end against a plain NumPy reference built from the published
parameters (its own framing, DFT and mel filters) and against fixed values."""

from __future__ import annotations

import math

import numpy as np

from lipsync.wav2lip import melspectrogram
from lipsync.wav2lip.audio import mel_window_starts, mel_windows

SR, N_FFT, HOP, WIN, N_MELS, FMIN, FMAX = 16000, 800, 200, 800, 80, 55.0, 7600.0


def hz_to_mel(f: float) -> float:
    # Slaney: 3 mels per 200 Hz up to 1 kHz, then 27 mels per factor 6.4
    return f / (200 / 3) if f < 1000 else 15.0 + 27.0 * math.log(f / 1000) / math.log(6.4)


def mel_to_hz(m: float) -> float:
    return m * (200 / 3) if m < 15.0 else 1000 * 6.4 ** ((m - 15.0) / 27.0)


def reference_filterbank() -> np.ndarray:
    lo, hi = hz_to_mel(FMIN), hz_to_mel(FMAX)
    edges = [mel_to_hz(lo + (hi - lo) * i / (N_MELS + 1)) for i in range(N_MELS + 2)]
    bank = np.zeros((N_MELS, N_FFT // 2 + 1))
    for m in range(N_MELS):
        left, centre, right = edges[m], edges[m + 1], edges[m + 2]
        for k in range(N_FFT // 2 + 1):
            f = k * SR / N_FFT
            if left < f <= centre:
                bank[m, k] = (f - left) / (centre - left)
            elif centre < f < right:
                bank[m, k] = (right - f) / (right - centre)
        bank[m] *= 2.0 / (right - left)  # equal area per filter
    return bank


def reference_melspectrogram(wav: np.ndarray) -> np.ndarray:
    x = wav.astype(np.float64)
    y = np.convolve(x, [1.0, -0.97])[: len(x)]  # pre-emphasis
    half = N_FFT // 2
    padded = np.concatenate([y[1: half + 1][::-1], y, y[-half - 1: -1][::-1]])  # reflect
    window = np.hanning(WIN + 1)[:WIN]  # periodic Hann
    columns = []
    for t in range(1 + len(y) // HOP):
        frame = padded[t * HOP: t * HOP + N_FFT]
        columns.append(np.abs(np.fft.fft(frame * window))[: N_FFT // 2 + 1])
    mel = reference_filterbank() @ np.array(columns).T
    db = 20 * np.log10(np.maximum(1e-5, mel)) - 20.0
    return np.clip(8.0 * (db + 100.0) / 100.0 - 4.0, -4.0, 4.0)


def speechlike(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    voiced = sum(np.sin(2 * np.pi * 140 * h * t) / h for h in range(1, 20))
    envelope = np.clip(np.sin(2 * np.pi * 3 * t), 0, None)
    return (0.1 * envelope * voiced + 0.003 * rng.standard_normal(t.size)).astype(np.float32)


def test_matches_numpy_reference():
    wav = speechlike(1.3)
    ours = melspectrogram(wav)
    ref = reference_melspectrogram(wav)
    assert ours.shape == ref.shape == (80, 1 + len(wav) // 200)
    assert ours.dtype == np.float32
    assert np.abs(ours - ref).max() < 1e-3
    assert ref.max() > 0 and ref.min() < -3  # the signal spans the range, not just the clip values
    # negative control: without pre-emphasis the reference is visibly different
    x = wav.astype(np.float64)
    undo = np.zeros_like(x)
    for n in range(len(x)):  # inverse pre-emphasis, so that the reference's filter cancels it
        undo[n] = x[n] + (0.97 * undo[n - 1] if n else 0.0)
    assert np.abs(melspectrogram(wav) - reference_melspectrogram(undo)).max() > 0.5


def test_fixed_values():
    silence = melspectrogram(np.zeros(3200, np.float32))
    assert silence.shape == (80, 17)
    assert np.all(silence == -4.0)
    t = np.arange(16000) / SR
    # full scale stays below +4 (0 dB after the 20 dB reference); far above it clips there
    assert melspectrogram((0.99 * np.sin(2 * np.pi * 3000 * t)).astype(np.float32)).max() < 4.0
    assert melspectrogram((20 * np.sin(2 * np.pi * 3000 * t)).astype(np.float32)).max() == 4.0
    # a 1 kHz tone peaks in the band centred nearest 1 kHz (Slaney: 15 mels)
    tone = melspectrogram((0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32))
    lo, hi = hz_to_mel(FMIN), hz_to_mel(FMAX)
    centres = [mel_to_hz(lo + (hi - lo) * (i + 1) / (N_MELS + 1)) for i in range(N_MELS)]
    assert int(np.argmax(tone[:, 40])) == int(np.argmin([abs(c - 1000) for c in centres]))


def test_mel_windows_are_centred_on_frames():
    # at 25 fps, 3.2 mel frames per video frame: frame i's window starts at 3.2 i - 6.4,
    # from two frames before it to three after, as the generator was trained
    starts = mel_window_starts(10, 25, n_mel_frames=100)
    assert starts.tolist() == [0, 0, 0, 3, 6, 9, 12, 16, 19, 22]
    assert mel_window_starts(3, 25, n_mel_frames=20).tolist() == [0, 0, 0]
    assert mel_window_starts(100, 25, n_mel_frames=40)[-1] == 24  # kept inside the spectrogram
    mel = np.arange(80 * 40, dtype=np.float32).reshape(80, 40)
    windows = mel_windows(mel, np.array([0, 5, 24]))
    assert windows.shape == (3, 80, 16)
    assert np.array_equal(windows[1], mel[:, 5:21])
    short = mel_windows(mel[:, :10], np.array([0]))
    assert short.shape == (1, 80, 16) and np.all(short[0, :, 10:] == -4.0)
