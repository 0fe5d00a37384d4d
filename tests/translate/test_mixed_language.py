"""Scripts that mix languages: each segment is translated from its own language, kept when it
is in the target already, or the job stops naming the lines; nothing is dropped."""

import pytest

from translate import Translator, UnsupportedPairError, read_source
from tests.helpers.translate import fake_engine

MIXED = (
    "# Site safety\n"                                              # 1
    "\n"
    "Wear your helmet before entering the site.\n"                 # 3
    "ارتدِ الخوذة دائمًا قبل دخول موقع العمل.\n"                      # 4: Arabic, merged into the paragraph
    "\n"
    "进入工地前请戴好安全帽。\n"                                      # 6: Chinese
    "\n"
    "Setzen Sie den Helm auf, bevor Sie die Baustelle betreten.\n"  # 8: German
    "\n"
    "Thank you for watching this short safety briefing.\n"          # 10
)


def _engines(*pairs):
    return [fake_engine(a, b, lambda t, a=a: f"<{a}>{t}", f"{a}-{b}") for a, b in pairs]


def test_each_segment_keeps_its_line_and_language():
    doc = read_source(MIXED)
    assert doc.language == "en"
    assert [(s.line, s.language) for s in doc.sentences] == [
        (1, None), (3, "en"), (4, "ar"), (6, "zh"), (8, "de"), (10, "en")]  # "Site safety": too short
    # a given source language is everyone's
    assert all(s.language is None for s in read_source(MIXED, language="en").sentences)


def test_segments_without_a_model_stop_the_job_naming_lines_and_languages():
    engines = _engines(("en", "pt"))
    translator = Translator(engines=engines, bundled=False)
    with pytest.raises(UnsupportedPairError) as err:
        translator.translate(read_source(MIXED), "en", "pt")
    message = str(err.value)
    assert "\n" not in message
    assert "line 4 in Arabic (ar)" in message and "line 6 in Chinese (zh)" in message
    assert "line 8 in German (de)" in message
    assert engines[0].calls == 0  # stopped before any translation
    with pytest.raises(UnsupportedPairError, match="line 4 in Arabic"):
        translator.check(read_source(MIXED), "en", "pt")  # the same check, no model needed


def test_each_segment_is_translated_from_its_own_language():
    engines = _engines(("en", "pt"), ("ar", "pt"), ("zh", "pt"), ("de", "pt"))
    result = Translator(engines=engines, bundled=False).translate(read_source(MIXED), "en", "pt")
    texts = [s.text for s in result.sentences]
    assert texts[0].startswith("<en>") and texts[1].startswith("<en>") and texts[5].startswith("<en>")
    assert texts[2].startswith("<ar>") and texts[3].startswith("<zh>") and texts[4].startswith("<de>")
    assert "source-language:ar" in result.sentences[2].flags and "source-language:zh" in result.sentences[3].flags
    assert [e.calls for e in engines] == [3, 1, 1, 1]
    assert result.source_language == "en" and result.backend == "fake" and result.machine_translated == 6


def test_segments_in_the_target_language_are_kept_and_identity_still_translates_the_others():
    engines = _engines(("ar", "en"), ("zh", "en"), ("de", "en"))
    result = Translator(engines=engines, bundled=False).translate(read_source(MIXED), "en", "en")
    by_line = {s.id: t for s, t in zip(read_source(MIXED).sentences, result.sentences)}
    assert by_line["s2"].text == "Wear your helmet before entering the site." and by_line["s2"].flags == ()
    assert by_line["s3"].text.startswith("<ar>") and by_line["s5"].text.startswith("<de>")
    # German target: the German line is kept as it is
    engines = _engines(("en", "de"), ("ar", "de"), ("zh", "de"))
    result = Translator(engines=engines, bundled=False).translate(read_source(MIXED), "en", "de")
    german = result.sentences[4]
    assert german.text == german.source and "already-in-target-language" in german.flags


def test_headings_names_and_codes_never_make_a_segment_foreign():
    from tests.helpers.sentences import NOT_LANGUAGE

    text = "\n\n".join(f"## {item}\n\nCheck the {item} before you start the machine." for item in NOT_LANGUAGE)
    doc = read_source(text)
    assert doc.language == "en"
    assert {s.language for s in doc.sentences} == {None, "en"}
    assert all(s.language is None for s in doc.sentences if s.text in NOT_LANGUAGE)


def test_a_given_source_language_does_not_swallow_a_line_in_another_writing_system():
    """With the source language given, sentences are not identified; an Arabic line read as
    English would be machine-translated into punctuation and vanish from voice and subtitles."""
    from translate import Translator, read_source
    from translate.errors import UnsupportedPairError

    text = "Clean the nozzle at the end of every shift.\n\nاغسل يديك قبل البدء.\n\nDry it with a cloth.\n"
    doc = read_source(text, language="en")
    with pytest.raises(UnsupportedPairError, match=r"given as en, but line 3 in Arabic \(ar\) cannot be en"):
        Translator().check(doc, "en", "pt")
    # Control: the same script in Latin letters only passes the check.
    Translator().check(read_source(text.replace("اغسل يديك قبل البدء.", "Wash your hands first."), language="en"),
                       "en", "pt")


def test_a_detected_main_language_without_a_model_names_the_lines_of_each_language():
    # A new user's English script whose first line (full of French loanwords) read as French:
    # the script's language came out French, which no model here translates; the message
    # says which lines read as what, not only "no model translates fr->pt".
    from translate.source import Sentence

    sentences = [
        Sentence("s1", "Demandez à José au café la crème brûlée du jour.", 0, line=1, language="fr"),
        Sentence("s2", "The kit costs four pounds in the shop downstairs.", 1, line=2, language="en")]
    translator = Translator(engines=_engines(("en", "pt")), bundled=False)
    with pytest.raises(UnsupportedPairError) as err:
        translator.check(sentences, "fr", "pt")
    message = str(err.value)
    assert "no model translates fr->pt" in message and "\n" not in message
    assert "line 1 reads as French (fr), line 2 as English (en)" in message
    assert "--accept-mixed-language" in message
    with pytest.raises(UnsupportedPairError) as alone:  # control: one language, the plain message
        translator.check(sentences[:1], "fr", "pt")
    assert "mixes" not in str(alone.value)
