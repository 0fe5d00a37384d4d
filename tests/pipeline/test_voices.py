"""`installed_voices`: the listing behind `polydub voices`, for one language or all of them."""

from pipeline.voices import installed_voices


def test_every_language_is_listed_without_a_language():
    rows = installed_voices()
    languages = {r.language for r in rows}
    assert {"en-US", "pt-BR", "ja", "sh"} <= languages  # "sh": only espeak-ng's hbs voice lists it
    assert all(sum(r.default for r in rows if r.language == lang) <= 1 for lang in languages)
    assert next(r for r in rows if r.language == "sh").default
    kumo = next(r for r in rows if r.language == "pt-BR" and r.voice == "kokoro:jm_kumo")
    assert kumo.register == "male" and kumo.wer is not None and kumo.default


def test_one_language_rows_carry_register_and_wer():
    rows = installed_voices(language="en")
    joe = next(r for r in rows if r.default)
    assert joe.voice == "piper:en_US-joe-medium" and joe.register == "male" and joe.wer == 0.0
    assert {r.language.split("-")[0] for r in rows} == {"en"}
