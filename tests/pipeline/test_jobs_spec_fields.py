"""`pipeline.jobs.spec_fields`: each field parser's normal form and its one-line refusal naming the
field (the whole spec: tests/pipeline/test_jobs_spec.py)."""

from __future__ import annotations

import pytest

from pipeline.jobs import spec_fields as fields
from pipeline.jobs.spec import SpecError as ReExported
from pipeline.jobs.spec_fields import Preview, SpecError


def test_parsers_give_the_normal_form():
    assert fields.colour("gray") == "#808080" and fields.colour("") is None
    assert fields.track("2") == 2 and fields.track(None) is None
    assert fields.preview(True) == Preview() and fields.preview({"seconds": "2"}) == Preview(seconds=2.0)
    assert fields.voices({"pt": " kokoro:pf_dora ", "ana.mp4": {"es": "female"}}) == {
        "pt": "kokoro:pf_dora", "ana.mp4": {"es": "female"}}
    assert fields.renderer_options({"follow_jaw": False}) == {"follow_jaw": False}  # stays a bool
    assert fields.flag(1, "review") is True and fields.number("1.5", "rate") == 1.5


@pytest.mark.parametrize("call, field", [
    (lambda: fields.track(0), "audio_track"),
    (lambda: fields.colour("not a colour"), "background"),
    (lambda: fields.flag("yes", "review"), "review"),
    (lambda: fields.glossary_mapping({"drop": []}), "glossary"),
    (lambda: fields.voices({"pt": ""}), "voices"),
])
def test_a_bad_value_is_one_line_naming_its_field(call, field):
    with pytest.raises(SpecError) as err:
        call()
    assert str(err.value).startswith(field) and "\n" not in str(err.value)
    assert ReExported is SpecError  # `pipeline.jobs.spec` still names it
