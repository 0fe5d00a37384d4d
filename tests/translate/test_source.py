import time

import pytest

from translate import EmptySourceError, read_source
from translate.detect import detect_language, guess_language
from translate.segment import split_long, split_sentences
from tests.helpers.translate import SOP


def test_markdown_structure_is_kept():
    doc = read_source(SOP)
    assert doc.format == "markdown" and doc.language == "en" and doc.language_detected
    kinds = [b.kind for b in doc.blocks]
    assert kinds == ["heading", "paragraph", "step", "step", "step", "bullet", "bullet"]
    assert [b.number for b in doc.blocks if b.kind == "step"] == [1, 2, 3]
    assert len(doc.blocks[1].sentences) == 2
    assert [s.id for s in doc.sentences] == [f"s{i}" for i in range(1, 9)]
    assert all(doc.blocks[s.block].index == s.block for s in doc.sentences)
    rendered = doc.render({"s1": "Limpeza do bico", "s4": "Desligue a máquina."})
    assert rendered.startswith("# Limpeza do bico\n")
    assert "1. Desligue a máquina.\n2. Remove the nozzle" in rendered
    assert "- Never use a metal brush.\n- Report damage" in rendered
    # rendering with no replacements gives back a document that parses to the same structure
    again = read_source(doc.render({}))
    assert [(b.kind, b.number, [s.text for s in b.sentences]) for b in again.blocks] == \
           [(b.kind, b.number, [s.text for s in b.sentences]) for b in doc.blocks]


def test_plain_text_and_inline_markdown():
    doc = read_source("Open the valve. Then close it!\n\nStep two follows?  Yes.", format="text")
    assert doc.format == "text" and [b.kind for b in doc.blocks] == ["paragraph", "paragraph"]
    assert [s.text for s in doc.sentences] == ["Open the valve.", "Then close it!", "Step two follows?", "Yes."]
    md = read_source("Press **Start** and see [the manual](http://x/y).", format="markdown")
    assert md.sentences[0].text == "Press Start and see the manual."


@pytest.mark.parametrize("text,language,expected", [
    ("Dr. Smith checked pump No. 4 at 4.5 bar. It was fine.", "en",
     ["Dr. Smith checked pump No. 4 at 4.5 bar.", "It was fine."]),
    ("Use e.g. a cloth. Then dry it.", "en", ["Use e.g. a cloth.", "Then dry it."]),
    ("O Sr. Silva abriu a válvula. Depois fechou.", "pt", ["O Sr. Silva abriu a válvula.", "Depois fechou."]),
    ("Ventil z.B. öffnen. Dann schließen.", "de", ["Ventil z.B. öffnen.", "Dann schließen."]),
    ("バルブを開けます。次に閉めます。", "ja", ["バルブを開けます。", "次に閉めます。"]),
])
def test_segmentation_is_language_aware(text, language, expected):
    assert split_sentences(text, language) == expected


def test_split_long_sentence_at_clauses():
    sentence = ", ".join(f"check part {i} carefully" for i in range(30)) + "."
    parts = split_long(sentence, 40)
    assert len(parts) > 1 and all(len(p.split()) <= 40 for p in parts)
    assert " ".join(parts).split() == sentence.split()  # nothing lost
    assert split_long("Short one.", 40) == ["Short one."]


@pytest.mark.parametrize("text", ["", "   \n\t  ", "\ufeff\n"])
def test_empty_script_is_a_clear_error(text):
    with pytest.raises(EmptySourceError, match="empty"):
        read_source(text)


def test_markup_only_script_is_a_clear_error():
    with pytest.raises(EmptySourceError, match="no sentences"):
        read_source("#\n\n---\n", format="markdown")


def test_fifty_thousand_words_are_segmented():
    sentence = "Check the pressure gauge and record the value in the log book before the shift ends. "
    text = "# Long\n\n" + "\n\n".join(sentence * 20 for _ in range(185))  # 16 words x 20 x 185 ≈ 59k words
    assert len(text.split()) > 50000
    start = time.perf_counter()
    doc = read_source(text)
    elapsed = time.perf_counter() - start
    assert len(doc.sentences) == 1 + 20 * 185
    assert elapsed < 30  # a generous bound: linear segmentation takes well under a second


def test_language_detection_and_mixed_language():
    assert detect_language("Wear gloves and check the valve before you start.") == "en"
    assert detect_language("Use luvas e verifique a válvula antes de começar.") == "pt"
    assert detect_language("バルブを開けます。") == "ja"
    assert guess_language("Use luvas e verifique a válvula antes de começar o trabalho.") == "pt"
    assert guess_language("Open it.") is None  # too short to tell: no false alarm
    doc = read_source("Wear gloves before you start the machine. Check that the guard is in place.\n\n"
                      "Use luvas antes de começar a máquina.")
    assert doc.language == "en"
    doc = read_source("Use luvas.", language="PT_br")
    assert doc.language == "pt-BR" and not doc.language_detected


WITH_EMOJI = "# Safety 🚧\n\nWear your helmet ⛑️ before entering the site! 👷‍♀️ Thanks 🙏.\n\n🎉🎉\n\n- ✅ Done 👍🏽\n"
WITHOUT_EMOJI = "# Safety\n\nWear your helmet before entering the site! Thanks.\n\n- Done\n"


def test_emoji_stay_out_of_sentences_and_an_emoji_line_is_skipped():
    with_emoji, without = read_source(WITH_EMOJI), read_source(WITHOUT_EMOJI)
    assert [s.text for s in with_emoji.sentences] == [s.text for s in without.sentences] == \
        ["Safety", "Wear your helmet before entering the site!", "Thanks.", "Done"]
    assert [(b.kind, len(b.sentences)) for b in with_emoji.blocks] == [(b.kind, len(b.sentences)) for b in without.blocks]
    assert [(s.line, s.text, s.reason) for s in with_emoji.skipped] == [
        (1, "🚧", "emoji removed"), (3, "⛑️ 👷‍♀️ 🙏", "emoji removed"), (5, "🎉🎉", "emoji only"),
        (7, "✅ 👍🏽", "emoji removed")]
    assert without.skipped == ()
    # a line of emoji inside a plain-text paragraph neither splits it nor is said
    doc = read_source("Open the valve\n🔧🔧\nslowly.", format="text")
    assert [s.text for s in doc.sentences] == ["Open the valve slowly."] and doc.skipped[0].line == 2
    dots = read_source("Wait.\n\n...\n\nGo.", format="text")
    assert [(s.line, s.text, s.reason) for s in dots.skipped] == [(3, "...", "no words")]
    with pytest.raises(EmptySourceError, match="emoji"):
        read_source("🎉🎉\n👍")


def test_a_keycap_reads_as_its_character_and_other_removed_emoji_are_on_the_sentence():
    doc = read_source("Press 1️⃣ then check the 🇧🇷 label.\nThen press #️⃣ and *⃣ to save.", format="text")
    assert [s.text for s in doc.sentences] == ["Press 1 then check the label.", "Then press # and * to save."]
    assert [s.dropped for s in doc.sentences] == [("🇧🇷",), ()]
    assert [(s.line, s.text, s.reason) for s in doc.skipped] == [(1, "🇧🇷", "emoji removed")]
    # a sentence over two lines carries what its second line lost
    two = read_source("Switch the printer\noff 🔌 now.\n\nDone.", format="text")
    assert [s.dropped for s in two.sentences] == [("🔌",), ()]


def test_markdown_images_are_not_narrated():
    text = ("# Pump\n\n![diagram of the pump](img/pump.png)\n\n"
            "See the valve ![red valve](v.png) on the left.\nIt is <img src=x.png alt=\"x\"> red.\n")
    doc = read_source(text)
    said = " ".join(s.text for s in doc.sentences)
    assert "diagram" not in said and "red valve" not in said and "img" not in said
    assert [s.text for s in doc.sentences] == ["Pump", "See the valve on the left.", "It is red."]
    assert read_source("See the manual and ![fig. 2](f.png \"Figure\").", format="markdown").sentences[0].text \
        == "See the manual and."
    assert [(s.line, s.text, s.reason) for s in doc.skipped] == [
        (3, "diagram of the pump", "image"), (5, "red valve", "image"), (6, '<img src=x.png alt="x">', "image")]
    # in plain text, the same characters are words, not markup
    assert "diagram" in read_source("![diagram](a.png) shows it.", format="text").sentences[0].text


def test_each_sentence_keeps_its_script_line():
    text = "Wear gloves. Open the\nvalve now. Close it.\n\n1. First step.\n   More of it. Last.\n\n## Heading\n"
    doc = read_source(text)
    assert [(s.text, s.line) for s in doc.sentences] == [
        ("Wear gloves.", 1), ("Open the valve now.", 1), ("Close it.", 2),
        ("First step.", 4), ("More of it.", 5), ("Last.", 5), ("Heading", 7)]
