"""A script read as a given source language (`--source-lang`) stops on lines that are clearly
in another language, naming them, unless the user accepts mixed languages; headings, names,
codes and the given language's own sentences never stop it."""

import pytest

from translate import MixedLanguageError, Translator, check_given_language, read_source
from tests.helpers.translate import fake_engine
from tests.helpers.sentences import LATIN, NOT_LANGUAGE, OWN_SCRIPT

ENGLISH_WITH_FRENCH = (
    "# Site safety\n"                                                       # 1
    "\n"
    "Wear your helmet before entering the site.\n"                          # 3
    "Portez toujours vos gants avant de démarrer la machine.\n"             # 4: French, in the paragraph
    "\n"
    "Report every damaged cable to your supervisor at once.\n"              # 6
    "\n"
    "Merci d'avoir regardé cette courte formation sur la sécurité.\n"        # 8: French
)


def test_a_french_line_in_a_script_given_as_english_stops_naming_it():
    doc = read_source(ENGLISH_WITH_FRENCH, language="en")
    with pytest.raises(MixedLanguageError) as err:
        check_given_language(doc)
    message = str(err.value)
    assert "\n" not in message
    assert "given as en, but lines 4, 8 read as French (fr)" in message
    assert "no --source-lang" in message and "--accept-mixed-language" in message
    # control: the same script without the French lines passes
    english = "\n".join(line for n, line in enumerate(ENGLISH_WITH_FRENCH.split("\n"), 1) if n not in (4, 8))
    check_given_language(read_source(english, language="en"))


def test_accepting_mixed_languages_translates_the_line_as_given_with_a_note():
    doc = read_source(ENGLISH_WITH_FRENCH, language="en")
    check_given_language(doc, accept_mixed_language=True)
    engine = fake_engine("en", "de", lambda t: "Tragen Sie immer Handschuhe, bevor Sie die Maschine starten.")
    result = Translator(engines=[engine], bundled=False).translate(doc, "en", "de")
    flags = {s.source: s.flags for s in result.sentences}
    assert "language-mismatch:fr" in flags["Portez toujours vos gants avant de démarrer la machine."]
    assert not any(f.startswith("language-mismatch") for f in flags["Wear your helmet before entering the site."])
    assert engine.calls == len(doc.sentences) == 5  # every sentence went through en->de: nothing dropped


def test_a_detected_script_is_not_checked_again():
    doc = read_source(ENGLISH_WITH_FRENCH)
    assert doc.language_detected and {s.language for s in doc.sentences} >= {"fr", "en"}
    check_given_language(doc)  # each line already has its own language


@pytest.mark.parametrize("language", sorted(LATIN))
def test_a_script_in_the_given_language_never_stops(language):
    """No false alarm on the language's own sentences, with headings, names and codes mixed in."""
    lines = [f"# {name}\n\n{sentence}" for name, sentence in zip(NOT_LANGUAGE, LATIN[language])]
    check_given_language(read_source("\n\n".join(lines), language=language))


def test_a_line_in_another_writing_system_cannot_be_accepted_here():
    text = "Clean the nozzle at the end of every shift.\n\n" + OWN_SCRIPT["ar"][0] + "\n"
    doc = read_source(text, language="en")
    with pytest.raises(MixedLanguageError, match=r"line 3 reads as Arabic \(ar\)") as err:
        check_given_language(doc)
    assert "--accept-mixed-language" not in str(err.value)  # it would vanish: no such offer


def test_a_language_the_model_does_not_know_only_checks_writing_systems():
    """Swedish is not among the identified languages: its lines would be named as a
    neighbour, so they pass; an Arabic line still stops the job."""
    swedish = ("Sätt på dig hjälmen innan du går in på arbetsplatsen.\n\n"
               "Tack för att du tittade på den här korta genomgången.\n")
    check_given_language(read_source(swedish, language="sv"))
    with pytest.raises(MixedLanguageError, match="Arabic"):
        check_given_language(read_source(swedish + "\n" + OWN_SCRIPT["ar"][1] + "\n", language="sv"))


def test_a_kanji_heading_is_japanese_in_a_japanese_script():
    """Japanese writes kanji: a heading of Han alone is not a Chinese line of a Japanese script,
    given or detected."""
    text = "# 安全第一\n\n" + OWN_SCRIPT["ja"][0] + "\n\n" + OWN_SCRIPT["ja"][1] + "\n"
    given = read_source(text, language="ja")
    check_given_language(given)
    Translator(engines=[fake_engine("ja", "en", str.upper)], bundled=False).check(given, "ja", "en")
    detected = read_source(text)
    assert detected.language == "ja" and [s.language for s in detected.sentences] == ["ja", "ja", "ja"]
    # control: the same heading in an English script is Chinese
    with pytest.raises(MixedLanguageError, match=r"Chinese \(zh\)"):
        check_given_language(read_source("# 安全第一\n\nWear your helmet before the site.\n", language="en"))
