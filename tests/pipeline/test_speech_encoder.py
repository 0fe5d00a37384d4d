"""pipeline.speech_encoder: Whisper base's encoder frames for the aligner (tts.encoded.SpeechEncoder)."""

import numpy as np
import pytest

from pipeline.speech_encoder import WhisperEncoderFrames
from tts.encoded import SpeechEncoder


@pytest.fixture(scope="module")
def whisper():
    import translate
    from pipeline.models import ModelStore

    try:
        transcriber = translate.Transcriber(ModelStore().path("whisper-base"))
        return transcriber.model
    except Exception as exc:  # the model store has no Whisper: nothing to run
        pytest.skip(f"Whisper base is not in the model store: {exc}")


def _tones(seconds: float, rate: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.2 * np.sin(2 * np.pi * (220 + 40 * np.floor(t)) * t)).astype(np.float32)


def test_it_is_a_speech_encoder_and_loads_the_model_only_when_used():
    loaded = []
    encoder = WhisperEncoderFrames(lambda: loaded.append(1))
    assert isinstance(encoder, SpeechEncoder) and encoder.hop_s == 0.02 and not loaded


@pytest.mark.slow
@pytest.mark.parametrize("seconds, rate", [(7.3, 22050), (34.0, 16000)])
def test_frames_cover_the_audio_at_50_per_second(whisper, seconds, rate):
    """34 s: two of Whisper's 30 s windows, encoded one after the other without padding."""
    frames = WhisperEncoderFrames(lambda: whisper).encode(_tones(seconds, rate), rate)
    assert frames.dtype == np.float32 and frames.shape[1] == 512
    assert abs(len(frames) - seconds / 0.02) <= 1
    assert np.isfinite(frames).all() and frames.std() > 0


@pytest.mark.slow
def test_the_same_sound_gives_the_same_frames_wherever_the_clip_starts(whisper):
    """A tone change heard in a clip and in the same clip after 1 s of silence: the frames at
    the change match each other (the encoder's output is tied to the audio, not the window),
    and differ from frames of the steady tone (negative control)."""
    rate = 16000
    x = _tones(4.0, rate)
    encoder = WhisperEncoderFrames(lambda: whisper)
    a = encoder.encode(x, rate)
    b = encoder.encode(np.concatenate([np.zeros(rate, np.float32), x]), rate)[50:]

    def cos(u, v):
        return float(u @ v / np.linalg.norm(u) / np.linalg.norm(v))

    assert cos(a[100], b[100]) > 0.8  # at the change from 220 to 260 Hz (2 s)
    assert cos(a[100], b[100]) > cos(a[100], b[25]) + 0.1


@pytest.mark.slow
def test_the_narration_step_hands_the_aligner_whisper_frames_in_a_room(whisper, tmp_path, monkeypatch):
    """steps.narration (given words) on a reverberant copy encodes the reading and the
    recording with the toolkit's Whisper; on the clean copy it encodes nothing (negative control)."""
    from pipeline import steps
    from tests.helpers import degrade
    from tts import Synthesizer

    calls = []
    encode = WhisperEncoderFrames.encode
    monkeypatch.setattr(WhisperEncoderFrames, "encode", lambda self, a, r: calls.append(r) or encode(self, a, r))

    class Transcriber:  # only the model: the words are given, nothing is recognised
        model = whisper

    speech = Synthesizer().synthesize(["Wear gloves before you start the machine."], "en")
    toolkit = steps.Toolkit(transcriber=Transcriber(), cache_dir=tmp_path)
    text = "Wear gloves before you start the machine."
    clean, _ = steps.narration(speech.audio, speech.sample_rate, toolkit, language="en", transcript=text)
    assert calls == []
    room = degrade.reverb(speech.audio, speech.sample_rate, 0.8)
    found, _ = steps.narration(room, speech.sample_rate, toolkit, language="en", transcript=text)
    assert len(calls) == 2 and speech.sample_rate in calls
    starts = np.array([p.start for p in found.phonemes]) - np.array([p.start for p in clean.phonemes])
    assert np.abs(starts).mean() < 0.03
