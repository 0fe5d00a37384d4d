"""Signals and pictures for the lip-sync judge's tests (pipeline/evaluate): smooth noise, a
narration-like phone timeline, a mouth box pasted in with a hard or a feathered edge."""

from __future__ import annotations

import numpy as np


def smooth_noise(n: int, sigma: float = 2.0, seed: int = 0) -> np.ndarray:
    """`n` samples of Gaussian noise low-passed by a Gaussian of `sigma` samples (float64)."""
    from scipy.ndimage import gaussian_filter1d

    return gaussian_filter1d(np.random.default_rng(seed).normal(size=n), sigma)


def random_timeline(seconds: float, seed: int) -> list[tuple[float, float, str]]:
    """Syllable-like phones with pauses, like a narration's timeline: (start s, end s, IPA phone)."""
    rng = np.random.default_rng(seed)
    phones = ["p", "a", "t", "i", "m", "o", "s", "ɛ", "b", "u", "aɪ", "n"]
    t, out = 0.1, []
    while t < seconds - 0.3:
        d = float(rng.uniform(0.05, 0.15))
        out.append((t, t + d, str(rng.choice(phones))))
        t += d + (float(rng.uniform(0.2, 0.4)) if rng.random() < 0.1 else 0.0)
    return out


def paste_box(frame: np.ndarray, landmarks: np.ndarray, feather: float, gain: float = 1.25) -> np.ndarray:
    """Brighten a box around the mouth of an RGB frame (H, W, 3 uint8), with a hard edge
    (`feather` 0) or one feathered by a Gaussian of `feather` px; `landmarks`: dlib's 68 (x, y)."""
    import cv2

    from pipeline.evaluate import regions

    x0, y0, x1, y1 = regions.mouth_box(landmarks, frame.shape, margin=0.4)
    alpha = np.zeros(frame.shape[:2], np.float32)
    alpha[y0:y1, x0:x1] = 1.0
    if feather:
        alpha = cv2.GaussianBlur(alpha, (0, 0), feather)
    brighter = np.clip(frame.astype(np.float32) * gain + 12, 0, 255)
    out = frame * (1 - alpha[..., None]) + brighter * alpha[..., None]
    return np.round(out).astype(np.uint8)
