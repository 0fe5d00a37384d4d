"""What can run here: tag normalisation, language names, the checks a job meets at creation."""

from __future__ import annotations

import pytest

from pipeline.jobs.capabilities import (ModelCapabilities, OpenCapabilities, capabilities_for, job_language,
                                        language_name, normalize_spec, normalize_tag, pack_spec)
from pipeline.jobs.spec import JobSpec, SpecError


@pytest.mark.parametrize("tag, want", [("PT-br", "pt-BR"), ("pt_br", "pt-BR"), ("EN", "en"), ("zh-hant-tw", "zh-Hant-TW"),
                                       ("und", "und"), ("p t", "p t")])
def test_normalize_tag(tag, want):
    assert normalize_tag(tag) == want


def test_normalize_spec_every_place_a_tag_goes():
    spec = normalize_spec(JobSpec(languages=("PT-br", "ES"), presenters=("p1",), text="Hi.", source_language="EN",
                                  voices={"PT-br": "kokoro:pf_dora"}, glossary={"keep": [], "forced": {"Es": {"a": "b"}}}))
    assert spec.languages == ("pt-BR", "es") and spec.source_language == "en"
    assert dict(spec.voices) == {"pt-BR": "kokoro:pf_dora"} and set(spec.glossary["forced"]) == {"es"}
    narr = normalize_spec(JobSpec(languages=("PT",), presenters=("p1",), narrations={"PT": "k"}))
    assert dict(narr.narrations) == {"pt": "k"} and narr.languages == ("pt",)


def test_pack_spec_names_every_language_as_its_pack_does():
    spec = pack_spec(JobSpec(languages=("PT", "es"), presenters=("p1",), text="Hi.",
                             voices={"pt": "kokoro:pf_dora", "p1": {"pt": "female"}},
                             glossary={"forced": {"pt": {"a": "b"}}}))
    assert spec.languages == ("pt-BR", "es")
    assert dict(spec.voices) == {"pt-BR": "kokoro:pf_dora", "p1": {"pt-BR": "female"}}
    assert set(spec.glossary["forced"]) == {"pt-BR"}
    narr = pack_spec(JobSpec(languages=("pt",), presenters=("p1",), narrations={"pt": "k"}))
    assert dict(narr.narrations) == {"pt-BR": "k"} and narr.languages == ("pt-BR",)


@pytest.mark.parametrize("asked, languages, want", [
    ("pt", ("pt-BR", "es"), "pt-BR"),  # a job made now: the bare tag names its pack tag
    ("pt", ("pt", "es"), "pt"), ("pt-BR", ("pt", "es"), "pt"),  # a job stored before stays readable
    ("PT-br", ("pt-BR",), "pt-BR"), ("de", ("pt-BR",), "de")])
def test_job_language(asked, languages, want):
    assert job_language(asked, languages) == want


@pytest.mark.parametrize("tag, name", [("pt-BR", "Portuguese (Brazil)"), ("es", "Spanish"), ("de-AT", "German (AT)"),
                                       ("qq", "qq")])
def test_language_name(tag, name):
    assert language_name(tag) == name


def test_which_runner_is_checked():
    assert isinstance(capabilities_for("pipeline.jobs.runner:PipelineRunner"), ModelCapabilities)
    assert isinstance(capabilities_for("tests.helpers.runners:CountingRunner"), OpenCapabilities)
    assert isinstance(capabilities_for("tests.helpers.runners:ModelCheckedRunner"), ModelCapabilities)


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory):
    """Nothing imported: the bundled en<->pt-BR models and the installed voices."""
    return ModelCapabilities(tmp_path_factory.mktemp("models"))


def _spec(**fields) -> JobSpec:
    return JobSpec(**{"presenters": ("p1",), **fields})


def test_no_model_is_refused_with_what_to_import(empty_store):
    with pytest.raises(SpecError, match=r"languages: Spanish \(es\): no model translates en->es.*polydub models import"):
        empty_store.check(_spec(languages=("es",), text="Hi.", source_language="en"))
    with pytest.raises(SpecError, match=r"no model translates into Spanish \(es\)"):
        empty_store.check(_spec(languages=("es",), recording="k"))  # source detected later: any model into es


def test_no_translation_needed_is_not_refused(empty_store):
    empty_store.check(_spec(languages=("es",), narrations={"es": "k"}))
    empty_store.check(_spec(languages=("es",), text="Hola.", source_language="es"))
    empty_store.check(_spec(languages=("es",), text="Hi.", source_language="en", translations="sha256:" + "0" * 64))
    empty_store.check(_spec(languages=("pt-BR",), text="Hi.", source_language="en"))


def test_unknown_voice_and_language(empty_store):
    with pytest.raises(SpecError, match="voices: pt-BR: no voice 'piper:nobody' is installed"):
        empty_store.check(_spec(languages=("pt-BR",), text="Hi.", source_language="en", voices={"pt-BR": "piper:nobody"}))
    with pytest.raises(SpecError, match="languages: qq: no installed voice speaks"):
        empty_store.check(_spec(languages=("qq",), text="Hi.", source_language="en"))
    with pytest.raises(SpecError, match="does not speak Portuguese"):
        empty_store.check(_spec(languages=("pt-BR",), text="Hi.", source_language="en", voices={"pt-BR": "espeak:de"}))


def test_languages_what_runs_first(empty_store):
    rows = empty_store.languages("en")
    assert rows[0].tag == "pt-BR" and rows[0].runs and rows[0].voices
    spanish = next(r for r in rows if r.tag == "es")
    assert not spanish.runs and spanish.needs == "a translation model en-es"
    assert [r.runs for r in rows] == sorted((r.runs for r in rows), reverse=True)
    assert {r.tag for r in empty_store.languages("pt-BR") if r.runs} == {"en"}


def test_a_cloned_voice_is_left_to_the_submission_that_resolves_it(empty_store):
    """`clone:<backend>` is no installed voice: whether it can clone is decided per presenter when
    the job is submitted (pipeline.cloning); the language must still have a voice."""
    empty_store.check(_spec(languages=("pt-BR",), text="Hi.", source_language="en", voices={"pt-BR": "clone:xtts"}))
    with pytest.raises(SpecError, match="languages: qq: no installed voice speaks"):
        empty_store.check(_spec(languages=("qq",), text="Hi.", source_language="en", voices={"qq": "clone:xtts"}))


@pytest.mark.parametrize("languages", [["pt", "pt-BR"], ["pt-br", "es", "PT"]])
def test_two_tags_of_one_pack_are_refused_once_resolved(languages):
    """fresh3 finding 2: `--lang pt,pt-BR` ran the job twice into one pt-BR folder."""
    with pytest.raises(SpecError, match=r"are both Portuguese \(Brazil\): list it once"):
        normalize_spec(JobSpec(languages=tuple(languages), presenters=("p1",), text="Hi."))


def test_distinct_packs_pass_and_the_same_tag_twice_is_left_to_the_spec_check():
    assert normalize_spec(JobSpec(languages=("pt", "pt-PT", "es"), presenters=("p1",), text="Hi.")).languages == ("pt", "pt-PT", "es")
    with pytest.raises(SpecError, match="listed twice"):
        normalize_spec(JobSpec(languages=("pt", "PT"), presenters=("p1",), text="Hi.")).check()


@pytest.mark.parametrize("field, spec", [
    ("languages", {"languages": ("xx",)}),
    ("languages", {"languages": ("pt", "qq")}),
    ("source_language", {"languages": ("pt",), "source_language": "zz"}),
])
def test_a_tag_of_no_known_language_is_refused_in_one_line(field, spec):
    """fresh3 finding 16: `--lang xx` was taken for a language (an en-xx model suggested)."""
    with pytest.raises(SpecError, match=rf"^{field}: '\w\w' is not a known language \(not in the IANA language "
                                        r"subtag registry\); give a BCP-47 tag such as pt, es or pt-BR$"):
        normalize_spec(_spec(text="Hi.", **spec))
    # known languages pass, with regions and scripts; a string that is no tag is the spec check's
    normalize_spec(_spec(languages=("pt-BR", "zh-Hant", "sr-Latn", "tlh", "de-AT"), text="Hi."))
    with pytest.raises(SpecError, match="is not a BCP-47 language tag"):
        normalize_spec(_spec(languages=("p!t",), text="Hi.")).check()


def test_a_missing_model_the_catalogue_can_fetch_says_how(empty_store):
    """fresh3 finding 16: en->es suggested only `models import` though opus-mt-en-es is fetchable."""
    with pytest.raises(SpecError, match=r"; or fetch one: `polydub models fetch opus-mt-en-es`$"):
        empty_store.check(_spec(languages=("es",), text="Hi.", source_language="en"))
    with pytest.raises(SpecError, match=r"; or fetch one: `polydub models fetch opus-mt-en-es`$"):
        empty_store.check(_spec(languages=("es",), recording="k"))
    with pytest.raises(SpecError) as caught:  # no catalogued model for Japanese into Hindi: no fetch said
        empty_store.check(_spec(languages=("hi",), text="Hi.", source_language="ja", voices={"hi": "espeak:hi"}))
    assert "models fetch" not in str(caught.value)
