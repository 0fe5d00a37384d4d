"""Review before render (XLIFF/CSV round trip) and a person's own translations as a backend."""

import json

import pytest

from translate import ReviewDocument, ReviewError, Translator, read_source
from translate.formats import FormatError
from tests.helpers.translate import fake_engine


@pytest.fixture()
def review():
    engine = fake_engine("en", "pt-BR", lambda t: "PT: " + t)
    doc = read_source("Open the valve. Close the valve.\n\n1. Wear gloves.")
    translation = Translator(engines=[engine], bundled=False).translate(doc, "en", "pt")
    return ReviewDocument.from_translation(translation)


def test_review_document_from_a_translation(review):
    assert review.language == "pt-BR" and not review.approved
    assert [e.id for e in review.entries] == ["s1", "s2", "s3"]
    assert review.texts["s1"] == "PT: Open the valve."
    edited = review.edit("s2", "Feche a válvula.", approved=True)
    assert edited.texts["s2"] == "Feche a válvula." and edited.pending() == ("s1", "s3")
    assert edited.approve_all().approved
    with pytest.raises(ReviewError, match="no sentence"):
        review.edit("s99", "x")


def test_xliff_round_trip(review):
    edited = review.edit("s1", "Abra a válvula.", approved=True).edit("s3", "Use luvas & <óculos>.")
    xliff = edited.to_xliff()
    assert 'target-language="pt-BR"' in xliff and "&lt;óculos&gt;" in xliff
    back = review.with_xliff(xliff)
    assert back.entries == edited.entries and back.problems == ()
    # a translator's tool edits the target of s2 and signs it off
    changed = xliff.replace('approved="no"><source>Close the valve.</source>', 'approved="yes"><source>Close the valve.</source>', 1)
    changed = changed.replace("<target state=\"needs-review-translation\">PT: Close the valve.</target>",
                              "<target state=\"signed-off\">Feche a válvula.</target>", 1)
    merged = review.with_xliff(changed)
    assert merged.texts["s2"] == "Feche a válvula." and next(e for e in merged.entries if e.id == "s2").approved


def test_xliff_with_missing_targets_keeps_work(review):
    xliff = review.edit("s1", "Abra a válvula.").to_xliff()
    from lxml import etree

    root = etree.fromstring(xliff.encode())
    ns = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
    for unit in root.findall(".//x:trans-unit", ns)[1:]:
        for target in unit.findall("x:target", ns):
            unit.remove(target)
    merged = review.with_xliff(etree.tostring(root))
    assert merged.texts == {"s1": "Abra a válvula.", "s2": "PT: Close the valve.", "s3": "PT: Wear gloves."}
    assert len(merged.problems) == 2 and all("no target" in p for p in merged.problems)
    assert not merged.approved
    with pytest.raises(FormatError, match="not well-formed"):
        review.with_xliff("<xliff><file>")
    with pytest.raises(ReviewError, match="is for de"):
        review.with_xliff(xliff.replace('target-language="pt-BR"', 'target-language="de"'))


def test_csv_round_trip(review):
    edited = review.edit("s2", 'Feche a "válvula", devagar.', approved=True)
    csv_text = edited.to_csv()
    back = review.with_csv(csv_text)
    assert back.entries == tuple(e if e.id != "s2" else e for e in edited.entries)
    assert back.texts["s2"] == 'Feche a "válvula", devagar.'
    bad = csv_text.replace("Open the valve.", "Something else.", 1)
    merged = review.with_csv(bad)
    assert any("source text differs" in p for p in merged.problems) and merged.texts["s1"] == "PT: Open the valve."
    with pytest.raises(ReviewError, match="columns"):
        review.with_csv("a,b\n1,2\n")


def test_provided_translations_from_every_format(tmp_path, review):
    import polib

    xliff = tmp_path / "mine.xliff"
    xliff.write_text(review.edit("s1", "Abra a válvula.").to_xliff(), encoding="utf-8")
    po = polib.POFile()
    po.metadata = {"Language": "pt_BR", "X-Source-Language": "en", "Content-Type": "text/plain; charset=UTF-8"}
    po.append(polib.POEntry(msgid="Close the valve.", msgstr="Feche a válvula."))
    po.save(str(tmp_path / "mine.po"))
    (tmp_path / "mine.csv").write_text("en,pt-BR\nWear gloves.,Use luvas.\n", encoding="utf-8")
    (tmp_path / "mine.json").write_text(json.dumps({"source": "en", "target": "pt-BR",
                                                    "translations": {"Dry it.": "Seque."}}), encoding="utf-8")
    for name, sentence, expected in (("mine.xliff", "Open the valve.", "Abra a válvula."),
                                     ("mine.po", "Close  the valve.", "Feche a válvula."),
                                     ("mine.csv", "Wear gloves.", "Use luvas."),
                                     ("mine.json", "Dry it.", "Seque.")):
        translator = Translator(models={name: tmp_path / name}, bundled=False)
        result = translator.translate([sentence, "Something not provided here."], "en", "pt")
        assert result.sentences[0].text == expected and "provided" in result.sentences[0].flags
        # nothing else translates this pair: the other sentence is kept and flagged, not lost
        assert result.sentences[1].text == "Something not provided here."
        assert "missing-translation" in result.sentences[1].flags


def test_provided_translations_win_over_machine_translation(tmp_path, bergamot):
    (tmp_path / "own.csv").write_text("source,target\nOpen the valve.,Abra a válvula principal.\n", encoding="utf-8")
    translator = Translator(models={"en-pt-BR": tmp_path / "own.csv"})
    result = translator.translate(["Open the valve.", "Wear gloves."], "en", "pt")
    assert result.sentences[0].text == "Abra a válvula principal."
    assert result.backend == "bergamot" and "luvas" in result.sentences[1].text.lower()
