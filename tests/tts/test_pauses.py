"""Pauses in a recording and the words around them (tts/pauses.py)."""

import numpy as np

from tts import pauses


def test_a_pause_the_reading_lacks_goes_to_the_word_boundary():
    # The warp stretched the last phones of word 0 over a pause at 1.50-1.83 s.
    words = [[(1.2, 1.3, "t"), (1.3, 1.6, "r"), (1.6, 1.88, "o")], [(1.88, 2.0, "a"), (2.0, 2.2, "n")]]
    moved = pauses.pauses_at_word_boundaries(words, [(1.50, 1.83)])
    assert moved[0][-1][1] <= 1.50 + pauses._TAIL_S + 1e-9
    assert moved[1][0][0] >= 1.83 - pauses._LEAD_S - 1e-9
    assert moved[1][-1][1] == 2.2  # times beyond SNAP_S of the pause stay
    flat = [t for w in moved for s, e, _ in w for t in (s, e)]
    assert flat == sorted(flat)
    # Negative control: a pause no phone reaches into is left alone.
    assert pauses.pauses_at_word_boundaries(words, [(3.0, 3.5)]) == words


def test_a_word_already_after_the_pause_moves_only_by_what_it_starts_inside_it():
    # Word 0 ends 0.12 s into a pause at 1.00-1.70 s (over _MIN_INSIDE_S), word 1 starts at
    # 1.66 s, 20 ms before the pause's end less its quiet lead: the pause goes to their
    # boundary, word 0 ends at its start, and word 1 moves by at most those 20 ms (squeezed
    # from word 0's end, as before, its second phone went 150 ms late).
    words = [[(0.7, 0.9, "f"), (0.9, 1.12, "t")], [(1.66, 1.75, "w"), (1.75, 1.9, "e")]]
    moved = pauses.pauses_at_word_boundaries(words, [(1.00, 1.70)])
    assert moved[0][-1][1] <= 1.00 + pauses._TAIL_S + 1e-9
    assert abs(moved[1][0][0] - (1.70 - pauses._LEAD_S)) < 1e-9
    assert 0.0 <= moved[1][1][0] - 1.75 <= 0.02
    # A next word starting after the pause's end is not moved at all.
    later = [words[0], [(1.72, 1.8, "w"), (1.8, 1.9, "e")]]
    assert pauses.pauses_at_word_boundaries(later, [(1.00, 1.70)])[1] == later[1]


def test_a_quiet_run_the_detector_calls_silence_is_a_pause_with_edges_from_the_level():
    """Levels per 10 ms frame: speech at -20 dB, a quiet stretch at -70 dB from 1.00 to 1.40 s;
    the detector's silent run trails by 0.1 s (its hangover) and ends early."""
    db = np.full(300, -20.0)
    db[100:140] = -70.0
    speech = np.ones(300, bool)
    speech[110:135] = False
    found = pauses.find_pauses(db, speech)
    assert len(found) == 1 and abs(found[0][0] - 1.00) < 0.011 and abs(found[0][1] - 1.40) < 0.011
    # Negative controls: a silent run of the detector where the level stays up (babble, music
    # the detector hears as silence) and a quiet run the detector calls speech are no pauses.
    assert pauses.find_pauses(np.full(300, -20.0), speech) == []
    assert pauses.find_pauses(db, np.ones(300, bool)) == []


def test_runs_are_half_open_index_pairs():
    assert pauses.runs(np.array([0, 1, 1, 0, 1], bool)) == [(1, 3), (4, 5)]
    assert pauses.runs(np.zeros(3, bool)) == []


def _tone(seconds: float, sr: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def test_the_sounding_span_cuts_long_silence_off_both_ends_and_keeps_a_margin():
    sr = 16000
    audio = np.concatenate([np.zeros(2 * sr, np.float32), _tone(1.0), np.zeros(3 * sr, np.float32)])
    span = pauses.sounding_span(audio, sr)
    margin = pauses.SPAN_MARGIN_S * sr
    assert abs(span.start - (2 * sr - margin)) <= 0.02 * sr
    assert abs(span.stop - (3 * sr + margin)) <= 0.02 * sr
    assert pauses.sounding_span(audio[span], sr) == slice(0, len(audio[span]))  # its own span


def test_short_silence_and_a_silent_recording_are_kept_whole():
    sr = 16000
    short = np.concatenate([np.zeros(sr // 2, np.float32), _tone(1.0), np.zeros(sr, np.float32)])
    assert pauses.sounding_span(short, sr) == slice(0, len(short))
    silent = np.zeros(sr, np.float32)
    assert pauses.sounding_span(silent, sr) == slice(0, sr)


def test_shifted_moves_every_time_and_keeps_the_type():
    from tts.types import Phone
    moved = pauses.shifted((Phone(0.1, 0.2, "a"), Phone(0.2, 0.5, "b")), 1.5)
    assert moved == (Phone(1.6, 1.7, "a"), Phone(1.7, 2.0, "b")) and isinstance(moved[0], Phone)
