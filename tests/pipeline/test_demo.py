"""The built-in demo: its presenter is a woman and is voiced as one."""

from __future__ import annotations

from pipeline.demo import DEMO_LANGUAGES, demo_voices, make_demo_presenter
from pipeline.voicing import PresenterVoices


def test_the_demo_presenter_speaks_with_a_womans_voice_in_every_language(tmp_path):
    import tts

    presenter = make_demo_presenter(tmp_path / "astronaut.mp4", seconds=1.0, size=160)
    voices, records = PresenterVoices(tmp_path / "voices").resolve(
        [((str(presenter), presenter.name), "k", presenter)], DEMO_LANGUAGES, demo_voices(presenter))
    catalog = tts.VoiceCatalog()
    assert set(voices["k"]) == set(DEMO_LANGUAGES)
    for language, voice in voices["k"].items():
        assert tts.voice_register(catalog.find(voice)) == "female", (language, voice)
        assert "declared female" in records["k"][language]["reason"]
        # Control: the language's default, which the demo used before, is a man's voice.
        assert tts.voice_register(catalog.default_voice(language)) == "male", language
