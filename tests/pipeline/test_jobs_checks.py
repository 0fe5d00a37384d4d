"""`pipeline.jobs.checks`: a translation's check flags in plain words, the flagged sentences,
and long sentences shortened for one terminal line."""

from __future__ import annotations

import pytest

from pipeline.jobs.checks import advice, flag_words, flagged_sentences, shorten
from pipeline.segments import CHECK_FLAGS


@pytest.mark.parametrize("flag, words", [
    ("currency-changed:£", "the currency sign £ is missing from the translation"),
    ("respelled:Jürgen", "the name Jürgen was respelled"),
    ("numbers-changed", "the numbers differ from the source"),
    ("possibly-truncated", "the translation may be cut short"),
    ("untranslated", "the sentence was left untranslated"),
    ("repetition", "the translation repeats itself"),
    ("glossary-dropped:torque wrench|PPE", "the glossary term(s) torque wrench, PPE are missing from the translation"),
    ("some-new-flag", "some-new-flag"),  # not known here: said as it is, never dropped
])
def test_each_check_flag_in_plain_words(flag, words):
    assert flag_words(flag) == words


def test_every_check_flag_has_words():
    for prefix in CHECK_FLAGS:
        assert flag_words(prefix + ("x" if prefix.endswith(":") else "")) != prefix + ("x" if prefix.endswith(":") else "")


def test_only_sentences_with_check_flags_are_listed():
    sentences = [{"id": "s1", "source": "Pay £5.", "text": "Pague 5.", "flags": ["memory", "currency-changed:£"]},
                 {"id": "s2", "source": "Wear gloves.", "text": "Use luvas.", "flags": ["memory"]},
                 {"id": "s3", "source": "Go.", "text": "Vá.", "flags": []}]
    assert flagged_sentences(sentences) == [
        {"id": "s1", "source": "Pay £5.", "text": "Pague 5.", "flags": ["currency-changed:£"],
         "words": ["the currency sign £ is missing from the translation"]}]


def test_shorten_cuts_at_a_word_and_keeps_short_text_whole():
    assert shorten("Wear   gloves.\n") == "Wear gloves."
    long = "Check the pressure gauge before you open the main valve and after you close it again."
    short = shorten(long, 40)
    assert len(short) <= 40 and short.endswith("…") and long.startswith(short[:-1])
    assert short == "Check the pressure gauge before you…"  # "open" would make it 41
    assert len(shorten("x" * 100, 10)) == 10


def test_advice_names_the_job_and_language():
    assert "`polydub review j1 --lang pt`" in advice("j1", "pt") and "glossary" in advice()
