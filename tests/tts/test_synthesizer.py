"""Every backend speaks a short sentence with a valid timeline that covers its audio."""

import numpy as np
import pytest

import tts
from tts.audio import speech_bounds
from tts.types import check_timeline


def _covers(speech):
    check_timeline(speech.phonemes, speech.duration)
    start, end = speech_bounds(speech.audio, speech.sample_rate)
    first, last = speech.phonemes[0].start, speech.phonemes[-1].end
    # The timeline spans the sound: it starts and ends within 150 ms of the audible speech.
    assert abs(first - start / speech.sample_rate) < 0.15
    assert abs(last - end / speech.sample_rate) < 0.15
    tts.check_timing(speech.audio, speech.sample_rate, speech.phonemes)
    assert not any(set(p.phone) & set("ˈˌː ,.") for p in speech.phonemes), "marks are stripped, silence is a gap"


def test_piper_english(english):
    assert (english.backend, english.voice, english.language) == ("piper", "piper:en_US-joe-medium", "en-US")
    assert english.audio.dtype == np.float32 and english.audio.ndim == 1
    _covers(english)
    assert [w.text for w in english.words][:4] == ["Switch", "off", "the", "machine"]
    assert {"ʃ", "m", "n"} <= {p.phone for p in english.phonemes}


def test_kokoro_portuguese(portuguese):
    assert (portuguese.backend, portuguese.language, portuguese.sample_rate) == ("kokoro", "pt-BR", 24000)
    _covers(portuguese)
    assert [w.text for w in portuguese.words][:3] == ["Desligue", "a", "máquina"]


def test_espeak_german(german):
    assert (german.backend, german.voice) == ("espeak", "espeak:de")
    _covers(german)
    assert "fünf" in [w.text for w in german.words]  # "5" was spelled out before speaking


def test_sentences_time_the_subtitles(english, german):
    assert [s.text for s in german.sentences] == ["Schalten Sie die Maschine aus.", "Warten Sie 5 Minuten."]
    for speech in (english, german):
        for s in speech.sentences:
            inside = [w for w in speech.words if s.start - 1e-6 <= w.start and w.end <= s.end + 1e-6]
            assert inside, "each sentence span holds its words"
        assert speech.sentences[0].end < speech.sentences[1].start


def test_paragraph_pause_is_longer(synth, german, english):
    sentence_gap = german.sentences[1].start - german.sentences[0].end
    paragraph = synth.synthesize(["Schalten Sie die Maschine aus.", "Warten Sie 5 Minuten."], "de",
                                 voice="espeak:de", paragraph_breaks=[1])
    paragraph_gap = paragraph.sentences[1].start - paragraph.sentences[0].end
    assert paragraph_gap > sentence_gap + 0.3


def test_loudness_is_normalised(german, portuguese, english):
    import pyloudnorm

    for speech in (german, portuguese, english):
        lufs = pyloudnorm.Meter(speech.sample_rate).integrated_loudness(speech.audio.astype(np.float64))
        assert -19.0 < lufs < -15.0
        assert np.max(np.abs(speech.audio)) <= 0.99


def test_rate_speeds_up_speech(synth, german):
    fast = synth.synthesize(["Schalten Sie die Maschine aus.", "Warten Sie 5 Minuten."], "de", voice="espeak:de", rate=1.6)
    assert fast.rate == 1.6
    assert fast.duration < 0.8 * german.duration


def test_kokoro_japanese_kana(synth):
    speech = synth.synthesize(["こんにちは。"], "ja")
    assert speech.backend == "kokoro" and speech.language == "ja"
    check_timeline(speech.phonemes, speech.duration)
    assert {"k", "o", "i"} <= {p.phone for p in speech.phonemes}


def test_voice_chosen_by_id_and_by_language(synth):
    speech = synth.synthesize(["Hello there."], "en", voice="espeak:en-us")
    assert speech.backend == "espeak"
    chosen = tts.Synthesizer({"pt": "espeak:pt-br"}).choose_voice("pt-BR")
    assert chosen.id == "espeak:pt-br"


def test_long_sentence_is_chunked_under_the_backend_limit():
    from tts.synthesizer import _chunks

    text = ", ".join(["clean the nozzle with warm water"] * 30) + "."
    chunks = _chunks(text, 300)
    assert len(chunks) > 1 and all(len(c) <= 300 for c in chunks)
    assert " ".join(chunks).replace(" ", "") == text.replace(" ", "")


def test_same_text_gives_the_same_audio_in_every_process(english):
    """Piper's VITS draws noise for its prosody; the backend seeds it, so a pack made twice
    (or on two workers) has the same narration and the same timeline."""
    import hashlib
    import subprocess
    import sys

    script = ("import hashlib, tts; s = tts.Synthesizer().synthesize(['Switch off the machine.', "
              "'Wait five minutes.'], 'en', paragraph_breaks=[1]); "
              "print(hashlib.sha256(s.audio.tobytes()).hexdigest())")
    runs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           timeout=120).stdout.strip().splitlines()[-1] for _ in range(2)}
    assert runs == {hashlib.sha256(english.audio.tobytes()).hexdigest()}
