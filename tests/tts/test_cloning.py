"""Cloning backends (issue 16 item 4): the protocol, the registry of installed ones, and speech in
a reference's voice through the Synthesizer, with a tiny random torch model built in code."""

import numpy as np
import pytest

from tests.helpers.cloning import TinyCloner
from tts.cloning import (CLONING_REGISTRY, CloningBackend, SpeakerReference, clone_speech, installed_cloners,
                         parse_clone_voice)
from tts.errors import BackendUnavailableError, SpeechError, UnsupportedLanguageError
from tts.types import check_timeline


def _reference(seconds: float = 7.0, seed: int = 0) -> SpeakerReference:
    audio = 0.1 * np.random.default_rng(seed).standard_normal(int(seconds * 16000)).astype(np.float32)
    return SpeakerReference(audio, 16000, f"{seed:064x}")


def test_speech_in_a_references_voice_has_a_timeline_and_the_model_got_the_reference():
    model = TinyCloner()
    assert isinstance(model, CloningBackend)
    ref = _reference()
    speech = clone_speech(["Switch off the machine.", "Wait."], "en", model, ref, voice_id="clone:tiny@abc")
    assert speech.voice == "clone:tiny@abc" and speech.backend == "clone" and speech.language.startswith("en")
    assert speech.audio.dtype == np.float32 and speech.duration > 1.0
    check_timeline(speech.phonemes, speech.duration)
    assert [w.text for w in speech.words] == ["Switch", "off", "the", "machine", "Wait"]
    assert len(model.calls) == 2 and all(call is ref for call in model.calls)  # one call per sentence
    # another reference gives another voice (the model conditions on it)
    other = clone_speech(["Switch off the machine.", "Wait."], "en", TinyCloner(), _reference(seed=1))
    assert other.voice == "clone:tiny" and len(other.audio) == len(speech.audio)
    assert not np.allclose(other.audio, speech.audio)


def test_a_language_the_model_does_not_speak_or_a_tiny_reference_is_one_line():
    with pytest.raises(UnsupportedLanguageError, match="does not speak pt; it speaks en"):
        clone_speech(["Olá."], "pt", TinyCloner(), _reference())
    with pytest.raises(SpeechError, match="0.5 s long"):
        clone_speech(["Hello."], "en", TinyCloner(), _reference(0.5))


def test_installed_cloners_are_those_that_load_and_xtts_is_registered(tmp_path):
    def missing(paths):
        raise BackendUnavailableError("no model here")

    found = installed_cloners({"tiny": [tmp_path]}, {"tiny": lambda paths: TinyCloner(("en", "pt-BR")),
                                                     "gone": missing})
    assert list(found) == ["tiny"] and found["tiny"].languages == ("en", "pt-BR")
    assert found["tiny"].speaks("pt") and found["tiny"].speaks("en-GB") and not found["tiny"].speaks("es")
    assert "xtts" in CLONING_REGISTRY


def test_clone_voice_ids_parse():
    assert parse_clone_voice("clone:xtts") == ("xtts", "")
    assert parse_clone_voice("clone:xtts@" + "a" * 64) == ("xtts", "a" * 64)
    assert parse_clone_voice("kokoro:jf_alpha") is None
    with pytest.raises(SpeechError, match="names no cloning backend"):
        parse_clone_voice("clone:")
