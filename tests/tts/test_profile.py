"""Voice profile from a presenter's own speech: register, pitch, rate, embedding; bad input."""

import numpy as np
import pytest

import tts
from tests.helpers.voices import FEMALE, MALE, noise, resample, speak, tune
from tts.profile import (FEMALE_MIN_HZ, MALE_MAX_HZ, NoSpeechError, SpeakerEncoder, VoiceProfile, cosine,
                         register_for, voice_profile)


@pytest.fixture(scope="module")
def encoder():
    return SpeakerEncoder()


@pytest.fixture(scope="module")
def woman(synth):
    return speak(synth, FEMALE)


@pytest.fixture(scope="module")
def man(synth):
    return speak(synth, MALE)


def test_female_and_male_voices_get_their_register(synth, woman, man, encoder):
    her = voice_profile(*woman, encoder=encoder)
    him = voice_profile(*man, encoder=encoder)
    assert her.source == "speech" and her.register == "female" and her.f0_median_hz > FEMALE_MIN_HZ
    assert him.register == "male" and him.f0_median_hz < MALE_MAX_HZ
    assert her.f0_low_hz < her.f0_median_hz < her.f0_high_hz
    assert 2.0 <= her.speech_s <= len(woman[0]) / woman[1]
    for p in (her, him):
        assert 2.0 < p.syllable_rate < 8.0  # syllables per second of speech (people: ~3-7)
        assert len(p.embedding) == 256 and abs(np.linalg.norm(p.embedding) - 1) < 1e-3
        assert p.notes == ()
    # the same voice, another sentence, is closer than the other voice
    again = voice_profile(*speak(synth, FEMALE, ("Dry the nozzle with a clean cloth and fit it back in place.",)),
                          encoder=encoder)
    assert cosine(again.embedding, her.embedding) > cosine(again.embedding, him.embedding)


def test_profile_does_not_depend_on_the_sample_rate(woman, encoder):
    a = voice_profile(*woman, encoder=encoder)
    b = voice_profile(resample(*woman), 16000, encoder=encoder)
    assert abs(a.f0_median_hz - b.f0_median_hz) < 3
    assert cosine(a.embedding, b.embedding) > 0.99


def test_json_round_trip(woman, encoder):
    p = voice_profile(*woman, encoder=encoder)
    assert VoiceProfile.from_json(p.to_json()) == p
    d = tts.declared_profile("kokoro:jf_alpha")
    assert VoiceProfile.from_dict(d.to_dict()) == d


def test_two_speakers_profile_the_dominant_one(woman, man, encoder):
    her = resample(*woman)
    him = resample(*man)[: 3 * 16000]  # the man speaks less
    p = voice_profile(np.concatenate([her, him]), 16000, encoder=encoder)
    assert p.register == "female"
    assert p.notes and p.notes[0].startswith("2 speakers heard: profiled the dominant one")
    assert p.speech_s < (len(her) + len(him)) / 16000 - 1.0  # the man's speech is left out
    swapped = voice_profile(np.concatenate([resample(*man), her[: 3 * 16000]]), 16000, encoder=encoder)
    assert swapped.register == "male" and swapped.notes


@pytest.mark.parametrize("make, says", [
    (lambda: np.zeros(5 * 16000, np.float32), "silent"),
    (lambda: noise(), "no speech heard"),
    (lambda: tune(), "music"),
    (lambda: np.zeros(0, np.float32), "empty"),
])
def test_no_speech_no_profile(make, says, encoder):
    with pytest.raises(NoSpeechError, match=says):
        voice_profile(make(), 16000, encoder=encoder)


def test_under_two_seconds_of_speech_says_so(woman, encoder):
    audio, rate = woman
    with pytest.raises(NoSpeechError, match=r"only 1\.\d s of speech"):
        voice_profile(audio[: int(1.9 * rate)], rate, encoder=encoder)


def test_declared_profiles():
    assert tts.declared_profile("Female").register == "female"
    assert tts.declared_profile("male").register == "male"
    v = tts.declared_profile("kokoro:jf_alpha")
    assert v.voice == "kokoro:jf_alpha" and v.register == "unknown" and v.source == "declared"
    d = tts.declared_profile(None)
    assert d.source == "default" and "default voice" in d.notes[0]
    with pytest.raises(tts.SpeechError, match="register"):
        VoiceProfile("speech", register="alto")


def test_register_thresholds():
    assert register_for(100) == "male" and register_for(MALE_MAX_HZ) == "male"
    assert register_for(160) == "unknown" and register_for(None) == "unknown"
    assert register_for(FEMALE_MIN_HZ) == "female" and register_for(230) == "female"


@pytest.mark.media
def test_shared_presenters(shared_media, encoder):
    from lipsync.media import read_audio

    registers = {n: voice_profile(*read_audio(shared_media / f"presenter_{n}.mp4"), encoder=encoder).register
                 for n in "ac"}
    assert registers == {"a": "male", "c": "female"}
