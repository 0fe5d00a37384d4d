"""`pipeline.jobs.checks`: what to do about flagged sentences (the flags in words, the flagged
sentences and their shortening: tests/pipeline/test_segments.py)."""

from __future__ import annotations

from pipeline.jobs.checks import advice


def test_advice_names_the_job_and_language():
    assert "`polydub review j1 --lang pt`" in advice("j1", "pt") and "glossary" in advice()
