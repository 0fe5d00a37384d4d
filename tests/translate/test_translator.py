import pytest

from translate import (
    EmptySourceError, Glossary, TranslationMemory, Translator, UnsupportedPairError, read_source,
)
from tests.helpers.translate import SOP, fake_engine


def test_bergamot_en_to_pt_keeps_structure(bergamot):
    doc = read_source(SOP)
    result = bergamot.translate(doc, "en", "pt")
    assert result.target_language == "pt-BR" and result.requested_target == "pt"
    assert result.backend == "bergamot" and result.pivot is None
    assert [s.id for s in result.sentences] == [s.id for s in doc.sentences]
    texts = result.texts
    assert "bico" in texts["s1"].lower()          # nozzle
    assert "luvas" in texts["s3"].lower()         # gloves
    assert "5 minutos" in texts["s4"]
    assert all(s.text != s.source for s in result.sentences)
    assert not any("untranslated" in s.flags for s in result.sentences)
    script = doc.render(result)
    translated = read_source(script, language="pt-BR")
    assert [b.kind for b in translated.blocks] == [b.kind for b in doc.blocks]
    assert [b.number for b in translated.blocks] == [b.number for b in doc.blocks]


def test_bergamot_pt_to_en_and_no_postprocessor_damage(bergamot):
    result = bergamot.translate(["Coloque a planta no jardim.", "Use luvas antes de começar."], "pt-BR", "en")
    assert result.source_language == "pt-BR" and result.target_language == "en"
    assert "garden" in result.sentences[0].text and "gloves" in result.sentences[1].text.lower()
    # the package's post-processor turned "no jardim" into "não jardim"; the native engine does not
    there = bergamot.translate(["Put the plant in the garden."], "en", "pt")
    assert "no jardim" in there.sentences[0].text and "não" not in there.sentences[0].text
    # the model is Brazilian Portuguese: asking for pt-PT says which variant was given
    variant = bergamot.translate(["Wear gloves."], "en", "pt-PT")
    assert variant.requested_target == "pt-PT" and variant.target_language == "pt-BR"


def test_identity_needs_no_model():
    translator = Translator(bundled=False)
    result = translator.translate(read_source(SOP), "en", "en-US")
    assert result.backend == "identity" and result.model is None
    assert [s.text for s in result.sentences] == [s.source for s in result.sentences]


def test_unsupported_pair_lists_pairs_and_how_to_add(bergamot):
    with pytest.raises(UnsupportedPairError) as err:
        bergamot.translate(["Open the valve."], "en", "de")
    message = str(err.value)
    assert "en->pt-BR" in message and "pt-BR->en" in message and "polydub models import" in message
    assert "\n" not in message


def test_translate_rejects_a_bare_string(bergamot):
    from translate import TranslationError

    with pytest.raises(TranslationError, match="read_source"):
        bergamot.translate("Open the valve.", "en", "pt")
    with pytest.raises(EmptySourceError):
        read_source(" ")


def test_glossary_terms_survive_translation(bergamot):
    glossary = Glossary.of(keep=["FlowMaster 3000", "C++ (beta)"], forced={"pt-BR": {"filling nozzle": "bocal de envase"}})
    translator = Translator(glossary=glossary)
    result = translator.translate(
        ["Clean the filling nozzle of the FlowMaster 3000 every day.", "Update the C++ (beta) tools."], "en", "pt")
    first, second = result.sentences
    assert "FlowMaster 3000" in first.text and "bocal de envase" in first.text
    assert "C++ (beta)" in second.text
    assert result.glossary_report.ok and len(result.glossary_report.applied) == 3
    assert not any(f.startswith("glossary-dropped") for s in result.sentences for f in s.flags)


def test_a_dropped_glossary_term_is_reported():
    # an engine that loses the placeholder, as a weak model can
    engine = fake_engine("en", "de", lambda t: " ".join(w for w in t.split() if not w.startswith("ZX")))
    translator = Translator(engines=[engine], glossary=Glossary.of(keep=["TX-200"]), bundled=False)
    result = translator.translate(["Start the TX-200 pump now."], "en", "de")
    assert result.glossary_report.dropped == (("s1", "TX-200"),)
    assert "glossary-dropped:TX-200" in result.sentences[0].flags
    # negative control: an engine that copies the placeholder through keeps the term
    keep = fake_engine("en", "de", lambda t: t.replace("Start the", "Starten Sie die"))
    ok = Translator(engines=[keep], glossary=Glossary.of(keep=["TX-200"]), bundled=False)
    kept = ok.translate(["Start the TX-200 pump now."], "en", "de")
    assert "TX-200" in kept.sentences[0].text and kept.glossary_report.ok


def test_emoji_removed_from_a_sentence_are_a_check_flag_and_a_keycap_is_translated():
    engine = fake_engine("en", "pt", lambda t: t.upper())
    result = Translator(engines=[engine], bundled=False).translate(
        read_source("Press 1️⃣ then check the 🇧🇷 label.\n\nDone.", format="text"), "en", "pt")
    assert engine.batches == [["Press 1 then check the label.", "Done."]]
    assert ["emoji-dropped:🇧🇷" in s.flags for s in result.sentences] == [True, False]
    same = Translator(bundled=False).translate(read_source("Press 1️⃣ then the 🇧🇷 label."), "en", "en-US")
    assert same.sentences[0].flags == ("emoji-dropped:🇧🇷",)


def test_a_line_left_untranslated_is_not_called_respelled():
    # a French line read as English: the model copies it, losing its accented letters
    engine = fake_engine("en", "pt", lambda t: t.replace("è", "'").replace("é", "'"))
    copied = Translator(engines=[engine], bundled=False).translate(
        ["Retirez la buse avec la clé de sept millimètres."], "en", "pt").sentences[0]
    assert copied.text == "Retirez la buse avec la clé de sept millimètres."  # letters put back
    assert "untranslated" in copied.flags and not [f for f in copied.flags if f.startswith("respelled:")]
    # negative control: a translated sentence whose name lost a letter is still flagged
    names = fake_engine("en", "pt", lambda t: "Ligue para J'rgen agora.")
    called = Translator(engines=[names], bundled=False).translate(["Call Jürgen now."], "en", "pt").sentences[0]
    assert called.text == "Ligue para Jürgen agora." and "respelled:Jürgen" in called.flags


def test_glossary_terms_with_regex_characters_are_literal():
    glossary = Glossary.of(keep=["a.b*c", "(x|y)", "$5+"])
    protected = glossary.protect("Use a.b*c and (x|y) for $5+ but not aXbbbc or x.", "de")
    assert [s.found for s in protected.slots] == ["a.b*c", "(x|y)", "$5+"]
    assert "aXbbbc" in protected.text  # "." and "*" did not act as a pattern
    restored, dropped = Glossary.restore(protected.text, protected)
    assert restored == "Use a.b*c and (x|y) for $5+ but not aXbbbc or x." and not dropped


def test_translation_memory_avoids_a_second_backend_call(tmp_path):
    engine = fake_engine("en", "de", lambda t: t.upper())
    memory = TranslationMemory(tmp_path / "tm.sqlite")
    translator = Translator(engines=[engine], memory=memory, bundled=False)
    doc = read_source("Open the valve. Close the valve.")
    first = translator.translate(doc, "en", "de")
    assert engine.calls == 2 and first.memory_hits == 0
    # a new translator on the same memory file: nothing reaches the backend
    engine2 = fake_engine("en", "de", lambda t: t.upper())
    again = Translator(engines=[engine2], memory=TranslationMemory(tmp_path / "tm.sqlite"), bundled=False)
    second = again.translate(doc, "en", "de")
    assert engine2.calls == 0 and second.memory_hits == 2
    assert second.texts == first.texts and all("memory" in s.flags for s in second.sentences)
    # editing one sentence re-translates only that sentence
    edited = again.translate(read_source("Open the valve. Close the big valve."), "en", "de")
    assert engine2.calls == 1 and edited.memory_hits == 1
    # a changed glossary is a different key: negative control for the hit
    third = Translator(engines=[engine2], memory=memory, glossary=Glossary.of(keep=["valve"]), bundled=False)
    third.translate(doc, "en", "de")
    assert engine2.calls == 3


def test_pivot_through_english():
    to_en = fake_engine("de", "en", lambda t: "EN(" + t + ")", "de-en")
    from_en = fake_engine("en", "es", lambda t: "ES(" + t + ")", "en-es")
    translator = Translator(engines=[to_en, from_en], bundled=False)
    result = translator.translate(["Öffnen Sie das Ventil."], "de", "es")
    assert result.pivot == "en" and result.backend == "fake+fake"
    assert result.sentences[0].text == "ES(EN(Öffnen Sie das Ventil.))"
    assert "pivot:en" in result.sentences[0].flags
    # negative control: a direct model wins over the pivot
    direct = fake_engine("de", "es", lambda t: "DIRECT", "de-es")
    assert Translator(engines=[to_en, from_en, direct], bundled=False).translate(["x y z"], "de", "es").pivot is None


def test_pivot_through_bundled_bergamot():
    from_en = fake_engine("en", "de", lambda t: "DE:" + t, "en-de")
    translator = Translator(engines=[from_en])
    result = translator.translate(["Coloque a planta no jardim."], "pt", "de")
    assert result.pivot == "en" and result.sentences[0].text.startswith("DE:") and "garden" in result.sentences[0].text


def test_guards_flag_loops_truncation_and_untranslated_output():
    looping = fake_engine("en", "de", lambda t: "das das das das das Ventil", "loop")
    r = Translator(engines=[looping], bundled=False).translate(["Open the valve and check it carefully."], "en", "de")
    assert "repetition" in r.sentences[0].flags and r.sentences[0].text == "das Ventil"
    copying = fake_engine("en", "de", lambda t: t, "copy")
    r = Translator(engines=[copying], bundled=False).translate(["Open the valve and check the gauge."], "en", "de")
    assert "untranslated" in r.sentences[0].flags
    short = fake_engine("en", "de", lambda t: "Ventil.", "short")
    r = Translator(engines=[short], bundled=False).translate(
        ["Open the main valve slowly and then check the pressure gauge on the left side."], "en", "de")
    assert "possibly-truncated" in r.sentences[0].flags
    # negative control: a plausible translation raises no flag
    good = fake_engine("en", "de", lambda t: "Öffnen Sie das Ventil und prüfen Sie das Manometer.", "good")
    r = Translator(engines=[good], bundled=False).translate(["Open the valve and check the gauge."], "en", "de")
    assert r.sentences[0].flags == ()


def test_long_sentences_are_split_before_translation():
    engine = fake_engine("en", "de", lambda t: f"[{len(t.split())}]")
    translator = Translator(engines=[engine], bundled=False, max_words=10)
    long = ", ".join(f"check part {i}" for i in range(12)) + "."
    r = translator.translate([long], "en", "de")
    assert all(len(t.split()) <= 10 for t in engine.batches[0]) and len(engine.batches[0]) > 1
    assert "split" in r.sentences[0].flags


def test_fifty_thousand_words_translate_in_bounded_batches():
    engine = fake_engine("en", "de", lambda t: "Prüfen Sie den Druck und notieren Sie den Wert.")
    translator = Translator(engines=[engine], bundled=False)
    sentence = "Check the pressure gauge and record the value in the log book before the shift ends. "
    doc = read_source("\n\n".join(sentence * 20 for _ in range(160)))
    seen = []
    result = translator.translate(doc, "en", "de", progress=lambda done, total: seen.append((done, total)))
    assert len(result.sentences) == 3200 and engine.calls == 3200
    assert max(len(b) for b in engine.batches) <= 256  # bounded backend calls
    assert seen[-1] == (3200, 3200) and len(seen) == len(engine.batches)


def test_mixed_language_script(bergamot):
    text = "Wear gloves before you start the machine.\n\nUse sempre luvas antes de começar a máquina."
    result = bergamot.translate(read_source(text), "en", "pt")
    pt_sentence = result.sentences[1]
    assert pt_sentence.text == pt_sentence.source and "already-in-target-language" in pt_sentence.flags
    assert result.sentences[0].flags == () and "luvas" in result.sentences[0].text
    # a given source language is every sentence's: the Portuguese line goes through en->pt, with a note
    forced = bergamot.translate(read_source(text, language="en"), "en", "pt")
    assert "already-in-target-language" not in forced.sentences[1].flags
    assert "language-mismatch:pt" in forced.sentences[1].flags
    # a list of sentences in a third language is translated as the given language, and noted
    engine = fake_engine("en", "de", lambda t: "Öffnen Sie das Ventil, bevor Sie die Pumpe starten.")
    mixed = Translator(engines=[engine], bundled=False).translate(
        ["Open the valve before you start the pump.", "Abra la válvula antes de empezar con la bomba."], "en", "de")
    assert mixed.sentences[0].flags == () and "language-mismatch:es" in mixed.sentences[1].flags


def test_the_same_words_are_translated_spoken_and_subtitled_with_and_without_emoji():
    from pipeline.subtitles import cues_from_timings
    from tts.normalize import Normalizer

    with_emoji = "# Safety 🚧\n\nWear your helmet ⛑️ before entering the site! 👷‍♀️ Thanks 🙏.\n\n🙌🏾\n\n🇧🇷 Go!\n"
    without = "# Safety\n\nWear your helmet before entering the site! Thanks.\n\nGo!\n"
    seen = []
    for text in (with_emoji, without):
        engine = fake_engine("en", "de", lambda t: t.upper())
        result = Translator(engines=[engine], bundled=False).translate(read_source(text), "en", "de")
        spoken = [Normalizer("de")(s.text) for s in result.sentences]  # what the voice is given to say
        timings = [(i * 2.0, i * 2.0 + 1.5, t) for i, t in enumerate(spoken)]
        seen.append((engine.batches, spoken, cues_from_timings(timings)))
    assert seen[0] == seen[1]
    assert seen[0][0] == [["Safety", "Wear your helmet before entering the site!", "Thanks.", "Go!"]]
    assert seen[0][1][1] == "WEAR YOUR HELMET BEFORE ENTERING THE SITE!"


def test_names_keep_their_letters_and_lost_currency_is_flagged(bergamot):
    # The bundled en->pt model cannot spell ü (it writes "J'rgen M'ller") and turns "£4" into
    # "4 euros": the names are put back as written and the sentence is flagged for review.
    result = bergamot.translate(["Give the report to Jürgen Müller.", "The filter costs £4."],
                                "en", "pt")
    names, price = result.sentences
    assert "Jürgen Müller" in names.text and "'" not in names.text
    assert {"respelled:Jürgen", "respelled:Müller"} <= set(names.flags)
    assert "currency-changed:£" in price.flags, price
