"""How reverberant a recording is (a decision only) and its late reverberation taken out."""

import numpy as np

from tests.helpers import degrade
from tts.reverb import REVERBERANT_S, decay_time, without_late_reverberation
from tts.warping import mel_power

RATE = 16000


def _syllables(seconds: float = 6.0) -> np.ndarray:
    """Speech-like: 150 ms harmonic bursts with a 10 ms fade, 250 ms apart, pitch moving, over
    a faint hiss (80 dB down: gaps are never digital zero)."""
    t = np.arange(int(seconds * RATE)) / RATE
    phase = (t % 0.25) / 0.15
    envelope = np.clip(np.minimum(phase * 15, (1 - phase) * 15), 0, 1) * (phase < 1)
    voice = sum(np.sin(2 * np.pi * k * (140 + 30 * np.sin(2 * np.pi * 0.5 * t)) * t) / k for k in range(1, 8))
    hiss = 3e-5 * np.random.default_rng(0).normal(size=len(t))
    return (0.3 * envelope * voice + hiss).astype(np.float32)


def test_a_room_is_told_from_dry_noisy_and_band_limited_sound():
    dry = _syllables()
    assert decay_time(mel_power(dry, RATE)) < REVERBERANT_S
    assert decay_time(mel_power(degrade.telephone(dry, RATE), RATE)) < REVERBERANT_S
    noise = np.random.default_rng(1).normal(size=len(dry)).astype(np.float32)
    assert decay_time(mel_power(degrade.mix(dry, noise, 10), RATE)) < REVERBERANT_S
    assert decay_time(mel_power(degrade.reverb(dry, RATE, 0.3), RATE)) < REVERBERANT_S
    # Negative control: the same bursts in a room of RT60 0.8 s measure reverberant.
    assert decay_time(mel_power(degrade.reverb(dry, RATE, 0.8), RATE)) > REVERBERANT_S
    assert decay_time(np.ones(5)) == 0.0  # too short to fall


def test_late_reverberation_is_taken_out_of_the_gaps_not_the_bursts():
    dry = _syllables()
    wet = degrade.reverb(dry, RATE, 0.8)
    power = mel_power(wet, RATE).sum(1)
    rt60 = decay_time(power)
    cleaned = without_late_reverberation(power, rt60)
    assert cleaned.shape == power.shape and cleaned.dtype == power.dtype
    frame = np.arange(len(power)) * 0.01
    phase = frame % 0.25
    gaps, bursts = (phase > 0.19) & (phase < 0.24) & (frame > 1), (phase > 0.02) & (phase < 0.12) & (frame > 1)

    def contrast(p: np.ndarray) -> float:  # dB between the bursts and the gaps after them
        return float(10 * np.log10(np.median(p[bursts]) / np.median(p[gaps])))

    assert contrast(cleaned) > contrast(power) + 3.0
    # Per band too, and never below the kept share of a frame's power.
    bands = mel_power(wet, RATE)
    assert np.all(without_late_reverberation(bands, rt60) >= 0.05 * bands - 1e-12)
    # Negative control: the dry bursts' contrast is no lower than the cleaned copy's.
    assert contrast(mel_power(dry, RATE).sum(1)) > contrast(cleaned)
