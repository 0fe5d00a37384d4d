"""Mouths built in code: landmark sets with a mouth of a chosen size, and open-vowel narrations."""

from __future__ import annotations

import numpy as np

from lipsync.landmarks import EYE_OUTER, LIPS_INNER, LIPS_OUTER


def contour(cx: float, cy: float, half_width: float, height: float, n: int = 20) -> np.ndarray:
    """`n` points round an ellipse in the landmark contours' order: from the left corner along
    the upper lip to the right corner, then back along the lower lip (image y points down)."""
    upper = np.linspace(np.pi, 0, n // 2 + 1)
    lower = np.linspace(0, -np.pi, n // 2 + 1)[1:-1]
    theta = np.concatenate([upper, lower])
    return np.stack([cx + half_width * np.cos(theta), cy - height / 2 * np.sin(theta)], axis=1)


def mouth_points(cx: float = 100.0, cy: float = 100.0, half_width: float = 40.0, gap: float = 12.0,
                 lip: float = 10.0) -> np.ndarray:
    """478 MediaPipe-layout points (float32) with only what the mouth code reads set: the inner
    lips an ellipse `gap` px tall, the outer lips `lip` px beyond them, the outer eye corners
    2.2 mouth half widths apart above the mouth."""
    points = np.zeros((478, 2), np.float32)
    points[LIPS_INNER] = contour(cx, cy, half_width, gap)
    points[LIPS_OUTER] = contour(cx, cy, half_width + 2, gap + 2 * lip)
    points[EYE_OUTER[0]] = (cx - 2.2 * half_width, cy - 2.4 * half_width)
    points[EYE_OUTER[1]] = (cx + 2.2 * half_width, cy - 2.4 * half_width)
    return points


def open_vowel_timeline(seconds: float, phones=("m", "a", "a", "ɔ", "b", "a", "æ", "a"),
                        step: float = 0.16) -> list[tuple[float, float, str]]:
    """Open vowels between brief closures, `step` s each, from 0.1 s to `seconds` - 0.1 s."""
    out, t, i = [], 0.1, 0
    while t + step <= seconds - 0.1:
        out.append((round(t, 3), round(t + step, 3), phones[i % len(phones)]))
        t, i = t + step, i + 1
    return out


def voiced(seconds: float, rate: int = 16000) -> np.ndarray:
    """A voiced-sounding tone with a syllable-rate swell (float32 mono)."""
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * 140 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)
