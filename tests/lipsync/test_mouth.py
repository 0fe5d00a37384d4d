from fractions import Fraction

import numpy as np
import pytest

from lipsync.mouth import envelope_per_frame, mouth_track, phone_visemes

FPS = Fraction(25)


def frame_at(t: float) -> int:
    return int(t * 25)


def test_bilabials_close_fully_between_open_vowels():
    tl = [(0.2, 0.4, "a"), (0.4, 0.5, "m"), (0.5, 0.7, "a"), (0.7, 0.8, "p"), (0.8, 1.0, "a"), (1.0, 1.1, "b")]
    track = mouth_track(tl, 30, FPS, lead=0.0)
    for start, end, phone in tl:
        mid = frame_at((start + end) / 2)
        if phone in "mpb":
            assert track.closed[mid] and track.shape[mid, 0] == 0.0
        else:
            assert track.shape[mid, 0] > 0.5


def test_silence_and_gaps_rest_the_mouth():
    tl = [(0.2, 0.5, "a"), (1.5, 1.8, "a")]
    track = mouth_track(tl, 60, FPS, lead=0.0)
    assert track.shape[frame_at(0.35), 0] > 0.6
    assert track.shape[frame_at(1.0), 0] < 0.05  # in the pause
    assert track.shape[frame_at(2.3), 0] < 0.05  # after the last phone
    assert track.shape[0, 0] < 0.05  # before the first


def test_empty_timeline_and_silent_audio_give_rest():
    assert np.all(mouth_track([], 20, FPS).shape[:, 0] < 1e-3)
    tl = [(0.0, 0.8, "a")]
    silent = mouth_track(tl, 20, FPS, np.zeros(16000, np.float32), 16000)
    assert np.all(silent.shape[:, 0] == 0.0)
    # Negative control: the same timeline with sound opens the mouth.
    loud = mouth_track(tl, 20, FPS, 0.3 * np.ones(16000, np.float32), 16000)
    assert loud.shape[:, 0].max() > 0.5


def test_envelope_closes_the_mouth_in_a_pause_inside_a_long_phone():
    sr = 16000
    audio = 0.3 * np.ones(2 * sr, np.float32)
    audio[int(0.8 * sr):int(1.2 * sr)] = 0.0
    track = mouth_track([(0.0, 2.0, "a")], 50, FPS, audio, sr)
    assert track.shape[frame_at(1.0), 0] < 0.05
    assert track.shape[frame_at(0.4), 0] > 0.6


def test_coarticulation_rounds_a_consonant_before_a_rounded_vowel():
    before_u = mouth_track([(0.2, 0.3, "t"), (0.3, 0.4, "u")], 15, FPS, lead=0.0)
    before_i = mouth_track([(0.2, 0.3, "t"), (0.3, 0.4, "i")], 15, FPS, lead=0.0)
    f = frame_at(0.27)
    assert before_u.shape[f, 2] > before_i.shape[f, 2] + 0.1
    # A weak consonant between open vowels stays fairly open.
    vhv = mouth_track([(0.2, 0.4, "a"), (0.4, 0.48, "h"), (0.48, 0.7, "a")], 20, FPS, lead=0.0)
    assert vhv.shape[frame_at(0.44), 0] > 0.5


@pytest.mark.parametrize("phone,expect", [
    ("aɪ", ["open", "close_front"]), ("tʃ", ["postalveolar"]), ("ˈa", ["open"]), ("ɐ̃", ["open_back"]),
    ("oʊ", ["mid_round", "close_round"]), ("ʊ̯", ["close_round"]), ("5", []), ("ɯ", ["close_back"]),
])
def test_phone_visemes(phone, expect):
    assert [v.name for v in phone_visemes(phone)] == expect


def test_unknown_symbols_fall_back_by_character_class():
    assert phone_visemes("ǝ")  # a letter it does not list: some mouth shape, never an error
    assert phone_visemes("ŭ")[0].name == "close_round"  # decomposes to u
    assert phone_visemes("˧˥") == []  # tone letters carry no mouth shape
    track = mouth_track([(0.0, 0.2, "ʘ"), (0.2, 0.4, "ǃ"), (0.4, 0.6, "ɚ")], 15, FPS)
    assert np.isfinite(track.shape).all()


def test_envelope_is_zero_for_silence_and_normalised_for_speech():
    assert not envelope_per_frame(np.zeros(8000), 16000, 10, FPS).any()
    env = envelope_per_frame(0.5 * np.ones(16000), 16000, 25, FPS)
    assert env.max() == pytest.approx(1.0, abs=0.05)


def test_a_stop_silence_inside_a_phone_closes_the_mouth():
    """The timeline stretches a phone over a 120 ms silence (a hesitation it did not mark):
    nothing is heard there, so the lips rest."""
    from tests.helpers.signals import voice

    sr = 16000
    audio = voice(1.2, sr)
    audio[int(0.50 * sr):int(0.62 * sr)] = 0.0
    audio += np.random.default_rng(1).normal(0, 1e-3, len(audio)).astype(np.float32)  # room noise
    track = mouth_track([(0.1, 1.1, "a")], 30, FPS, audio, sr)
    assert track.shape[frame_at(0.56), 0] < 0.35 * track.shape[frame_at(0.3), 0]
    # Negative control: the same phone over continuous sound stays open there.
    steady = mouth_track([(0.1, 1.1, "a")], 30, FPS, voice(1.2, sr), sr)
    assert steady.shape[frame_at(0.56), 0] > 0.6


def test_inertia_keeps_the_opening_from_jumping_between_frames():
    """Phones one frame long, alternating open and nearly closed: a jaw cannot follow that,
    so the opening moves smoothly instead of flickering frame to frame."""
    tl = [(0.2 + 0.04 * k, 0.24 + 0.04 * k, "a" if k % 2 else "s") for k in range(16)]
    smooth = mouth_track(tl, 30, FPS, lead=0.0).shape[6:20, 0]
    jumpy = mouth_track(tl, 30, FPS, lead=0.0, inertia=0.0).shape[6:20, 0]  # negative control
    assert np.abs(np.diff(smooth)).sum() < 0.3 * np.abs(np.diff(jumpy)).sum()
    assert smooth.min() > 0.5  # still speaking, not flattened to rest


def test_a_diphthong_glides_short_of_its_second_target():
    """/aɪ/: the jaw opens on /a/ for most of the vowel and glides toward /ɪ/ without reaching
    the closeness of a plain /ɪ/ (undershoot)."""
    glide = mouth_track([(0.2, 0.6, "aɪ")], 20, FPS, lead=0.0, inertia=0.0)
    plain = mouth_track([(0.2, 0.4, "a"), (0.4, 0.6, "ɪ")], 20, FPS, lead=0.0, inertia=0.0)
    assert glide.shape[frame_at(0.38), 0] > 0.8 * glide.shape[frame_at(0.25), 0]  # nucleus holds
    assert glide.shape[frame_at(0.56), 0] > plain.shape[frame_at(0.56), 0] + 0.05
