"""steps.narration: a recorded narration with its words given runs no recogniser."""

import pytest

from pipeline import steps
from pipeline.errors import InputError
from tests.helpers.timelines import midpoint_error as _midpoint_error


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


class _Heard:
    """A transcriber that hears the speech's words (Whisper-style text) `shift_s` late, as sure
    as `log_probability` (Whisper's mean per token)."""

    def __init__(self, speech, shift_s: float, log_probability: float | None = -0.1):
        import translate

        words = tuple((s + shift_s, e + shift_s, f" {t}") for s, e, t in speech.words)
        self.transcript = translate.Transcript(
            language="en", words=words, text=" ".join(t for _, _, t in speech.words),
            segments=((words[0][0], words[-1][1], " ".join(t for _, _, t in speech.words)),),
            log_probability=log_probability)

    def transcribe(self, audio, sample_rate, language=None):
        return self.transcript


def test_recognised_words_are_timed_on_the_recording_not_at_their_heard_times(english, tmp_path):
    """Without a transcript the recogniser gives the words; their phones are timed on the
    recording (tts.align_recognised), so recognised times 0.6 s late do not move them."""
    toolkit = steps.Toolkit(transcriber=_Heard(english, 0.6), cache_dir=tmp_path)
    speech, heard = steps.narration(english.audio, english.sample_rate, toolkit)
    assert _midpoint_error(speech.phonemes, english.phonemes) < 0.04
    assert speech.words == tuple(heard.words) and speech.words[0].text == " Wear"  # the recogniser's words, kept
    # Words and sentences (the subtitles' cues) take the aligned times, not the heard ones 0.6 s late.
    word_errors = [abs(got.start - truth[0]) for got, truth in zip(speech.words, english.words)]
    assert len(word_errors) == len(english.words) and max(word_errors) < 0.1
    assert abs(speech.sentences[0].start - english.words[0][0]) < 0.1
    assert abs(speech.sentences[-1].end - english.words[-1][1]) < 0.1
    # Negative control: recognised times far (2 s) from the speech are a one-line InputError.
    toolkit = steps.Toolkit(transcriber=_Heard(english, 2.0), cache_dir=tmp_path)
    with pytest.raises(InputError, match="transcript") as caught:
        steps.narration(english.audio, english.sample_rate, toolkit)
    assert "\n" not in str(caught.value)


def test_a_narration_is_recognised_with_beam_search(tmp_path):
    """Its text is what the timeline is aligned to: beam search heard degraded copies more
    alike than greedy decoding (pipeline.steps.NARRATION_RECOGNISER, bench_align --recognised)."""
    from pipeline.errors import ModelNotFoundError
    from translate.errors import TranslationError

    try:
        transcriber = steps.Toolkit(cache_dir=tmp_path).transcriber
    except (ModelNotFoundError, TranslationError) as exc:  # the model store has no Whisper: nothing to build
        pytest.skip(f"Whisper base is not in the model store: {exc}")
    assert transcriber.beam_size == steps.NARRATION_RECOGNISER["beam_size"] == 5


def test_a_recognition_less_sure_than_the_bar_is_an_input_error(english, tmp_path):
    """Too noisy to recognise reliably: no right text to time, subtitles that would be wrong."""
    unsure = _Heard(english, 0.0, steps.MIN_LOG_PROBABILITY - 0.01)
    toolkit = steps.Toolkit(transcriber=unsure, cache_dir=tmp_path)
    refusal = (r"too noisy to recognise reliably .*-0\.54 < -0\.53\): give its transcript \(--transcript\); "
               r"with other voices .*recording$")
    with pytest.raises(InputError, match=refusal) as caught:
        steps.narration(english.audio, english.sample_rate, toolkit)
    assert "\n" not in str(caught.value)
    # Negative controls: at the bar, and without a measure (words not from Whisper), it is timed.
    for sure in (steps.MIN_LOG_PROBABILITY, None):
        toolkit = steps.Toolkit(transcriber=_Heard(english, 0.0, sure), cache_dir=tmp_path)
        speech, _ = steps.narration(english.audio, english.sample_rate, toolkit)
        assert _midpoint_error(speech.phonemes, english.phonemes) < 0.04


@pytest.fixture(scope="module")
def portuguese_copies():
    """Portuguese TTS speech, clean and under 5 dB babble: ({condition: samples}, rate)."""
    from tests.helpers.narrations import portuguese_under_babble

    (clean, rate), (noisy, _) = portuguese_under_babble(None), portuguese_under_babble(5)
    return {"clean": clean, "babble 5 dB SNR": noisy}, rate


@pytest.mark.slow
@pytest.mark.parametrize("condition", ["clean", "babble 5 dB SNR"])
def test_a_narration_too_noisy_for_whisper_is_refused(portuguese_copies, condition, tmp_path):
    """Whisper base hears under 5 dB babble under half the Portuguese words right (word error
    0.45, bench/bench_align.py --recognised): refused, one line; the clean copy is timed."""
    from pipeline.errors import ModelNotFoundError
    from translate.errors import TranslationError

    copies, rate = portuguese_copies
    toolkit = steps.Toolkit(cache_dir=tmp_path)
    try:
        toolkit.transcriber
    except (ModelNotFoundError, TranslationError) as exc:
        pytest.skip(f"Whisper base is not in the model store: {exc}")
    if condition == "clean":  # the negative control
        speech, heard = steps.narration(copies[condition], rate, toolkit, language="pt")
        assert heard.log_probability >= steps.MIN_LOG_PROBABILITY and speech.phonemes
        return
    with pytest.raises(InputError, match=r"too noisy to recognise reliably .*--transcript") as caught:
        steps.narration(copies[condition], rate, toolkit, language="pt")
    assert "\n" not in str(caught.value)
