"""Voice menus before a job is submitted: the usable voices per language, a presenter's automatic
choice (the one submission makes), and samples made once and kept. The catalog is the real one;
profiles are stubbed (a register per file name) and the synthesizer counts its calls."""

from __future__ import annotations

import numpy as np
import pytest

import tts
from pipeline.errors import InputError
from pipeline.voice_menu import NoSampleError, VoiceMenu, _spoken_tag, sample_sentence
from pipeline.voicing import PresenterVoices

REGISTERS = {"ana": "female", "bruno": "male", "quiet": None}


class CountingSynth:
    """Says a 1 s, 220 Hz tone for any sentence, and remembers what it was asked."""

    def __init__(self):
        self.calls: list[tuple[str, str, str]] = []

    def synthesize(self, sentences, language, *, voice):
        self.calls.append((sentences[0], language, voice.id))
        t = np.arange(24000) / 24000
        audio = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
        return tts.Speech(audio=audio, sample_rate=24000, phonemes=(), words=(), sentences=(), language=language,
                          voice=voice.id, backend=voice.backend, rate=1.0)


@pytest.fixture(scope="module")
def catalog():
    return tts.VoiceCatalog()


@pytest.fixture
def menu(tmp_path, catalog):
    profiled: list[str] = []

    def profile(path):
        profiled.append(path.name)
        return tts.declared_profile(REGISTERS[path.stem])

    voices = PresenterVoices(tmp_path / "voices", profile_fn=profile, catalog=catalog)
    m = VoiceMenu(voices, tmp_path / "voices" / "samples", synthesizer=CountingSynth())
    m.profiled = profiled
    return m


def presenter(tmp_path, stem: str):
    path = tmp_path / f"{stem}.mp4"
    path.write_bytes(stem.encode())  # the stub profile reads only the name
    return path, f"{stem:0<64}"[:64]


def test_usable_voices_are_the_intelligible_ones_default_first(menu):
    rows = menu.usable("pt-BR")
    assert rows[0].default and rows[0].voice == tts.VoiceCatalog().default_voice("pt-BR").id
    assert sum(r.default for r in rows) == 1
    assert {r.voice for r in rows} == {v.id for v, _ in tts.intelligible_voices("pt-BR", menu.voices.catalog())}
    women = [r for r in rows if r.register == "female"]
    assert women and all(r.wer is not None and r.wer <= tts.voices.INTELLIGIBLE_WER for r in women)
    nezumi = next(r for r in rows if r.voice == "kokoro:jf_nezumi")
    assert nezumi.label == "jf_nezumi (Kokoro)" and nezumi.sample and nezumi.language == "pt-BR"
    assert not any(r.sample for r in menu.usable("ja"))  # no sample sentence in Japanese
    with pytest.raises(InputError, match="no installed voice speaks 'xx'"):
        menu.usable("xx")


def test_automatic_choice_is_what_submission_chooses_and_the_profile_is_cached(menu, tmp_path):
    path, key = presenter(tmp_path, "ana")
    profile, choices = menu.automatic(path, key, ["pt-BR", "en"])
    assert profile.register == "female" and [c.language for c in choices] == ["pt-BR", "en"]
    for c in choices:
        submitted, _ = menu.voices.choose(profile, c.language, None)
        assert (c.voice, c.reason, c.register) == (submitted.voice, submitted.reason, "female")
        assert c.label == c.voice.split(":")[1] + " (Kokoro)"
    menu.automatic(path, key, ["es"])
    assert menu.profiled == ["ana.mp4"]  # measured once per content, read back after
    man, _ = presenter(tmp_path, "bruno")
    assert {c.register for c in menu.automatic(man, "b" * 64, ["pt-BR", "de"])[1]} == {"male"}
    with pytest.raises(InputError, match="no installed voice speaks 'xx'"):
        menu.automatic(man, "b" * 64, ["pt-BR", "xx"])


def test_a_sample_is_made_once_and_kept(menu, tmp_path):
    from lipsync.media import read_audio

    first = menu.sample("kokoro:jf_nezumi", "pt-BR")
    again = menu.sample("kokoro:jf_nezumi", "pt")  # "pt" resolves to the pt-BR the voice speaks
    assert first == again and first.parent == tmp_path / "voices" / "samples" and first.suffix == ".wav"
    assert menu._synth.calls == [(sample_sentence("pt"), "pt-BR", "kokoro:jf_nezumi")]
    audio, rate = read_audio(first, 24000)
    assert rate == 24000 and abs(len(audio) / rate - 1.0) < 0.05
    assert not list(first.parent.glob("*.part*"))
    other = menu.sample("kokoro:jm_kumo", "pt-BR")
    assert other != first and len(menu._synth.calls) == 2


def test_no_sample_for_a_voice_not_usable_there_or_a_language_without_a_sentence(menu):
    with pytest.raises(NoSampleError, match="kokoro:jf_alpha is not a voice usable in pt-BR"):
        menu.sample("kokoro:jf_alpha", "pt-BR")  # measured 0.35 word error in Portuguese
    with pytest.raises(NoSampleError, match="kokoro:no_such_voice is not a voice usable in en"):
        menu.sample("kokoro:no_such_voice", "en")
    with pytest.raises(NoSampleError, match="no sample sentence in ja"):
        menu.sample("kokoro:jf_alpha", "ja")
    assert menu._synth.calls == []


@pytest.mark.parametrize(("listed", "asked", "spoken"), [
    (("ja", "en", "pt-BR"), "pt", "pt-BR"),
    (("ja", "en", "pt-BR"), "en-GB", "en"),
    (("en-US",), "en", "en-US"),
    (("en-US",), "en-GB", "en-US"),
    (("ja", "es"), "es-MX", "es"),
])
def test_a_sample_is_spoken_in_a_tag_the_voice_lists(listed, asked, spoken):
    assert _spoken_tag(listed, asked) == spoken
