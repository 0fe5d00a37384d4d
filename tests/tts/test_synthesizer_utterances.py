"""A take stopped part-way keeps what it spoke (tts/synthesizer.py, `utterances`)."""

from __future__ import annotations

import numpy as np
import pytest

import tts

SENTENCES = ["Open the valve.", "Wait for the green light.", "Close the lid.", "Write the reading in the log."]


class _Kept:
    """An in-memory UtteranceStore."""

    def __init__(self):
        self.items: dict = {}

    def get(self, key):
        return self.items.get(key)

    def put(self, key, utterance):
        self.items[key] = utterance

    def forget(self, keys):
        for key in keys:
            self.items.pop(key, None)


def test_an_interrupted_take_speaks_only_what_is_left_and_ends_the_same(monkeypatch):
    """fresh3 finding 3: a rerun after Ctrl-C redid 19 s of voicing."""
    synth = tts.Synthesizer()
    backend = synth.catalog.backend("espeak")
    real, said, spoken = backend.speak, {}, []

    def speak(text, *args):  # espeak's length varies by a few samples per call: one reading per text
        if len(spoken) == fail_at:
            raise KeyboardInterrupt  # Ctrl-C
        spoken.append(text)
        return said.setdefault(text, real(text, *args))

    monkeypatch.setattr(backend, "speak", speak)
    fail_at = None
    plain = synth.synthesize(SENTENCES, "en", voice="espeak:en-us")
    synth.utterances, spoken[:], fail_at = _Kept(), [], 2  # during the third sentence
    with pytest.raises(KeyboardInterrupt):
        synth.synthesize(SENTENCES, "en", voice="espeak:en-us")
    assert len(synth.utterances.items) == 2
    fail_at = None
    resumed = synth.synthesize(SENTENCES, "en", voice="espeak:en-us")
    assert spoken == SENTENCES  # the first two were not spoken again
    np.testing.assert_array_equal(resumed.audio, plain.audio)
    assert resumed.phonemes == plain.phonemes and resumed.sentences == plain.sentences
    assert synth.utterances.items == {}  # the whole take no longer needs its pieces


def test_the_key_changes_with_what_the_backend_hears():
    from tts.synthesizer import utterance_key
    from tts.types import VoiceInfo

    voice = VoiceInfo("espeak:en-us", "espeak", "en-us", ("en",))
    key = utterance_key(voice, "en", 1.0, "Open the valve.")
    assert len({key, utterance_key(voice, "en", 1.1, "Open the valve."),
                utterance_key(voice, "en-GB", 1.0, "Open the valve."),
                utterance_key(voice, "en", 1.0, "Open the valves."),
                utterance_key(VoiceInfo("espeak:en-gb", "espeak", "en-gb", ("en",)), "en", 1.0, "Open the valve.")}) == 5
