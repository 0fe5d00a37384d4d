"""The judge's own timing of heard words (pipeline/evaluate/hearing.py): phones spread over each
word by class weight, trimmed to speech and moved onto syllable nuclei."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.evaluate.hearing import phone_class, phone_weight, spread_phones, words_timeline

RNG = np.random.default_rng(7)


def test_phones_share_their_word_by_class_weight():
    assert phone_class("aɪ") == "diphthong" and phone_class("ɑ") == "open_vowel" and phone_class("ə") == "reduced_vowel"
    assert phone_class("t͡ʃ") == "affricate" and phone_class("t") == "stop" and phone_class("ˈ") is None
    assert phone_weight("aɪ") > phone_weight("a") > phone_weight("i") > phone_weight("ə") > phone_weight("t")
    spread = spread_phones(1.0, 1.5, ["m", "ˈ", "a", "t"])  # the stress mark has no duration
    assert [p for _, _, p in spread] == ["m", "a", "t"]
    assert spread[0][0] == 1.0 and spread[-1][1] == pytest.approx(1.5)
    assert all(a[1] == pytest.approx(b[0]) for a, b in zip(spread, spread[1:]))  # end to end
    durations = {p: e - s for s, e, p in spread}
    assert durations["a"] / durations["t"] == pytest.approx(phone_weight("a") / phone_weight("t"))
    assert spread_phones(1.0, 1.0, ["a"]) == () and spread_phones(1.0, 2.0, []) == ()


def test_words_timeline_looks_up_each_word_and_times_it_itself():
    looked_up = []

    def phonemizer(text, language):
        looked_up.append((text, language))
        return {"mama": [("mama", ("m", "a", "m", "a"))], "-": []}[text]

    timeline = words_timeline([(0.2, 0.6, "mama"), (0.7, 0.8, "-"), (1.0, 1.4, "mama")], "pt", phonemizer)
    assert looked_up == [("mama", "pt"), ("-", "pt"), ("mama", "pt")]
    assert len(timeline) == 8 and timeline[0][0] == 0.2 and timeline[3][1] == pytest.approx(0.6)
    assert timeline[4][0] == 1.0  # the word without phones stays silent


def test_words_are_trimmed_to_speech_and_vowels_moved_onto_syllable_nuclei():
    from pipeline.evaluate.hearing import syllable_nuclei
    from tests.helpers.signals import tone

    rate = 16000
    audio = np.concatenate([tone(1.0, rate), np.zeros(rate, np.float32)])  # 4 bursts, then a pause
    audio += np.random.default_rng(0).normal(0, 1e-3, len(audio)).astype(np.float32)
    heard = syllable_nuclei(audio, rate)
    assert [round(t, 2) for t, _ in heard.nuclei] == pytest.approx([0.0625, 0.3125, 0.5625, 0.8125], abs=0.02)  # burst peaks

    def phonemizer(text, language):
        return [(text, ("p", "a", "p", "a"))]

    # The recogniser gave the second word the pause after it.
    timeline = words_timeline([(0.0, 0.55, "papa"), (0.55, 1.9, "papa")], "en", phonemizer, heard)
    vowels = [(s, e) for s, e, p in timeline if p == "a"]
    assert all(s < t < e for (s, e), (t, _) in zip(vowels, heard.nuclei))  # each vowel on its nucleus
    assert timeline[-1][1] < 1.05  # trimmed to the heard part, not the pause
    # Negative control: noise has no nuclei and no speech, so the plain spread stands.
    quiet = syllable_nuclei(RNG.normal(0, 0.1, 2 * rate).astype(np.float32), rate)
    assert quiet.nuclei == () and words_timeline([(0.0, 1.9, "papa")], "en", phonemizer, quiet) == \
        words_timeline([(0.0, 1.9, "papa")], "en", phonemizer)


def test_words_timeline_of_real_words_through_espeak():
    timeline = words_timeline([(0.0, 0.5, "Clean"), (0.5, 0.8, "the"), (0.8, 1.4, "nozzle.")], "en")
    assert "".join(p for _, _, p in timeline).startswith("kli")
    assert timeline[-1][1] == pytest.approx(1.4) and all(s < e for s, e, _ in timeline)
