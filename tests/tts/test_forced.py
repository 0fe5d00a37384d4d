"""Recorded narration with known words: the text aligned on the recording, no recogniser."""

import difflib

import numpy as np
import pytest

import tts
from tts.errors import AlignmentError
from tts.forced import align_text
from tts.timing import check_timing
from tts.types import check_timeline

ENGLISH = ["Switch off the machine.", "Wait five minutes."]


def _start_errors(truth, test) -> np.ndarray:
    sm = difflib.SequenceMatcher(a=[p[2] for p in truth], b=[p[2] for p in test], autojunk=False)
    return np.array([test[j + k][0] - truth[i + k][0] for i, j, n in sm.get_matching_blocks() for k in range(n)])


def test_known_text_gives_the_tts_timeline_words_and_sentences(english):
    aligned = align_text(english.audio, english.sample_rate, ENGLISH, "en")
    check_timeline(aligned.phonemes, english.duration)
    check_timing(english.audio, english.sample_rate, aligned.phonemes)
    errors = _start_errors(english.phonemes, aligned.phonemes)
    assert len(errors) > 0.6 * len(english.phonemes)
    assert np.mean(np.abs(errors)) < 0.04
    assert [w.text for w in aligned.words] == ["Switch", "off", "the", "machine", "Wait", "five", "minutes"]
    for mine, truth in zip(aligned.words, english.words):
        assert abs(mine.start - truth.start) < 0.08
    assert [s.text for s in aligned.sentences] == ENGLISH
    assert aligned.sentences[0].end < aligned.sentences[1].start
    assert abs(aligned.sentences[1].start - english.sentences[1].start) < 0.08
    # Negative control: the same words read over a recording delayed by 1 s start 1 s later.
    pad = np.zeros(english.sample_rate, np.float32)
    late = align_text(np.concatenate([pad, english.audio]), english.sample_rate, ENGLISH, "en")
    assert abs(late.words[0].start - aligned.words[0].start - 1.0) < 0.05


def test_the_same_recording_gives_the_same_timeline(english):
    from tts.espeak import Espeak

    first = align_text(english.audio, english.sample_rate, ENGLISH, "en")
    Espeak.shared().synthesize("Something else, spoken before the second try.", "en-us")
    assert align_text(english.audio, english.sample_rate, ENGLISH, "en") == first


@pytest.mark.parametrize("words, message", [
    (["Check the pressure gauge before you open the main valve."], "does not match|speech that the transcript"),
    (ENGLISH[:1], "does not match|speech that the transcript"),  # half the words
    (ENGLISH * 3, "speech that the transcript"),  # more words than were said
    (["!!! ..."], "no words"),
])
def test_a_transcript_that_is_not_what_was_said_is_a_one_line_error(english, words, message):
    with pytest.raises(AlignmentError, match=message) as caught:
        align_text(english.audio, english.sample_rate, words, "en")
    assert "\n" not in str(caught.value)
    if "no words" not in message:  # both causes are said, and no path that is worse on noise
        assert "words actually spoken" in str(caught.value) and "cleaner recording" in str(caught.value)
        assert "no transcript" not in str(caught.value)


def test_the_right_text_is_measured_well_inside_the_limits(english, german):
    from tts import forced

    for speech, text, language in ((english, ENGLISH, "en"),
                                   (german, ["Schalten Sie die Maschine aus.", "Warten Sie 5 Minuten."], "de")):
        aligned = align_text(speech.audio, speech.sample_rate, text, language)
        assert aligned.mismatch < forced.MAX_MISMATCH - 0.1
        assert forced.MIN_SPEECH_RATIO < aligned.speech_ratio < forced.MAX_SPEECH_RATIO
    # Negative control: a different text of about the same length is measured far worse.
    other = align_text(english.audio, english.sample_rate, ["Check the gauge, then close the valve."], "en",
                       max_mismatch=None)
    assert other.mismatch > aligned.mismatch + 0.1 or other.speech_ratio > forced.MAX_SPEECH_RATIO


def test_only_the_rows_of_phones_cost_a_stretch():
    """Stretch costs per row of the reading with its optional pause rows (ones here): the
    phones' rows cost `STRETCH_COST` per further frame; the reading's own pause (0.30-0.50 s),
    the optional rows and the rows before and after the words none."""
    from tts import forced

    per_word = [[(0.10, 0.20, "a"), (0.20, 0.30, "b")], [(0.50, 0.60, "c")], [(0.60, 0.70, "d")]]
    rows, position = forced._with_optional_pauses(np.zeros((80, 3)), np.ones(3), per_word)
    costs = forced._stretch_costs(len(rows), per_word, position)
    assert len(rows) == 83  # optional rows before "d" (the reading runs on into it), at each end
    assert np.flatnonzero(rows[:, 0]).tolist() == [0, 61, 82]
    phone_rows = np.zeros(83, bool)
    phone_rows[11:31] = phone_rows[51:61] = phone_rows[62:72] = True
    assert np.all(costs[phone_rows] == forced.STRETCH_COST) and np.all(costs[~phone_rows] == 0)


def test_long_narration_is_warped_in_bounded_bands(english, monkeypatch):
    """A narration longer than one unbanded pass (_WHOLE_FRAMES) goes through the coarse
    levels; no cost matrix of its full size is ever allocated."""
    from tts import warping

    audio = np.concatenate([english.audio] * 4)
    seen = []
    real = warping._banded

    def spy(a, b, expected, radius, stretch=None):
        seen.append((len(a), len(b), radius))
        return real(a, b, expected, radius, stretch)

    monkeypatch.setattr(warping, "_banded", spy)
    monkeypatch.setattr(warping, "_WHOLE_FRAMES", 300)
    aligned = align_text(audio, english.sample_rate, ENGLISH * 4, "en")
    assert len(seen) >= 2 and seen[-1][2] < seen[-1][1] / 4  # the finest level searched a band
    last = aligned.words[-1]
    truth = english.words[-1]
    assert abs(last.start - (truth.start + 3 * english.duration)) < 0.08


def test_a_pause_filled_by_babble_that_the_reading_lacks_is_not_spread_over_phones(english, german, portuguese,
                                                                                    monkeypatch):
    """The speaker pauses 0.6 s between 'Wait' and 'five' (no comma: espeak-ng reads on) and
    two other talkers murmur 15 dB down throughout: 'five' still starts after the pause, as
    the optional pause row before each word lets the warp match the pause to silence.
    (Measured: 31 ms early; without the rows 458 ms, STRETCH_COST or not. Before 'the' or
    'machine' in this short clip the rows do not help: 0.15-0.23 s early either way;
    bench_align --degraded measures the whole effect.)"""
    from tests.helpers import degrade
    from tts import forced

    rate, gap = english.sample_rate, 0.6
    five = next(w for w in english.words if w.text == "five")
    cut = int((five.start - 0.02) * rate)
    paused = np.concatenate([english.audio[:cut], np.zeros(int(gap * rate), np.float32), english.audio[cut:]])
    babble = degrade.babble([(german.audio, german.sample_rate), (portuguese.audio, portuguese.sample_rate)],
                            rate, len(paused))
    audio = degrade.mix(paused, babble, 15)

    def start_of_five() -> float:
        found = align_text(audio, rate, ENGLISH, "en")
        return next(w for w in found.words if w.text == "five").start - (five.start + gap)

    assert abs(start_of_five()) < 0.08
    # Negative control: without the optional pause rows the warp spreads 'Wait' over the pause
    # and 'five' starts well inside it.
    monkeypatch.setattr(forced, "_with_optional_pauses",
                        lambda rows, silence, words: (rows, lambda t, start: t / forced.HOP_S))
    assert start_of_five() < -0.2


def test_numbers_with_their_signs_are_read_as_the_synthesizer_reads_them():
    """A transcript's "£5", "2.5" are read whole ("five pounds", "two point five"), as the TTS
    said them: split at the signs they were read "five", "two. five", and the last word's
    phones ended before its speech did (a new user found "libras" left out of a cue)."""
    sentences = ["Torque it to 2.5 newton metres.", "The spare part costs £5."]
    speech = tts.Synthesizer().synthesize(sentences, "en")
    aligned = align_text(speech.audio, speech.sample_rate, sentences, "en")
    assert [w.text for w in aligned.words][-6:] == ["metres", "The", "spare", "part", "costs", "£5"]
    assert "2.5" in [w.text for w in aligned.words]
    assert abs(aligned.phonemes[-1].end - speech.phonemes[-1].end) < 0.05  # split at "£": 64 ms early
    assert abs(aligned.words[-1].end - speech.phonemes[-1].end) < 0.05
