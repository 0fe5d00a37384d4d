"""Narrations for the recognised path's tests: TTS speech, clean and under babble."""

from __future__ import annotations

import numpy as np


def portuguese_under_babble(snr_db: float | None) -> tuple[np.ndarray, int]:
    """Kokoro's Portuguese (tests/helpers/degrade.SPOKEN_TEXT["pt"], about 17 s) as (mono
    float32 samples, rate in Hz): clean when `snr_db` is None, else under babble of three
    talkers in other languages (degrade.TALKERS) `snr_db` dB below it — at 5 dB, Whisper base
    hears under half the words right (bench/bench_align.py --recognised)."""
    from tests.helpers import degrade
    from tts import Synthesizer

    synth = Synthesizer()
    clean = synth.synthesize(degrade.SPOKEN_TEXT["pt"], "pt")
    if snr_db is None:
        return clean.audio, clean.sample_rate
    talkers = [t for lang, t in degrade.talkers(synth).items() if lang != "pt"]  # the same samples every run
    babble = degrade.babble([(t.audio, t.sample_rate) for t in talkers][:3], clean.sample_rate, len(clean.audio))
    return degrade.mix(clean.audio, babble, snr_db), clean.sample_rate
