"""Test signals built in code."""

from __future__ import annotations

import numpy as np


def tone(seconds: float, sample_rate: int = 16000, freq: float = 220.0) -> np.ndarray:
    """A tone with syllable-like 4 Hz amplitude bursts: mono float32, peak 0.3."""
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    envelope = np.clip(np.sin(2 * np.pi * 4 * t), 0, None)
    return (0.3 * envelope * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def voice(seconds: float, sr: int = 16000) -> np.ndarray:
    """A steady voiced sound, loudness swaying at syllable rate but never silent: mono float32."""
    t = np.arange(int(seconds * sr)) / sr
    return (0.3 * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t)) * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def speech_timeline(seconds: float, start: float = 0.2,
                    pause_at: tuple[float, float] | None = None) -> list[tuple[float, float, str]]:
    """A made-up phoneme timeline (start s, end s, phoneme) of open vowels and bilabials filling `seconds`."""
    phones = ["m", "a", "p", "a", "s", "o", "b", "i", "l", "a"]
    out, t, i = [], start, 0
    while t + 0.1 <= seconds - 0.1:
        if pause_at and pause_at[0] <= t < pause_at[1]:
            t = pause_at[1]
            continue
        out.append((round(t, 3), round(t + 0.1, 3), phones[i % len(phones)]))
        t += 0.1
        i += 1
    return out
