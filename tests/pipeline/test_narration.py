"""steps.narration: a recorded narration with its words given runs no recogniser."""

import pytest

from pipeline import steps
from pipeline.errors import InputError


class _NoRecogniser:
    """A transcriber that fails the test if the words are recognised."""

    def __init__(self):
        self.detected = 0

    def transcribe(self, *args, **kwargs):
        raise AssertionError("the recogniser ran although the words were given")

    def detect_language(self, audio, sample_rate):
        self.detected += 1
        return "en", 0.99


@pytest.fixture(scope="module")
def english():
    from tts import Synthesizer

    return Synthesizer().synthesize(["Wear gloves before you start the machine.", "Wait five minutes."], "en")


def test_given_words_are_aligned_without_a_recogniser(english, tmp_path, monkeypatch):
    hear = _NoRecogniser()
    toolkit = steps.Toolkit(transcriber=hear, cache_dir=tmp_path)
    speech, heard = steps.narration(english.audio, english.sample_rate, toolkit,
                                    transcript="Wear gloves before you start the machine.\nWait five minutes.")
    assert heard.language == "en" and hear.detected == 0  # "before", "you", "the": the text shows it
    assert heard.text == "Wear gloves before you start the machine. Wait five minutes."
    assert [s.text for s in speech.sentences] == ["Wear gloves before you start the machine.", "Wait five minutes."]
    assert len(speech.words) == 10 and speech.phonemes and speech.language == "en"
    assert abs(speech.sentences[1].start - english.sentences[1].start) < 0.08
    # A text that does not show its language clearly: the spoken language is identified instead.
    import translate.detect

    monkeypatch.setattr(translate.detect, "guess_language", lambda text, *a, **k: None)
    _, short = steps.narration(english.audio, english.sample_rate, toolkit,
                               transcript="Wear gloves before you start the machine. Wait five minutes.")
    assert short.language == "en" and hear.detected == 1


def test_a_transcript_of_other_words_is_an_input_error(english, tmp_path):
    toolkit = steps.Toolkit(transcriber=_NoRecogniser(), cache_dir=tmp_path)
    with pytest.raises(InputError, match="transcript") as caught:
        steps.narration(english.audio, english.sample_rate, toolkit, language="en",
                        transcript="Wait five minutes.")  # a third of what was said
    assert "\n" not in str(caught.value)
