"""Transcription with faster-whisper on the bundled Whisper base model."""

import numpy as np
import pytest

from tests.helpers.signals import tone
from translate import ModelLoadError, Transcriber, TranscriptionError


@pytest.fixture(scope="session")
def whisper_dir(tmp_path_factory):
    from pipeline.models import ModelStore

    return ModelStore(tmp_path_factory.mktemp("models")).path("whisper-base")


@pytest.fixture(scope="session")
def transcriber(whisper_dir):
    return Transcriber(whisper_dir, device="cpu", beam_size=1)  # greedy: fast enough for a test


@pytest.mark.parametrize("audio,rate,message", [
    (np.zeros(16000 * 2, np.float32), 16000, "silent"),
    (np.full(16000, np.nan, np.float32), 16000, "corrupt"),
    (np.zeros(0, np.float32), 16000, "empty"),
    (np.zeros(100, np.float32), 16000, "shorter"),
    (tone(1.0), 0, "sample rate"),
])
def test_unusable_recordings_are_clear_errors(transcriber, audio, rate, message):
    with pytest.raises(TranscriptionError, match=message):
        transcriber.transcribe(audio, rate)
    assert transcriber._model is None  # rejected before the model was even loaded


def test_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ModelLoadError, match="missing model.bin"):
        Transcriber(tmp_path)


@pytest.mark.media
@pytest.mark.slow
def test_real_narration_gives_timed_words_and_sentences(shared_media, transcriber):
    import soundfile as sf

    audio, rate = sf.read(str(shared_media / "narration_en.wav"), dtype="float32")  # 44.1 kHz stereo
    result = transcriber.transcribe(audio, rate)
    assert result.language == "en" and result.detected_language == "en" and result.flags == ()
    heard = result.text.lower()
    for word in ("discontinued", "replaced", "bench", "rates"):
        assert word in heard
    starts = [w[0] for w in result.words]
    assert starts == sorted(starts) and all(s <= e for s, e, _ in result.words)
    assert 3.5 < result.words[-1][1] <= 5.2  # the recording is 5.0 s long
    assert result.segments and result.segments[-1][2].endswith(".")
    doc = result.document()
    assert doc.language == "en" and doc.sentences[-1].text.endswith("rates.")
    # declared language that differs from what is heard: transcribed as declared, flagged
    wrong = transcriber.transcribe(audio, rate, language="pt", check_language=True)
    assert wrong.language == "pt" and wrong.detected_language == "en" and "language-mismatch" in wrong.flags
    # Without the check, a declared language is taken as given: no identification pass.
    taken = transcriber.transcribe(audio, rate, language="pt")
    assert taken.language == "pt" and taken.detected_language is None and taken.flags == ()


@pytest.mark.slow
def test_the_transcript_says_how_sure_whisper_was(transcriber):
    """Per word a probability, over the recording a mean log-probability per token; speech
    under noise (built here: white noise at the speech's power) is heard less surely."""
    from tts import Synthesizer

    speech = Synthesizer().synthesize(["Clean the filling nozzle at the end of every shift."], "en")
    noise = np.random.default_rng(0).standard_normal(len(speech.audio)).astype(np.float32)
    noisy = speech.audio + noise * float(np.sqrt(np.mean(speech.audio ** 2)))
    clear, unsure = (transcriber.transcribe(a, speech.sample_rate, language="en") for a in (speech.audio, noisy / 2))
    for heard in (clear, unsure):
        assert len(heard.word_probabilities) == len(heard.words)
        assert all(0.0 <= p <= 1.0 for p in heard.word_probabilities) and heard.log_probability <= 0.0
    assert clear.log_probability > -0.2 and np.mean(clear.word_probabilities) > 0.8
    assert unsure.log_probability < clear.log_probability - 0.1
