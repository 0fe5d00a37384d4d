"""Adapting a synthesized voice toward a presenter: bounded pitch/formant/rate, timeline kept true."""

import math
from dataclasses import replace

import numpy as np
import pytest

import tts
from tests.helpers.voices import MALE, SENTENCES
from tts.adapt import (LANGUAGE_BOUNDS, AdaptOptions, Adaptation, adapt_speech, not_adapted_reason,
                       options_for, plan_adaptation)
from tts.profile import VoiceProfile, voice_profile


@pytest.fixture(scope="module")
def speech(synth):
    return synth.synthesize(list(SENTENCES), "en", voice=MALE)


@pytest.fixture(scope="module")
def own(speech):
    return voice_profile(speech.audio, speech.sample_rate, embed=False)


def _presenter(f0, rate=None, low=None, high=None):
    return VoiceProfile("speech", register="male", f0_median_hz=f0, f0_low_hz=low, f0_high_hz=high,
                        syllable_rate=rate)


def test_plan_is_bounded():
    voice = _presenter(100.0, rate=4.0, low=80.0, high=125.0)
    far = plan_adaptation(voice, _presenter(300.0, rate=2.0, low=100.0, high=600.0))
    opts = AdaptOptions()
    assert far.pitch_shift_st == opts.max_pitch_shift_st
    assert 1 / opts.max_formant_ratio <= far.formant_ratio <= opts.max_formant_ratio
    assert far.duration_factor == pytest.approx(1 + opts.max_rate_change)
    assert opts.max_rate_change <= 0.05 and opts.max_formant_ratio <= 1.03  # the bounds measured safe
    assert far.range_factor == opts.pitch_range_bounds[1]
    near = plan_adaptation(voice, _presenter(106.0, rate=4.2))
    assert near.pitch_shift_st == pytest.approx(12 * math.log2(1.06)) and near.range_factor == 1.0
    assert near.formant_ratio == pytest.approx(2 ** (0.23 * near.pitch_shift_st / 12))
    assert near.duration_factor == pytest.approx(4.0 / 4.2)
    with pytest.raises(tts.SpeechError, match="median pitch"):
        plan_adaptation(voice, VoiceProfile("declared", register="female"))


def _envelope(audio, sr):
    hop = sr // 100
    n = len(audio) // hop
    return np.sqrt((audio[: n * hop].reshape(n, hop) ** 2).mean(axis=1))


def test_pitch_moves_and_the_timeline_scales_with_the_audio(speech, own):
    target = own.f0_median_hz * 2 ** (3 / 12)  # three semitones up
    presenter = _presenter(target, rate=own.syllable_rate / 1.04)
    adapted, plan = adapt_speech(speech, presenter, voice=own, options=AdaptOptions())
    assert plan.pitch_shift_st == pytest.approx(3.0, abs=0.01) and plan.changed
    heard = voice_profile(adapted.audio, adapted.sample_rate, embed=False)
    assert abs(12 * math.log2(heard.f0_median_hz / target)) < 0.7  # within 0.7 semitone
    factor = plan.duration_factor
    assert factor == pytest.approx(1.04, abs=0.01) and adapted.sample_rate == speech.sample_rate
    assert adapted.duration == pytest.approx(speech.duration * factor, abs=1e-6)
    for new, old in ((adapted.phonemes, speech.phonemes), (adapted.words, speech.words),
                     (adapted.sentences, speech.sentences)):
        assert [x[2] for x in new] == [x[2] for x in old]
        assert np.allclose([x[0] for x in new], [x[0] * factor for x in old])
        assert np.allclose([x[1] for x in new], [x[1] * factor for x in old])
    tts.check_timeline(adapted.phonemes, adapted.duration)
    # the sound moved with the timeline: the original envelope stretched by `factor` lines up with the
    # adapted one (best lag within 20 ms), and an unscaled one does not
    sr = speech.sample_rate
    before, after = _envelope(speech.audio, sr), _envelope(adapted.audio, sr)
    stretched = np.interp(np.arange(len(after)) / factor, np.arange(len(before)), before)
    lags = range(-10, 11)
    corr = [np.corrcoef(np.roll(stretched, k), after)[0, 1] for k in lags]
    assert abs(list(lags)[int(np.argmax(corr))]) <= 2 and max(corr) > 0.8
    unscaled = np.pad(before, (0, max(0, len(after) - len(before))))[: len(after)]
    assert np.corrcoef(unscaled, after)[0, 1] < max(corr) - 0.1  # control


def test_declared_presenter_leaves_the_voice_unchanged(speech):
    same, plan = adapt_speech(speech, tts.declared_profile("female"))
    assert same is speech and plan is None


def test_languages_outside_the_measured_bound_are_not_adapted(speech, own):
    presenter = _presenter(own.f0_median_hz * 1.2)
    french = replace(speech, language="fr-FR")  # no bound measured in French
    same, plan = adapt_speech(french, presenter, voice=own)
    assert same is french and plan is None
    assert options_for("fr-FR") is None and not_adapted_reason("fr-FR").startswith("not adapted: no adaptation bound")
    moved, plan = adapt_speech(french, presenter, voice=own, options=AdaptOptions())
    assert plan is not None and plan.changed and moved is not french  # control: given options apply anywhere


def test_each_language_gets_its_measured_bound(speech, own):
    for lang, bound in LANGUAGE_BOUNDS.items():
        options = options_for(f"{lang}-XX")
        if bound is None:
            assert options is None and "more than 0.05" in not_adapted_reason(lang)
            continue
        assert not_adapted_reason(lang) is None
        assert (options.max_pitch_shift_st, options.max_formant_ratio, options.max_rate_change) == \
            (bound.max_pitch_shift_st, bound.max_formant_ratio, bound.max_rate_change)
    adapted = [lang for lang, b in LANGUAGE_BOUNDS.items() if b is not None]
    lang = min(adapted, key=lambda k: LANGUAGE_BOUNDS[k].max_pitch_shift_st)
    far = _presenter(own.f0_median_hz * 2, rate=own.syllable_rate / 2)  # an octave up, half the rate
    moved, plan = adapt_speech(replace(speech, language=lang), far, voice=own)
    bound = LANGUAGE_BOUNDS[lang]
    assert plan.pitch_shift_st == pytest.approx(bound.max_pitch_shift_st)
    assert plan.formant_ratio <= bound.max_formant_ratio + 1e-9
    assert plan.duration_factor <= 1 + bound.max_rate_change + 0.01  # measured from the audio


def test_unchanged_plan_returns_the_speech(speech, own):
    presenter = _presenter(own.f0_median_hz, rate=own.syllable_rate)
    same, plan = adapt_speech(speech, presenter, voice=own, options=AdaptOptions(match_rate=True))
    assert isinstance(plan, Adaptation) and same is speech and not replace(plan).changed


@pytest.mark.slow
def test_search_keeps_the_closest_setting(speech, own):
    from tests.helpers.voices import FEMALE, speak

    encoder = tts.SpeakerEncoder()
    presenter = voice_profile(*speak(tts.Synthesizer(), FEMALE), encoder=encoder)
    adapted, plan = adapt_speech(speech, presenter, voice=own, encoder=encoder)
    assert plan.similarity_after >= plan.similarity_before
    assert abs(plan.pitch_shift_st) <= AdaptOptions().max_pitch_shift_st


def test_change_gender_gives_the_same_samples_on_every_call(speech, own):
    """Praat's PSOLA draws from its process-wide generator: seeded per change, the same input
    gives the same samples even after other Praat work moved the generator on."""
    import parselmouth
    from parselmouth.praat import call

    from tts.adapt import change_gender

    plan = Adaptation(voice_f0_hz=own.f0_median_hz, presenter_f0_hz=own.f0_median_hz * 1.12, pitch_shift_st=2.0,
                      formant_ratio=1.02, range_factor=1.0, duration_factor=1.0)
    clip = speech.audio[: 2 * speech.sample_rate]
    first = change_gender(clip, speech.sample_rate, plan)
    sound = parselmouth.Sound(np.asarray(clip, np.float64), float(speech.sample_rate))
    # control: the same Praat command unseeded differs between two calls (else this test proves nothing)
    unseeded = [call(sound, "Change gender", 65.0, 600.0, 1.02, 150.0, 1.0, 1.0).values[0] for _ in range(2)]
    assert not np.array_equal(*unseeded)
    assert np.array_equal(first, change_gender(clip, speech.sample_rate, plan))
