"""The manifest's list of source segments: every sentence, image, emoji line and code block,
and what became of it; a translation's check flags in plain words, the flagged sentences, and
long sentences shortened for one terminal line."""

import pytest

from pipeline.segments import CHECK_FLAGS, flag_words, flagged_sentences, segment_report, shorten
from translate import Translator, read_source
from tests.helpers.translate import fake_engine

SCRIPT = (
    "# Site safety 🚧\n"                                              # 1
    "\n"
    "![diagram of the site](site.png)\n"                              # 3
    "\n"
    "Wear your helmet before entering the site.\n"                    # 5
    "ارتدِ الخوذة دائمًا قبل دخول موقع العمل.\n"                        # 6
    "\n"
    "🎉🎉\n"                                                           # 8
    "\n"
    "Use sempre luvas antes de começar a máquina.\n"                  # 10
    "\n"
    "```\nPUMP_MODE=2\n```\n"                                          # 12-14
)


def _engines(*pairs):
    return [fake_engine(a, b, lambda t, a=a: f"<{a}>{t}", f"{a}-{b}") for a, b in pairs]


def test_every_segment_is_listed_with_what_became_of_it():
    doc = read_source(SCRIPT)
    translation = Translator(engines=_engines(("en", "pt"), ("ar", "pt")), bundled=False).translate(doc, "en", "pt")
    report = segment_report(doc, translation)
    assert [(e["line"], e["outcome"], e.get("from") or e.get("reason")) for e in report] == [
        (1, "translated", "en"),
        (1, "skipped", "emoji removed"),   # said on its line, and as the sentence's check flag
        (3, "skipped", "image"),
        (5, "translated", "en"),
        (6, "translated", "ar"),
        (8, "skipped", "emoji only"),
        (10, "kept", "already in the target language"),
        (12, "skipped", "code block (not voiced)"),
    ]
    assert report[4]["language"] == "ar" and report[0]["id"] == "s1" and report[2]["text"] == "diagram of the site"
    assert report[0]["check"] == ["emoji-dropped:🚧"] and report[1]["text"] == "🚧"
    # every sentence of the document appears once
    assert sorted(e["id"] for e in report if "id" in e) == sorted(s.id for s in doc.sentences)


def test_without_a_translation_and_in_the_scripts_own_language():
    doc = read_source("Wear your helmet before entering the site.\n\nارتدِ الخوذة دائمًا قبل دخول موقع العمل.\n")
    assert [e["outcome"] for e in segment_report(doc)] == ["kept", "kept"]
    same = Translator(engines=_engines(("ar", "en")), bundled=False).translate(doc, "en", "en")
    assert [(e["outcome"], e.get("from")) for e in segment_report(doc, same)] == [("kept", None), ("translated", "ar")]


def test_a_line_read_as_the_given_language_says_what_it_was_identified_as():
    doc = read_source("Wear your helmet before entering the site.\n\n"
                      "Portez toujours vos gants avant de démarrer la machine.\n", language="en")
    engine = fake_engine("en", "pt", lambda t: "Use sempre o capacete e as luvas antes de começar.")
    report = segment_report(doc, Translator(engines=[engine], bundled=False).translate(doc, "en", "pt"))
    assert [(e["line"], e["language"], e.get("identified_as")) for e in report] == [(1, "en", None), (3, "en", "fr")]
    assert report[1]["outcome"] == "translated" and report[1]["from"] == "en"


def test_a_translation_that_asks_for_a_check_says_so_in_the_manifest():
    # An engine that drops the pound sign and cannot spell ü, as the bundled en->pt model does
    # (it translates: a copied line is flagged "untranslated" only, its letters are no respelling).
    said = {"The kit costs £4 in the shop.": "O kit custa £4 na loja.",
            "Give the kit to Jürgen Müller at the desk.": "Entregue o kit a Jürgen Müller no balcão."}
    engine = fake_engine("en", "pt", lambda t: said[t].replace("£", "").replace("ü", "'"), "en-pt")
    doc = read_source("The kit costs £4 in the shop.\n\nGive the kit to Jürgen Müller at the desk.\n")
    report = segment_report(doc, Translator(engines=[engine], bundled=False).translate(doc, "en", "pt"))
    price, names = (e.get("check", []) for e in report)
    assert "currency-changed:£" in price and {"respelled:Jürgen", "respelled:Müller"} <= set(names)
    # control: an engine that keeps the sign and the letters leaves neither to check (the fake
    # engine's English output is still flagged "untranslated")
    same = fake_engine("en", "pt", lambda t: t, "en-pt")
    checks = [c for e in segment_report(doc, Translator(engines=[same], bundled=False).translate(doc, "en", "pt"))
              for c in e.get("check", [])]
    assert checks and not any(c.startswith(("currency", "respelled")) for c in checks)


def test_a_sentence_a_reviewer_edited_says_so_with_both_texts():
    """Before: the manifest did not say which sentences a person changed."""
    doc = read_source("Pay £5. Wear gloves.\n")
    translation = Translator(engines=_engines(("en", "pt")), bundled=False).translate(doc, "en", "pt")
    edits = {"s1": ("<en>Pay 5.", "Pague £5.")}
    report = segment_report(doc, translation, edits)
    assert report[0]["edited"] == {"from": "<en>Pay 5.", "to": "Pague £5."}
    assert "edited" not in report[1]
    assert all("edited" not in e for e in segment_report(doc, translation))


@pytest.mark.parametrize("flag, words", [
    ("currency-changed:£", "the currency sign £ is missing from the translation"),
    ("respelled:Jürgen", "the name Jürgen was respelled"),
    ("numbers-changed", "the numbers differ from the source"),
    ("possibly-truncated", "the translation may be cut short"),
    ("untranslated", "the sentence was left untranslated"),
    ("repetition", "the translation repeats itself"),
    ("glossary-dropped:torque wrench|PPE", "the glossary term(s) torque wrench, PPE are missing from the translation"),
    ("emoji-dropped:🇧🇷|👍🏽", "the emoji 🇧🇷, 👍🏽 in the script are not translated or voiced"),
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
