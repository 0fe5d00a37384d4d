"""Voice activity from Silero's ONNX model (shipped with faster-whisper), run with onnxruntime."""

import numpy as np
import pytest

from tts import vad


def test_the_model_is_found_without_importing_faster_whisper():
    import subprocess
    import sys

    code = ("import sys; from tts import vad; "
            "print(vad.model_path().name, vad.speech_probability([0.0] * 512, 16000).shape, 'faster_whisper' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["silero_vad_v6.onnx", "(1,)", "False"]


@pytest.mark.parametrize("bed", ["noise", "music"])
def test_speech_is_speech_and_a_noise_bed_or_music_is_not(english, bed):
    """TTS speech, then 1.5 s of a steady noise bed or of a melody, as loud as the speech:
    energy calls all of it sound, the detector only the speech (after its hangover; a
    melody's first notes can pass for speech for ~0.2 s)."""
    from tests.helpers.voices import tune
    from tts.audio import frame_energy_db

    rate = english.sample_rate
    level = float(np.sqrt(np.mean(english.audio ** 2)))
    after = np.random.default_rng(0).normal(size=int(1.5 * rate)) if bed == "noise" else tune(1.5, rate)
    audio = np.concatenate([english.audio, after / np.sqrt(np.mean(after ** 2)) * level]).astype(np.float32)
    speech = vad.speech_frames(audio, rate)
    assert speech.dtype == bool and len(speech) == 1 + int(len(audio) / rate / vad.HOP_S)
    end = int(english.duration / vad.HOP_S)
    words = [(int(w.start / vad.HOP_S), int(w.end / vad.HOP_S)) for w in english.words]
    inside = np.concatenate([np.arange(a, b) for a, b in words])
    assert speech[inside].mean() > 0.9
    assert speech[end + 30:].mean() < 0.05
    # Negative control: energy takes the bed for sound.
    db = frame_energy_db(audio, rate)
    assert (db[end + 30:] > db.max() - 40).mean() > 0.9


def test_probabilities_cover_the_recording_in_32_ms_windows_at_any_rate():
    rate = 22050
    silence = np.zeros(rate, np.float32)
    probability = vad.speech_probability(silence, rate)
    assert probability.shape == (-(-16000 // 512),) and probability.dtype == np.float32
    assert probability.max() < vad.NEG_THRESHOLD
    assert vad.speech_probability(np.zeros(0, np.float32), rate).shape == (0,)


def test_a_missing_model_is_a_one_line_error(monkeypatch):
    import importlib.util

    from tts.errors import SpeechError

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(SpeechError, match="reinstall faster-whisper") as caught:
        vad.model_path()
    assert "\n" not in str(caught.value)
