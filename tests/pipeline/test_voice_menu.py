"""Voice menus before a job is submitted: the usable voices per language, a presenter's automatic
choice (the one submission makes), and samples made once and kept: the same file a job profiles
to choose a voice by speaker similarity. The catalog is the real one; presenter profiles are
stubbed (a register per file name) and the synthesizer counts its calls."""

from __future__ import annotations

import pytest

import tts
from pipeline.errors import InputError
from pipeline.voice_menu import NoSampleError, VoiceMenu, sample_sentence
from pipeline.voicing import PresenterVoices
from pipeline.voicing_samples import SampleFiles
from tests.helpers.voices import CountingSynth, OneSpeakerEncoder

REGISTERS = {"ana": "female", "bruno": "male", "quiet": None}


@pytest.fixture(scope="module")
def catalog():
    return tts.VoiceCatalog()


@pytest.fixture
def menu(tmp_path, catalog):
    profiled: list[str] = []

    def profile(path):
        profiled.append(path.name)
        return tts.declared_profile(REGISTERS[path.stem])

    synth = CountingSynth()
    samples = tts.VoiceSamples(synth, store=SampleFiles(tmp_path / "voices" / "samples"))
    voices = PresenterVoices(tmp_path / "voices", profile_fn=profile, catalog=catalog, samples=samples)
    m = VoiceMenu(voices)
    m.profiled, m.synth = profiled, synth
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
    assert menu.synth.calls == [(sample_sentence("pt"), "pt-BR", "kokoro:jf_nezumi")]
    audio, rate = read_audio(first, 24000)
    assert rate == 24000 and abs(len(audio) / rate - 3.0) < 0.05
    assert not list(first.parent.glob("*.part*"))
    other = menu.sample("kokoro:jm_kumo", "pt-BR")
    assert other != first and len(menu.synth.calls) == 2


def test_no_sample_for_a_voice_not_usable_there_or_a_language_without_a_sentence(menu):
    with pytest.raises(NoSampleError, match="kokoro:jf_alpha is not a voice usable in pt-BR"):
        menu.sample("kokoro:jf_alpha", "pt-BR")  # measured 0.35 word error in Portuguese
    with pytest.raises(NoSampleError, match="kokoro:no_such_voice is not a voice usable in en"):
        menu.sample("kokoro:no_such_voice", "en")
    with pytest.raises(NoSampleError, match="no sample sentence in ja"):
        menu.sample("kokoro:jf_alpha", "ja")
    assert menu.synth.calls == []


def test_the_menus_sample_is_the_one_a_job_profiles_made_once(menu, catalog):
    """The page's "Play sample" file and the voice's own profile for the choice by speaker
    similarity come from one synthesis, whichever is asked first."""
    from tts.profile import VoiceProfile

    menu.voices.samples()._encoder = OneSpeakerEncoder()
    nezumi = catalog.find("kokoro:jf_nezumi")
    path = menu.sample("kokoro:jf_nezumi", "pt-BR")
    own = menu.voices.samples().profile(nezumi, "pt")
    assert len(menu.synth.calls) == 1  # the profile was measured from the menu's file
    kept = path.with_suffix(".json")
    assert kept.is_file() and VoiceProfile.from_json(kept.read_text(encoding="utf-8")) == own
    kumo = catalog.find("kokoro:jm_kumo")
    menu.voices.samples().profile(kumo, "pt-BR")  # a job first, then the page
    assert menu.sample("kokoro:jm_kumo", "pt-BR").is_file() and len(menu.synth.calls) == 2
