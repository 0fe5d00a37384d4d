"""The MT guards on plain strings: letters a model cannot spell, figures it does not carry over."""

from __future__ import annotations

import pytest

from translate.guards import changed_figures, restore_unknown_letters


@pytest.mark.parametrize("source, output, want, words", [
    ("Ask Jürgen Müller.", "Pergunte a J'rgen M'ller.", "Pergunte a Jürgen Müller.", ("Jürgen", "Müller")),
    ("the crème brûlée", "o creme br'lée", "o creme brûlée", ("brûlée",)),
    ("Señor Piñata", "Se’or Pi'ata (a)", "Señor Piñata (a)", ("Piñata", "Señor")),
])
def test_words_the_model_could_not_spell_are_put_back(source, output, want, words):
    fixed, restored = restore_unknown_letters(source, output)
    assert fixed == want and sorted(restored) == sorted(words)


@pytest.mark.parametrize("source, output", [
    ("Ask Jürgen Müller.", "Pergunte a Jürgen Müller."),  # spelt right: nothing to do
    ("Ask Jurgen.", "Pergunte a J'rgen."),  # an ASCII source word is not guessed at
    ("Ask Jürgen.", "Pergunte a J'rgens."),  # another word: left alone
    ("Don't touch Müller's valve.", "Não toque na válvula do Mller."),  # dropped letters: not an apostrophe
])
def test_only_an_apostrophe_for_a_letter_outside_ascii_is_repaired(source, output):
    assert restore_unknown_letters(source, output) == (output, ())


@pytest.mark.parametrize("source, output, flags", [
    ("It costs £4 or 5 €.", "Custa 4 ou 5 euros.", ["currency-changed:€", "currency-changed:£"]),
    ("Wait 15 minutes.", "Aguarde 50 minutos.", ["numbers-changed"]),
    ("Open valve 3 and wait 1,500 ms.", "Abra a válvula 3 e aguarde 1.500 ms.", []),
    ("It costs $4.50.", "Custa US$ 4,50.", []),
    ("Wear gloves.", "Use luvas.", []),
])
def test_figures_not_carried_over_are_flagged(source, output, flags):
    assert sorted(changed_figures(source, output)) == sorted(flags)


def test_translation_checks_judge_any_translation_of_a_source():
    from translate.guards import translation_checks

    assert translation_checks("Pay £5 for 6 bar.", "Pague 5 por 7 bar.", "en", "pt") == [
        "numbers-changed", "currency-changed:£"]
    assert translation_checks("Pay £5 for 6 bar.", "Pague £5 por 6 bar.", "en", "pt") == []
    long = "Check the pressure gauge before you open the main valve and after you close it."
    assert translation_checks(long, "Verifique.", "en", "pt") == ["possibly-truncated"]
    assert translation_checks("Wear your safety gloves now.", "Wear your safety gloves now.", "en", "pt") == [
        "untranslated"]
    assert translation_checks("Wear your safety gloves now.", "Wear your safety gloves now.", None, "pt") == []
