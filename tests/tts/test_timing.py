"""The timing check: phone activity must coincide with speech energy."""

import pytest

import tts
from tts.types import Phone


def _shift(timeline, seconds):
    return [Phone(max(0.0, s + seconds), e + seconds, p) for s, e, p in timeline]


@pytest.mark.parametrize("which", ["german", "english"])
def test_synthesised_timeline_passes(which, request):
    speech = request.getfixturevalue(which)
    report = tts.check_timing(speech.audio, speech.sample_rate, speech.phonemes)
    assert abs(report.lag_s) <= 0.03 and report.coverage > 0.75


@pytest.mark.parametrize("shift", [0.1, -0.1])
def test_timeline_shifted_by_100ms_fails(german, shift):
    shifted = _shift(german.phonemes, shift)
    report = tts.timing_report(german.audio, german.sample_rate, shifted)
    assert report.lag_s == pytest.approx(shift, abs=0.03)
    with pytest.raises(tts.SpeechError, match="does not match the speech"):
        tts.check_timing(german.audio, german.sample_rate, shifted)


def test_timeline_of_other_audio_fails(german, english):
    # Negative control: a real timeline against different speech is not "in sync".
    n = min(len(english.audio), int(german.duration * english.sample_rate))
    with pytest.raises(tts.SpeechError):
        tts.check_timing(english.audio[:n], english.sample_rate, [p for p in german.phonemes if p.end < n / english.sample_rate])


def test_speech_without_pauses_judges_coverage_only():
    import numpy as np

    sr = 16000
    rng = np.random.default_rng(0)
    audio = np.concatenate([np.zeros(sr // 2), 0.2 * rng.standard_normal(2 * sr), np.zeros(sr // 2)]).astype(np.float32)
    inside = [Phone(0.5 + 0.1 * k, 0.6 + 0.1 * k, "a") for k in range(20)]  # all over the sound
    report = tts.check_timing(audio, sr, inside[2:-2])  # no pause inside: lag cannot be told
    assert report.coverage > 0.95
    over_silence = [Phone(2.55, 2.95, "a"), Phone(0.0, 0.0 + 0.4, "a")]
    with pytest.raises(tts.SpeechError):
        tts.check_timing(audio, sr, sorted(over_silence))
