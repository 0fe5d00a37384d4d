"""What the speech asks of the mouth (pipeline/evaluate/speech.py): phone openness, the words'
opening curve, the syllable envelope and speech activity, each with a negative control."""

from __future__ import annotations

import numpy as np
from tests.helpers.judge import random_timeline, smooth_noise

from pipeline.evaluate import lag_correlation
from pipeline.evaluate.speech import GRID_RATE, phone_openness, speech_activity, speech_envelope, words_opening

FPS = 25.0
RNG = np.random.default_rng(7)


def test_phone_openness_orders_vowels_and_closes_bilabials():
    assert phone_openness("a") > phone_openness("ɛ") > phone_openness("i") > phone_openness("m") == 0.0
    assert phone_openness("ˈa") == phone_openness("aɪ") == phone_openness("a")
    assert phone_openness("t͡ʃ") == phone_openness("t")
    assert phone_openness("ã") == phone_openness("a")


def test_words_opening_follows_its_timeline_not_another():
    seconds = 8.0
    n = int(seconds * FPS)
    timeline = random_timeline(seconds, seed=1)
    target = words_opening(timeline, FPS, n)
    assert target.shape == (n,) and target.max() <= 1.0 and target.min() >= 0.0
    # A mouth that does what the words ask, with tracker noise, scores high at zero lag.
    mouth = 0.3 * target + 0.02 * RNG.normal(size=n)
    assert lag_correlation(mouth, target, 4).at(0) > 0.8
    # Negative control: another narration's words.
    other = words_opening(random_timeline(seconds, seed=2), FPS, n)
    assert abs(lag_correlation(mouth, other, 4).at(0)) < 0.3


def test_words_opening_is_closed_in_gaps_and_on_bilabials():
    target = words_opening([(1.0, 1.4, "a"), (2.0, 2.4, "m")], FPS, 100, smooth_s=0.02)
    assert target[int(1.2 * FPS)] > 0.9
    assert target[int(2.2 * FPS)] < 0.05
    assert target[int(0.5 * FPS)] == 0.0


def test_silence_closes_a_word_the_recogniser_stretched_over_a_pause():
    from tests.helpers.signals import tone

    rate = 16000
    audio = np.concatenate([tone(1.0, rate), np.zeros(rate, np.float32)])  # speech, then 1 s pause
    audio += np.random.default_rng(0).normal(0, 1e-3, len(audio)).astype(np.float32)  # room noise
    voiced = speech_activity(audio, rate)
    assert voiced[20:180].mean() > 0.4 and not voiced[220:380].any()  # 4 Hz bursts: half voiced
    stretched = [(0.1, 0.4, "a"), (0.5, 1.9, "a")]  # the last word given the whole pause
    gated = words_opening(stretched, FPS, 50, voiced=voiced)
    assert gated[int(1.5 * FPS):].max() < 0.05
    assert words_opening(stretched, FPS, 50)[int(1.5 * FPS)] > 0.9  # negative control: no gate


def test_speech_envelope_follows_syllables_not_another_rhythm():
    rate, seconds = 16000, 6.0
    t = np.arange(int(rate * seconds)) / rate
    syllables = np.clip(smooth_noise(int(seconds * 200), sigma=8, seed=3), 0, None)
    loud = np.interp(t, np.arange(len(syllables)) / 200, syllables)
    audio = (loud * np.sin(2 * np.pi * 180 * t)).astype(np.float32)
    n = int(seconds * FPS)
    env = speech_envelope(audio, rate, FPS, n)
    mouth = np.interp(np.arange(n) / FPS, np.arange(len(syllables)) / 200, syllables)
    assert lag_correlation(mouth, env, 3).at(0) > 0.7
    other = np.clip(smooth_noise(int(seconds * 200), sigma=8, seed=4), 0, None)
    other_mouth = np.interp(np.arange(n) / FPS, np.arange(len(other)) / 200, other)
    assert abs(lag_correlation(other_mouth, env, 3).at(0)) < 0.3  # negative control
    # A slow swell (0.1 Hz) is outside the syllable band and is removed.
    swell = speech_envelope((np.sin(2 * np.pi * 0.1 * t) + 1.5) * np.sin(2 * np.pi * 180 * t), rate, FPS, n)
    assert np.abs(swell[25:-25]).max() < 0.1


def test_speech_activity_is_on_for_speech_and_off_for_silence_and_noise():
    from tts.espeak import Espeak
    from tts.phonemes import espeak_voice_for

    spoken = Espeak.shared().synthesize("Clean the filling nozzle at the end of every shift.", espeak_voice_for("en"))
    rate, pad = spoken.sample_rate, np.zeros(spoken.sample_rate, np.float32)  # 1 s of silence either side
    audio = np.concatenate([pad, spoken.audio, pad])
    audio = audio + np.random.default_rng(1).normal(0, 1e-3, len(audio)).astype(np.float32)  # room noise
    voiced = speech_activity(audio, rate)
    assert len(voiced) == int(len(audio) / rate * GRID_RATE)
    inside = voiced[int((1 + spoken.words[0].start) * GRID_RATE):int((1 + spoken.end) * GRID_RATE)]
    assert inside.mean() > 0.6
    assert not voiced[: int(0.9 * GRID_RATE)].any() and not voiced[-int(0.9 * GRID_RATE):].any()
    # Negative controls: digital silence, steady white noise, and loud noise bursts are never speech.
    assert not speech_activity(np.zeros(rate * 2, np.float32), rate).any()
    assert not speech_activity(RNG.normal(0, 0.1, rate * 2).astype(np.float32), rate).any()
    bursts = RNG.normal(0, 0.2, rate * 2) * (np.arange(rate * 2) % (rate // 2) < rate // 4)
    assert speech_activity(bursts.astype(np.float32), rate).mean() < 0.05
