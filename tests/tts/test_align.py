"""Recorded narration: timed words → phoneme timeline (espeak-ng's phones warped onto the recording)."""

import sys

import numpy as np
import pytest

import tts
from tts.types import check_timeline
from tests.helpers.timelines import midpoint_error as _midpoint_error


@pytest.mark.parametrize("which, language", [("german", "de"), ("english", "en")])
def test_align_reproduces_the_tts_timeline(which, language, request):
    speech = request.getfixturevalue(which)
    aligned = tts.align(speech.audio, speech.sample_rate, speech.words, language)
    check_timeline(aligned, speech.duration)
    tts.check_timing(speech.audio, speech.sample_rate, aligned)
    assert _midpoint_error(aligned, speech.phonemes) < 0.04
    # Negative control: words placed 1 s late (beyond what the warp may correct) give a
    # timeline that is measurably off.
    late = [(s + 1.0, e + 1.0, t) for s, e, t in speech.words]
    shifted = tts.align(speech.audio, speech.sample_rate, late, language)
    assert _midpoint_error(shifted, speech.phonemes) > 0.2


def test_warp_corrects_rough_word_edges(english, monkeypatch):
    """Recognisers place word edges roughly (Whisper's run ~100 ms early); the warp onto
    espeak-ng's recording of the words puts the phones back where they are heard."""
    rng = np.random.default_rng(7)
    rough = [(s - 0.15 + rng.uniform(-0.05, 0.05), e - 0.15 + rng.uniform(-0.05, 0.05), t)
             for s, e, t in english.words]
    rough = [(max(s, 0.0), max(e, s + 0.05), t) for s, e, t in rough]
    aligned = tts.align(english.audio, english.sample_rate, rough, "en")
    assert _midpoint_error(aligned, english.phonemes) < 0.04
    # Negative control: without the warp the phones stay where the rough edges put them.
    monkeypatch.setattr(sys.modules["tts.align"], "_warp_phones", lambda *a: [None] * len(a[4]))
    spread = tts.align(english.audio, english.sample_rate, rough, "en")
    assert _midpoint_error(spread, english.phonemes) > 0.07


def test_align_transcript_gives_known_words_recognised_times():
    recognised = [(0.0, 0.4, "Switch"), (0.4, 0.6, "of"), (0.6, 0.7, "the"), (0.7, 1.2, "machine.")]
    words = tts.align_transcript("Switch off the machine, then wait.", recognised)
    assert [w for _, _, w in words] == ["Switch", "off", "the", "machine", "then", "wait"]
    assert words[0][:2] == (0.0, 0.4) and words[3][:2] == (0.7, 1.2)
    assert words[1][:2] == (0.4, 0.6)  # misheard "of" still lends its time to "off"
    assert all(a <= b for (_, a, _), (b, _, _) in zip(words, words[1:]))


def test_phonemize_gives_each_words_phones():
    out = tts.phonemize("Switch off the machine", "en")
    assert [w for w, _ in out] == ["Switch", "off", "the", "machine"]
    assert out[0][1] == ("s", "w", "ɪ", "tʃ")
    assert all("ˈ" not in p and "ː" not in p for _, phones in out for p in phones)
    assert [w for w, _ in tts.phonemize("Desligue a máquina", "pt")] == ["Desligue", "a", "máquina"]


def test_word_running_into_a_pause_is_pulled_in_to_its_sound():
    sr = 16000
    t = np.arange(sr) / sr
    audio = np.where(t < 0.5, 0.3 * np.sin(2 * np.pi * 180 * t), 0.0).astype(np.float32)
    phones = tts.align(audio, sr, [(0.0, 1.0, "mama")], "en")
    assert phones[-1].end < 0.6  # the recogniser's span ran to 1.0 s; the sound stops at 0.5 s
    loose = tts.align(np.full(sr, 0.1, np.float32) * np.sign(np.sin(2 * np.pi * 180 * t)).astype(np.float32),
                      sr, [(0.0, 1.0, "mama")], "en")
    assert loose[-1].end > 0.9  # negative control: sound all the way, span kept


def test_no_warped_phone_is_squeezed_below_the_shortest_spoken_phone():
    align_module = sys.modules["tts.align"]
    # A /b/ the warp left 3 ms long (a stop's closure matched to the stop before it).
    squeezed = [(3.406, 3.409, "b"), (3.409, 3.56, "aɪ")]
    fixed = align_module._with_min_durations(squeezed)
    assert [p for _, _, p in fixed] == ["b", "aɪ"]
    assert fixed[0][0] == 3.406 and fixed[-1][1] == 3.56  # the word keeps its span
    assert fixed[0][1] - fixed[0][0] >= align_module.MIN_PHONE_S - 1e-9
    assert all(b == c for (_, b, _), (c, _, _) in zip(fixed, fixed[1:]))
    # Negative control: phones long enough are left exactly as they were.
    fine = [(1.0, 1.06, "b"), (1.06, 1.2, "aɪ")]
    assert align_module._with_min_durations(fine) == fine
    # A word shorter than its phones' minimum shares its span equally.
    tight = align_module._with_min_durations([(0.0, 0.001, "t"), (0.001, 0.06, "u")])
    assert abs((tight[0][1] - tight[0][0]) - 0.03) < 1e-9


def test_align_gives_the_same_timeline_whatever_espeak_ng_spoke_before(english):
    from tts.espeak import Espeak

    espeak = Espeak.shared()
    first = tts.align(english.audio, english.sample_rate, english.words, "en")
    espeak.synthesize("Something else entirely, spoken at some length before the second try.", "en-us")
    again = tts.align(english.audio, english.sample_rate, english.words, "en")
    assert again == first
    # Negative control: why the reading is spoken in a fresh process. In this one, the same
    # text does not come out the same after other speech (libespeak-ng's pitch flutter).
    before = espeak.synthesize("Switch off the machine.", "en-us").audio
    espeak.synthesize("Wait five minutes, then check the gauge.", "en-us")
    after = espeak.synthesize("Switch off the machine.", "en-us").audio
    assert len(before) != len(after) or not np.array_equal(before, after)


def test_a_failed_fresh_reading_says_why_in_one_line():
    from tts.errors import SpeechError
    from tts.espeak import speak_afresh

    with pytest.raises(SpeechError, match="no voice 'xx-nowhere'") as caught:
        speak_afresh("Switch off the machine.", "xx-nowhere")
    assert "\n" not in str(caught.value)
