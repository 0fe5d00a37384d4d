"""`pipeline.jobs.review`: a reviewer's edit is checked again as the machine translation was
(a still-wrong number stays flagged, a corrected one is cleared)."""

from __future__ import annotations

import pytest

from pipeline.jobs import JobSpec
from tests.helpers.jobs import Harness

TEXT = "Set it to 6 bar and pay £5. Wear the PPE gloves."


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    from tests.helpers.media import flat_videos

    return flat_videos(tmp_path_factory.mktemp("videos"), 1)


@pytest.fixture
def reviewed(tmp_path, videos):
    """A job waiting for the review of its pt translation (s0 flagged: the fake loses the £)."""
    h = Harness(tmp_path)
    job = h.service.submit(JobSpec.from_dict({"text": TEXT, "languages": ["pt"], "presenters": [str(videos[0])],
                                              "review": True, "glossary": {"keep": ["PPE"]}}))
    h.run()
    return h, job


def _flags(h, job: str) -> dict[str, list[str]]:
    return {s["id"]: s["flags"] for s in h.service.review(job, "pt")["sentences"]}


def test_an_edit_that_keeps_a_wrong_number_stays_flagged(reviewed):
    """Before: every check flag of an edited sentence was cleared, whatever the reviewer wrote."""
    h, job = reviewed
    assert _flags(h, job)["s0"] == ["currency-changed:£"]
    h.service.edit(job, "pt", {"s0": "Ajuste para 7 bar e pague £5."})
    assert _flags(h, job)["s0"] == ["numbers-changed"]
    h.service.edit(job, "pt", {"s0": "Ajuste para 6 bar e pague 5 libras."})
    assert _flags(h, job)["s0"] == ["currency-changed:£"]
    h.service.edit(job, "pt", {"s0": "Ajuste para 6 bar e pague £5."})
    assert _flags(h, job)["s0"] == []


def test_an_edit_that_drops_a_glossary_term_is_flagged(reviewed):
    h, job = reviewed
    h.service.edit(job, "pt", {"s1": "Use as luvas de proteção."})
    assert _flags(h, job)["s1"] == ["glossary-dropped:PPE"]
    h.service.edit(job, "pt", {"s1": "Use as luvas PPE."})
    assert _flags(h, job)["s1"] == []


def test_an_edit_keeps_the_machine_translation_for_the_manifest(reviewed):
    """Before: an edit left no trace of the machine's words, so the pack could not say what a person changed."""
    from pipeline.segments import reviewer_edits

    h, job = reviewed
    machine = {s["id"]: s["text"] for s in h.service.review(job, "pt")["sentences"]}
    assert reviewer_edits(h.service.review(job, "pt")["sentences"]) == {}
    h.service.edit(job, "pt", {"s0": "Ajuste para 6 bar e pague £5."})
    h.service.edit(job, "pt", {"s0": "Ajuste-o para 6 bar e pague £5.", "s1": "Use as luvas PPE."})
    assert reviewer_edits(h.service.review(job, "pt")["sentences"]) == {
        "s0": (machine["s0"], "Ajuste-o para 6 bar e pague £5."), "s1": (machine["s1"], "Use as luvas PPE.")}
    h.service.edit(job, "pt", {"s1": machine["s1"]})  # back to the machine's words: not an edit any more
    assert set(reviewer_edits(h.service.review(job, "pt")["sentences"])) == {"s0"}


def test_the_review_says_each_sentences_checks_in_words(reviewed):
    """Before: the review gave flags only, and the page worded them from a table of its own."""
    h, job = reviewed
    first = h.service.review(job, "pt")["sentences"][0]
    assert first["flags"] == ["currency-changed:£"]
    assert first["words"] == ["the currency sign £ is missing from the translation"]
    assert h.service.review(job, "pt")["sentences"][1]["words"] == []
