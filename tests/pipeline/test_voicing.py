"""A presenter's voice profile from their file: measured, declared, or the default, with the reason."""

import pytest

from pipeline.errors import InputError
from pipeline.voicing import presenter_voice_profile
from tests.helpers.voices import FEMALE, speak, tune


@pytest.fixture(scope="module")
def encoder():
    import tts

    return tts.SpeakerEncoder()


@pytest.fixture(scope="module")
def woman():
    import tts

    return speak(tts.Synthesizer(), FEMALE)


@pytest.mark.slow
def test_presenter_with_speech_is_measured(tmp_path, write_video, woman, encoder):
    clip = write_video(tmp_path / "she.mp4", frames=10, audio=woman)
    p = presenter_voice_profile(clip, encoder=encoder)
    assert p.source == "speech" and p.register == "female" and p.embedding is not None
    declared = presenter_voice_profile(clip, declared="male", encoder=encoder)
    assert declared.register == "male" and declared.source == "declared"
    assert declared.f0_median_hz == p.f0_median_hz and "measured female" in declared.notes[-1]
    chosen = presenter_voice_profile(clip, declared="kokoro:jf_nezumi", encoder=encoder)
    assert chosen.voice == "kokoro:jf_nezumi" and chosen.register == "female"


def test_silent_clip_gets_the_declared_profile_and_says_why(tmp_path, write_video, encoder):
    import numpy as np

    clip = write_video(tmp_path / "quiet.mp4", frames=10, audio=(np.zeros(48000, np.float32), 16000))
    p = presenter_voice_profile(clip, declared="female", encoder=encoder)
    assert p.source == "declared" and p.register == "female" and p.f0_median_hz is None
    assert "quiet.mp4: the audio track is silent" in p.notes[0]
    d = presenter_voice_profile(clip, encoder=encoder)
    assert d.source == "default" and "default voice" in d.notes[-1]


def test_music_track_and_video_without_audio(tmp_path, write_video, encoder):
    music = write_video(tmp_path / "music.mp4", frames=10, audio=(tune(), 16000))
    assert "sounds like music" in presenter_voice_profile(music, encoder=encoder).notes[0]
    mute = write_video(tmp_path / "mute.mp4", frames=10)
    p = presenter_voice_profile(mute, declared="male", encoder=encoder)
    assert p.register == "male" and "no audio stream" in p.notes[0]


def test_photo_presenter(astronaut_photo, encoder):
    p = presenter_voice_profile(astronaut_photo, declared="female", encoder=encoder)
    assert p.register == "female" and p.source == "declared"


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        presenter_voice_profile(tmp_path / "nobody.mp4")


def test_voice_overrides_per_presenter_and_language():
    from pipeline.voicing import voice_override

    spec = {"pt": "kokoro:jm_kumo", "a.mp4": {"pt-BR": "kokoro:jf_nezumi", "es": "kokoro:jf_alpha"},
            "b": {"en": "piper:en_US-joe-medium"}}
    assert voice_override(spec, "/x/a.mp4", "pt-BR") == "kokoro:jf_nezumi"
    assert voice_override(spec, "/x/a.mp4", "pt") == "kokoro:jm_kumo"  # a's entry is for pt-BR only
    assert voice_override(spec, "a.mp4", "es") == "kokoro:jf_alpha"
    assert voice_override(spec, "/y/b.mov", "en") == "piper:en_US-joe-medium"  # by stem
    assert voice_override(spec, "c.mp4", "pt-BR") == "kokoro:jm_kumo"  # the per-language form
    assert voice_override(spec, "c.mp4", "de") is None and voice_override(None, "c.mp4", "de") is None


def test_choice_for_a_declared_woman_and_an_unknown_override():
    import tts
    from pipeline.voicing import presenter_voice_choice

    her = tts.declared_profile("female")
    choice = presenter_voice_choice(her, "en", presenter="she.mp4")
    assert choice.register == "female" and choice.reason.startswith("declared female")
    with pytest.raises(InputError, match=r"^no voice 'kokoro:af_x' is installed: use one of .*kokoro:jf_alpha"):
        presenter_voice_choice(her, "pt", presenter="she.mp4", overrides={"she.mp4": {"pt": "kokoro:af_x"}})


def test_voice_record_for_the_manifest():
    import json

    import tts
    from pipeline.voicing import voice_record
    from tts.adapt import Adaptation

    profile = tts.VoiceProfile("speech", register="female", f0_median_hz=210.1234, embedding=(0.6, 0.8))
    choice = tts.VoiceChoice("kokoro:jf_nezumi", "female voice: ...", "female", 0.51234, 0.07)
    plan = Adaptation(239.0, 210.1, -2.2, 1.05, 1.0, 0.95, 0.5, 0.52)
    record = voice_record(profile, choice, plan)
    json.dumps(record)  # plain JSON
    assert record["voice"] == "kokoro:jf_nezumi" and "embedding" not in record["profile"]
    assert record["profile"]["f0_median_hz"] == 210.12 and record["adaptation"]["formant_ratio"] == 1.05
    assert record["adaptation"]["applied"] is True and record["adaptation"]["why"] is None
    unchanged = Adaptation(239.0, 210.1, 0.0, 1.0, 1.0, 1.0)
    assert voice_record(profile, choice, unchanged)["adaptation"] == {"applied": False, "why": None}


def test_adaptation_target_for_a_measured_presenter_and_why_not_otherwise():
    import json

    import tts
    from pipeline.voicing import adaptation_target, voice_record
    from tts.adapt import LANGUAGE_BOUNDS

    adapted = next(lang for lang, bound in LANGUAGE_BOUNDS.items() if bound is not None)
    her = tts.VoiceProfile("speech", register="female", f0_median_hz=210.1234, f0_low_hz=180.0, f0_high_hz=250.0,
                           syllable_rate=4.123456, embedding=(0.6, 0.8))
    target, why = adaptation_target(her, adapted)
    assert why is None and json.loads(json.dumps(target)) == target  # plain JSON: a render task's params
    assert target["f0_median_hz"] == 210.12 and target["embedding"] == [0.6, 0.8]
    assert target["bounds"]["max_pitch_shift_st"] == LANGUAGE_BOUNDS[adapted].max_pitch_shift_st

    for profile, lang, said in (
        (tts.declared_profile("female"), adapted, "not adapted: the presenter's pitch was not measured (declared"),
        (tts.VoiceProfile("declared", register="female", f0_median_hz=110.0), adapted,
         "not adapted: declared female, but the presenter's voice measures male"),
        (her, "fr", "not adapted: no adaptation bound has been measured in fr"),
    ):
        target, why = adaptation_target(profile, lang)
        assert target is None and why.startswith(said)
        choice = tts.VoiceChoice("kokoro:jf_nezumi", "female voice: ...", "female")
        # the manifest says why, in the same schema as an applied one (fresh3 finding 19: a string here,
        # an object there)
        assert voice_record(profile, choice, why)["adaptation"] == {"applied": False, "why": why}


def test_a_measured_presenter_gets_the_closest_voice_by_embedding(tmp_path):
    """The candidates' own embeddings (VoiceSamples) decide among the voices of the presenter's
    register; a profile without an embedding never asks for them."""
    import numpy as np

    import tts
    from pipeline.voicing import PresenterVoices

    class Samples:  # each candidate's profile: a unit embedding along its own axis
        def __init__(self):
            self.asked = []

        def profile(self, voice, language):
            self.asked.append(voice.id)
            axis = 1 if voice.id == "kokoro:jf_gongitsune" else 0
            return tts.VoiceProfile("speech", register="female", f0_median_hz=230.0,
                                    embedding=tuple(np.eye(4)[axis]))

    samples = Samples()
    voices = PresenterVoices(tmp_path, samples=samples)
    her = tts.VoiceProfile("speech", register="female", f0_median_hz=220.0, embedding=(0.1, 0.99, 0.0, 0.0))
    choice, _ = voices.choose(her, "pt", None)
    assert choice.voice == "kokoro:jf_gongitsune" and "speaker similarity" in choice.reason
    assert set(samples.asked) >= {"kokoro:jf_nezumi", "kokoro:jf_gongitsune"}
    samples.asked.clear()
    declared, _ = voices.choose(tts.declared_profile("female"), "pt", None)
    assert samples.asked == [] and declared.register == "female"
