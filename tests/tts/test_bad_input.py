"""Bad input gives one clear error, never a crash."""

import numpy as np
import pytest

import tts


@pytest.mark.parametrize("sentences", [[], [""], ["   ", "..."]])
def test_empty_text(synth, sentences):
    with pytest.raises(tts.EmptyTextError, match="nothing to say"):
        synth.synthesize(sentences, "en")


@pytest.mark.parametrize("language", ["xx", "klingon", ""])
def test_unknown_language(synth, language):
    with pytest.raises(tts.UnsupportedLanguageError) as err:
        synth.synthesize(["Hello."], language)
    assert "\n" not in str(err.value)


def test_unknown_language_lists_installed():
    with pytest.raises(tts.UnsupportedLanguageError, match="installed languages .*neural voices: de, en, es, fr, it, ja, pt"):
        tts.default_voice("xx")


def test_missing_voice_file(synth, tmp_path):
    with pytest.raises(tts.VoiceNotFoundError, match="does not exist"):
        synth.synthesize(["Hello."], "en", voice=str(tmp_path / "nobody.onnx"))
    with pytest.raises(tts.VoiceNotFoundError, match="no voice 'piper:nobody'"):
        synth.synthesize(["Hello."], "en", voice="piper:nobody")


def test_piper_model_without_config(synth, tmp_path):
    model = tmp_path / "voice.onnx"
    model.write_bytes(b"not a model")
    with pytest.raises(tts.VoiceNotFoundError, match="no config"):
        synth.synthesize(["Hello."], "en", voice=str(model))


def test_kanji_needs_a_reading(synth):
    import importlib.util

    if importlib.util.find_spec("pyopenjtalk") is not None:
        speech = synth.synthesize(["今日は晴れです。"], "ja")
        assert speech.phonemes
    else:
        with pytest.raises(tts.UnsupportedTextError, match="kana"):
            synth.synthesize(["今日は晴れです。"], "ja")


@pytest.mark.parametrize(
    "audio, message",
    [
        (np.zeros(16000, np.float32), "silent"),
        (np.zeros(0, np.float32), "empty"),
        (np.full(16000, np.nan, np.float32), "NaN"),
        (np.zeros((2, 16000), np.float32), "mono"),
    ],
)
def test_align_rejects_bad_recordings(audio, message):
    with pytest.raises(tts.AlignmentError, match=message):
        tts.align(audio, 16000, [(0.1, 0.5, "hello")], "en")


def test_align_rejects_no_words_and_bad_times():
    audio = (0.1 * np.sin(np.arange(16000) / 5)).astype(np.float32)
    with pytest.raises(tts.AlignmentError, match="no words"):
        tts.align(audio, 16000, [], "en")
    with pytest.raises(tts.AlignmentError, match="after the recording ends"):
        tts.align(audio, 16000, [(5.0, 5.5, "hello")], "en")
    with pytest.raises(tts.AlignmentError, match="invalid times"):
        tts.align(audio, 16000, [(0.5, 0.1, "hello")], "en")


def test_rate_out_of_range(synth):
    with pytest.raises(tts.SpeechError, match="rate"):
        synth.synthesize(["Hello."], "en", rate=0)
