"""`translate.glossary`: the terms a translation written by a person leaves out."""

from __future__ import annotations

from translate.glossary import Glossary


def test_missing_names_the_terms_of_the_source_whose_text_is_not_in_the_translation():
    g = Glossary.of(["PPE"], {"pt": {"nozzle": "bico"}})
    assert g.missing("Clean the nozzle, wear PPE.", "Limpe o bico, use PPE.", "pt") == ()
    assert g.missing("Clean the nozzle, wear PPE.", "Limpe o BICO, use EPI.", "pt") == (g.terms[0],)
    assert [t.source for t in g.missing("Clean the nozzle, wear PPE.", "Limpe-o.", "pt")] == ["nozzle", "PPE"]
    assert g.missing("Wear gloves.", "Use luvas.", "pt") == ()  # no term in the source: nothing to miss
    assert g.missing("Clean the nozzle.", "Limpie la boquilla.", "es") == ()  # the forced term is pt's only
