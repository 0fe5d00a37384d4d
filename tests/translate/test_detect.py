"""Language identification: py3langid among polydub's languages, writing systems first, and
nothing said about text too short to judge."""

import pytest

from translate.detect import MIN_LETTERS, detect_language, guess_language, identify
from tests.helpers.sentences import LATIN, NOT_LANGUAGE, OWN_SCRIPT


@pytest.mark.parametrize("language", sorted(LATIN))
def test_whole_sentences_are_identified(language):
    found = [identify(s) for s in LATIN[language]]
    assert [f.language for f in found] == [language] * len(found)
    assert all(f.evidence == "model" and f.letters >= MIN_LETTERS for f in found)


@pytest.mark.parametrize("language", sorted(OWN_SCRIPT))
def test_own_writing_systems_decide_even_short_lines(language):
    for sentence in OWN_SCRIPT[language]:
        found = identify(sentence)
        assert found.language == language and found.evidence == "script"


def test_kana_makes_han_japanese():
    assert identify("機械を止める").language == "ja" and identify("关闭机器").language == "zh"


@pytest.mark.parametrize("text", NOT_LANGUAGE)
def test_headings_names_and_codes_are_not_judged(text):
    assert identify(text) is None


def test_the_length_floor_is_what_decides():
    # the same German words: judged only once they reach MIN_LETTERS letters
    short, long = "Schalten Sie", "Schalten Sie die Maschine aus"
    assert sum(c.isalpha() for c in short) < MIN_LETTERS <= sum(c.isalpha() for c in long)
    assert identify(short) is None and identify(long).language == "de"
    assert identify(short, min_letters=5) is not None  # negative control: the floor, not the model


def test_document_language_and_output_guess():
    assert detect_language("Wear gloves and check the valve before you start.") == "en"
    assert detect_language("Use luvas e verifique a válvula antes de começar.") == "pt"
    assert detect_language("バルブを開けます。") == "ja"
    assert detect_language("1234 !!") == "en" and detect_language("1234", default="pt") == "pt"
    # a few words are too little evidence: the default, not a coin toss between en and nl
    assert detect_language("Open it.", default="pt") == "pt"
    assert guess_language("Use luvas e verifique a válvula antes de começar o trabalho.") == "pt"
    assert guess_language("Open it.") is None


def test_a_script_is_the_language_of_most_of_its_lines():
    english = "Welcome to the plant tour of the northern site.\n\nPlease follow the guide at all times.\n\n"
    russian = "Пожалуйста, наденьте защитные очки перед входом."
    assert detect_language(english + russian) == "en"
    # negative control: the model on the whole text takes the two-byte Cyrillic for most of it
    assert identify(english + russian).language == "ru"
