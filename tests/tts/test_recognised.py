"""Recorded narration without its transcript: the recogniser's words timed by their text
(tts.recognised.align_recognised), not by the recogniser's word times."""

import numpy as np
import pytest

import tts
from tts.errors import AlignmentError
from tts.types import check_timeline
from tests.helpers.timelines import midpoint_error as _midpoint_error


def _heard(speech, shift: float = 0.0):
    """The speech's words as Whisper gives them (a leading space, sentence marks), moved by `shift` s."""
    ends = {len(speech.words) - 1} | {k for k, (w, after) in enumerate(zip(speech.words, speech.words[1:]))
                                      if after.start - w.end > 0.5}
    return [(s + shift, e + shift, f" {t}{'.' if k in ends else ''}") for k, (s, e, t) in enumerate(speech.words)]


def test_recognised_words_are_timed_by_their_text_not_their_times(english):
    """A recogniser's word times move with the recording's condition (issue 18 item 2); the
    timeline of its words must not. Words heard 0.6 s late (past the per-word warp's reach)
    give the same timeline as words heard on time, the engine's own."""
    late = _heard(english, 0.6)
    phones, words = tts.align_recognised(english.audio, english.sample_rate, late, "en")
    check_timeline(phones, english.duration)
    assert _midpoint_error(phones, english.phonemes) < 0.04
    assert tts.align_recognised(english.audio, english.sample_rate, _heard(english), "en")[0] == phones
    # The recogniser's own text is kept (subtitles come from it); each word where its phones are.
    assert [w[2] for w in words] == [t.strip() for _, _, t in late]
    assert all(abs(w[0] - t.start) < 0.08 for w, t in zip(words, english.words))
    # Negative control: warping each word near its recognised times follows those times.
    assert _midpoint_error(tts.align(english.audio, english.sample_rate, late, "en"), english.phonemes) > 0.1


def test_recognised_words_left_far_from_where_they_were_heard_are_an_error(english):
    sr = english.sample_rate
    audio = np.concatenate([english.audio, np.zeros(3 * sr, np.float32)])
    heard = _heard(english)
    # Heard in the silence after the speech (a recogniser's hallucination, a wrong recording).
    late = heard[:2] + [(s + 2.5, e + 2.5, t) for s, e, t in heard[2:]]
    with pytest.raises(AlignmentError, match="disagree") as caught:
        tts.align_recognised(audio, sr, late, "en")
    assert "\n" not in str(caught.value)
    # Negative controls: the same recording with the words where they are heard, and only two
    # words in a row far off (a recogniser's slip, not a long stretch), are timed, every word
    # where it is spoken (the 3 s of silence after the speech are not aligned: HEARD_MARGIN_S).
    slip = heard[:2] + [(s + 1.5, e + 1.5, t) for s, e, t in heard[2:4]] + heard[4:]
    for words in (heard, slip):
        phones, placed = tts.align_recognised(audio, sr, words, "en")
        assert _midpoint_error(phones, english.phonemes) < 0.04
        assert all(w is not None and abs(w[0] - t.start) < 0.08 for w, t in zip(placed, english.words))


def test_recognised_words_without_letters_are_left_out(english):
    heard = _heard(english)
    with_a_dash = heard[:4] + [(1.2, 1.3, " —")] + heard[4:]
    _, words = tts.align_recognised(english.audio, english.sample_rate, with_a_dash, "en")
    assert [w[2] for w in words] == [t.strip() for _, _, t in heard]
    with pytest.raises(AlignmentError, match="no words"):
        tts.align_recognised(english.audio, english.sample_rate, [(0.1, 0.2, " …")], "en")


def test_recognised_words_without_duration_are_left_out_of_the_timing(english, caplog):
    """faster-whisper collapses the times of text it decoded twice to one instant (zero-length
    words); aligning that text would squeeze the words it repeats onto the speech."""
    heard = _heard(english)
    at = heard[3][1]
    repeated = heard[:4] + [(at, at, t) for _, _, t in heard[:4]] + heard[4:]
    with caplog.at_level("WARNING", logger="tts.recognised"):
        phones, words = tts.align_recognised(english.audio, english.sample_rate, repeated, "en")
    assert phones == tts.align_recognised(english.audio, english.sample_rate, heard, "en")[0]
    assert words[4:8] == [None] * 4 and all(words[:4]) and all(words[8:])
    assert "4 recognised words with no duration" in caplog.text
    with pytest.raises(AlignmentError, match="no duration"):
        tts.align_recognised(english.audio, english.sample_rate, [(0.5, 0.5, t) for _, _, t in heard], "en")
