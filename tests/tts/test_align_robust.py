"""The recognised path's timeline on degraded copies (issue 18 item 2, no transcript given).

Clean TTS speech (Piper in English, Kokoro in Portuguese) and copies of it degraded in code (tests/helpers/degrade.py)
are each heard by Whisper base as a narration is (pipeline.steps.NARRATION_RECOGNISER) and timed by
`tts.recognised.align_recognised` (Whisper's text timed by the given-words aligner); the phones of
the words heard in both copies (matched by spelling) must start within 30 ms of the clean
copy's on average and 60 ms at the 95th percentile. bench/bench_align.py --recognised measures
every condition in English and Portuguese. A copy Whisper is too unsure of (its mean
log-probability per token under pipeline.steps.MIN_LOG_PROBABILITY) is refused by the narration
step instead (its transcript must be given): such a copy must fall below the bar, the others not.
Aligned as the narration step aligns: with Whisper base's encoder frames joining the warp where
a copy is noisy or reverberant (tts.encoded, pipeline.speech_encoder).
"""

import numpy as np
import pytest

from tests.helpers import degrade
from tests.helpers.degrade import SPOKEN_TEXT as TEXT
from tts.recognised import align_recognised

pytestmark = pytest.mark.slow

#: English in the 0.8 s room missed the goal (22 / 67 ms) before Whisper's encoder frames joined
#: the warp (bench/bench_align.py --recognised).
CASES = [("en", "AAC 32 kbit/s"), ("en", "reverb RT60 0.8 s"), ("en", "telephone 8 kHz"),
         ("pt", "reverb RT60 0.8 s"), ("pt", "MP3 32 kbit/s"), ("pt", "babble 10 dB SNR"), ("pt", "telephone 8 kHz"),
         ("pt", "babble 5 dB SNR")]
#: Refused by the narration step (bench/bench_align.py --recognised): Whisper base hears under
#: half the words right (word error 0.45, mean log-probability per token -0.60): no text to time
#: (its phones would be 33/262 ms from the clean copy's, 108 of 183 compared).
REFUSED = {("pt", "babble 5 dB SNR")}


@pytest.fixture(scope="module")
def hear():
    import translate
    from pipeline.models import ModelStore
    from pipeline.steps import NARRATION_RECOGNISER

    try:
        return translate.Transcriber(ModelStore().path("whisper-base"), **NARRATION_RECOGNISER)
    except Exception as exc:  # the model store has no Whisper: nothing to measure
        pytest.skip(f"Whisper base is not in the model store: {exc}")


@pytest.fixture(scope="module")
def copies(synth, hear):
    """language -> (clean (timeline, words), {condition: (copy, shift_s)}, rate)."""
    talkers = degrade.talkers(synth)  # the same samples in every run
    out = {}
    for language in sorted({getattr(case, "values", case)[0] for case in CASES}):
        clean = synth.synthesize(TEXT[language], language)
        others = [(t.audio, t.sample_rate) for lang, t in talkers.items() if lang != language][:3]
        babble = degrade.babble(others, clean.sample_rate, len(clean.audio))
        conditions = degrade.conditions(clean.audio, clean.sample_rate, babble)
        out[language] = (_timeline(hear, clean.audio, clean.sample_rate, language), conditions, clean.sample_rate)
    return out


def _encoder(hear):
    from pipeline.speech_encoder import WhisperEncoderFrames

    return WhisperEncoderFrames(lambda: hear.model)


def _timeline(hear, audio, rate, language):
    return align_recognised(audio, rate, hear.transcribe(audio, rate, language=language).words, language,
                            encoder=_encoder(hear))


@pytest.mark.parametrize("language, condition", CASES)
def test_phones_of_words_heard_in_both_copies_stay_with_the_clean_copy(copies, hear, language, condition):
    from pipeline.steps import MIN_LOG_PROBABILITY

    clean, conditions, rate = copies[language]
    audio, shift = conditions[condition]
    heard = hear.transcribe(audio, rate, language=language)
    if (language, condition) in REFUSED:
        assert heard.log_probability < MIN_LOG_PROBABILITY
        return
    assert heard.log_probability >= MIN_LOG_PROBABILITY  # the narration step times it
    timeline = align_recognised(audio, rate, heard.words, language, encoder=_encoder(hear))
    errors = np.abs(degrade.common_word_start_errors(clean, timeline, shift))
    assert len(errors) > 0.7 * len(clean[0])
    assert errors.mean() <= 0.030 and np.percentile(errors, 95) <= 0.060, \
        f"mean {errors.mean() * 1000:.0f} ms, p95 {np.percentile(errors, 95) * 1000:.0f} ms"


def test_the_comparison_sees_a_timeline_100_ms_late(copies):
    """Negative control for the measure: the clean timeline against itself moved 100 ms."""
    clean, _, _ = copies["en"]
    late = ([(s + 0.1, e + 0.1, p) for s, e, p in clean[0]],
            [(w[0] + 0.1, w[1] + 0.1, w[2]) if w else None for w in clean[1]])
    errors = np.abs(degrade.common_word_start_errors(clean, late))
    assert len(errors) == len(clean[0]) and errors.mean() > 0.030
    assert np.abs(degrade.common_word_start_errors(clean, late, 0.1)).max() < 1e-9
