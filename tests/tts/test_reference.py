"""The speaker reference for cloning (issue 16 item 4): the cleanest 6-15 s of one speaker's speech.

Every track is built here from synthesized speech (Kokoro's jf_alpha, a woman's voice, and
jm_kumo, a man's), noise, clipping and silence, so the right stretch is known."""

import numpy as np
import pytest

from tests.helpers.voices import FEMALE, MALE, speak, tune
from tts.profile import SpeakerEncoder
from tts.reference import MAX_REFERENCE_S, MIN_REFERENCE_S, NoReferenceError, ReferenceStretch, choose_reference

PARAGRAPH = ("Clean the filling nozzle at the end of every shift.", "Then switch off the machine.",
             "Wait five minutes before you open the cover.", "Dry every part with a clean cloth.")


@pytest.fixture(scope="module")
def encoder():
    return SpeakerEncoder()


@pytest.fixture(scope="module")
def woman(synth):
    audio, rate = speak(synth, FEMALE, PARAGRAPH)
    assert len(audio) / rate > MIN_REFERENCE_S + 1  # long enough to hold a reference
    return audio, rate


@pytest.fixture(scope="module")
def man(synth):
    return speak(synth, MALE, PARAGRAPH[:2])


def _floor(n: int, seed: int = 0) -> np.ndarray:
    """A quiet room: noise 60 dB under full scale (digital silence has no noise floor to measure)."""
    return (1e-3 * np.random.default_rng(seed).standard_normal(n)).astype(np.float32)


def _silence(seconds: float, rate: int) -> np.ndarray:
    return np.zeros(int(seconds * rate), np.float32)


def _track(parts, rate):
    """The parts joined, with the room's floor under everything, and each part's (start, end) in s."""
    bounds, t = [], 0.0
    for p in parts:
        bounds.append((t, t + len(p) / rate))
        t += len(p) / rate
    audio = np.concatenate(parts)
    return audio + _floor(len(audio)), bounds


def _inside(stretch: ReferenceStretch, span, slack: float = 0.05) -> bool:
    return span[0] - slack <= stretch.start_s and stretch.end_s <= span[1] + slack


def test_the_clean_stretch_is_chosen_over_a_noisy_and_a_clipped_one(woman, encoder):
    speech, rate = woman
    noisy = speech + (0.05 * np.random.default_rng(1).standard_normal(len(speech))).astype(np.float32)
    clipped = np.clip(speech * 6.0, -1.0, 1.0)
    audio, bounds = _track([_silence(1, rate), noisy, _silence(2, rate), speech, _silence(2, rate), clipped,
                            _silence(1, rate)], rate)
    stretch = choose_reference(audio, rate, encoder=encoder)
    assert _inside(stretch, bounds[3]), (stretch, bounds[3])
    assert MIN_REFERENCE_S <= stretch.duration <= MAX_REFERENCE_S
    assert stretch.speech_s > 0.6 * stretch.duration and stretch.snr_db > 30
    clip = stretch.cut(audio, rate)
    assert len(clip) == pytest.approx(stretch.duration * rate, abs=2) and np.max(np.abs(clip)) < 0.99
    # without the clean copy, the noisy one is the best there is (the clipped one never is)
    audio, bounds = _track([noisy, _silence(2, rate), clipped], rate)
    second = choose_reference(audio, rate, encoder=encoder)
    assert _inside(second, bounds[0]) and second.snr_db < stretch.snr_db


def test_a_long_talk_gives_at_most_15_seconds_and_the_rate_does_not_matter(woman, encoder):
    speech, rate = woman
    gap = _silence(0.1, rate)  # with the voice's own lead-in and tail: pauses of about 0.5 s
    audio, bounds = _track([speech, gap, speech, gap, speech], rate)
    stretch = choose_reference(audio, rate, encoder=encoder)
    assert MIN_REFERENCE_S <= stretch.duration <= MAX_REFERENCE_S + 1e-6 and stretch.duration > 12
    import librosa

    again = choose_reference(librosa.resample(audio, orig_sr=rate, target_sr=16000), 16000, encoder=encoder)
    assert abs(again.start_s - stretch.start_s) < 0.3 and abs(again.end_s - stretch.end_s) < 0.3


def test_two_speakers_give_a_stretch_of_the_dominant_one_and_say_so(woman, man, encoder):
    (her, rate), (him, his_rate) = woman, man
    assert rate == his_rate
    audio, bounds = _track([her, _silence(0.3, rate), him], rate)
    stretch = choose_reference(audio, rate, encoder=encoder)
    assert _inside(stretch, bounds[0], slack=0.3), (stretch, bounds)
    assert any("2 speakers" in n for n in stretch.notes)


@pytest.mark.parametrize("case", ["silence", "short", "music", "too_long_pauses"])
def test_no_usable_reference_is_one_line_saying_why(case, woman, encoder):
    speech, rate = woman
    if case == "silence":
        audio, rate, match = np.zeros(rate * 8, np.float32), rate, "silent"
    elif case == "short":
        four = speech[: int(4 * rate)]
        audio, match = _track([_silence(1, rate), four, _silence(1, rate)], rate)[0], "cloning needs 6 s"
    elif case == "music":
        audio, rate, match = tune(8.0), 16000, "needs 6 s|no speech"
    else:  # 3 s of speech, 2 s of silence, 3 s of speech: pauses that long end a stretch
        piece = speech[: int(3 * rate)]
        audio, match = _track([piece, _silence(2, rate), piece], rate)[0], "cloning needs 6 s"
    with pytest.raises(NoReferenceError, match=match) as err:
        choose_reference(audio, rate, encoder=encoder)
    assert "\n" not in str(err.value)


def test_the_stretch_round_trips_through_json():
    stretch = ReferenceStretch(1.25, 9.5, 41.0, 7.2, ("2 speakers heard",))
    assert ReferenceStretch.from_dict(stretch.to_dict()) == stretch
    assert stretch.duration == pytest.approx(8.25)
