"""The Piper backend reads the same text the same way every time (seeded VITS noise)."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from tts.backends.piper_backend import BUNDLED, PiperBackend

TEXT = "Check the pressure gauge before you open the main valve."


@pytest.fixture(scope="module")
def piper():
    backend = PiperBackend()
    voice = next((v for v in backend.voices() if v.id == f"piper:{BUNDLED}"), None)
    if voice is None:
        pytest.skip(f"the bundled Piper voice {BUNDLED} is not installed")
    return backend, voice


def test_two_calls_give_equal_samples_and_timelines(piper):
    backend, voice = piper
    first = backend.speak(TEXT, voice, "en", 1.0)
    backend.speak("Wear gloves and safety glasses.", voice, "en", 1.0)  # a read in between changes nothing
    second = backend.speak(TEXT, voice, "en", 1.0)
    np.testing.assert_array_equal(first.audio, second.audio)
    assert first.phones == second.phones and first.words == second.words


def test_reads_on_two_threads_equal_a_read_alone(piper):
    backend, voice = piper
    alone = backend.speak(TEXT, voice, "en", 1.0)
    with ThreadPoolExecutor(2) as pool:
        both = list(pool.map(lambda _: backend.speak(TEXT, voice, "en", 1.0), range(2)))
    for read in both:
        np.testing.assert_array_equal(read.audio, alone.audio)


def test_a_slower_rate_is_a_longer_reading(piper):
    """The length scale still reaches the model (the noise inputs ride beside Piper's feeds)."""
    backend, voice = piper
    normal, slow = backend.speak(TEXT, voice, "en", 1.0), backend.speak(TEXT, voice, "en", 0.7)
    assert len(slow.audio) > 1.2 * len(normal.audio)  # 1.43x the phones; pauses fixed
