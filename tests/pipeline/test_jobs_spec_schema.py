"""The job file's JSON Schema (pipeline.jobs.schema) against JobSpec and the README's examples."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from pipeline.jobs.schema import FILE_KEYS, field_descriptions, job_schema
from pipeline.jobs.spec import JobSpec, SpecError

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- job-examples:start", "<!-- job-examples:end -->"


def readme_examples() -> list[dict[str, Any]]:
    """The YAML blocks between the README's job-example markers, parsed."""
    text = README.read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1, "README lost its job-example markers"
    region = text[text.index(START):text.index(END)]
    blocks = re.findall(r"^```yaml\n(.*?)^```", region, flags=re.S | re.M)
    return [yaml.safe_load(b) for b in blocks]


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = job_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_readme_has_the_three_sources_and_every_option() -> None:
    examples = readme_examples()
    assert len(examples) == 3
    sources = [next(k for k in ("text", "recording", "narrations") if k in e) for e in examples]
    assert sources == ["text", "recording", "narrations"]
    shown = set().union(*examples)
    wanted = {"glossary", "review", "voices", "recording", "narrations", "translations", "audio_track",
              "transcript", "rate", "renderer", "renderer_options", "source_language", "name"}
    assert wanted <= shown, sorted(wanted - shown)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_readme_example_validates_and_round_trips(validator, index: int) -> None:
    example = readme_examples()[index]
    errors = [e.message for e in validator.iter_errors(example)]
    assert errors == []
    spec = JobSpec.from_dict(example)
    again = JobSpec.from_dict(spec.to_dict())
    assert again == spec
    assert again.to_dict() == spec.to_dict()
    assert list(validator.iter_errors(spec.to_dict())) == []  # the normal form is valid too


def _broken(index: int, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(readme_examples()[index])
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


BROKEN = {
    "rate out of range": (0, {"rate": 5}),
    "rate not a number": (0, {"rate": "fast"}),
    "unknown renderer": (0, {"renderer": "magic"}),
    "not a language tag": (0, {"languages": ["Portuguese!"]}),
    "unknown field": (0, {"speed": 2}),
    "two sources": (0, {"recording": "talk.wav"}),
    "no source": (0, {"text": None}),
    "empty script": (0, {"text": "   "}),
    "no presenters": (0, {"presenters": None}),
    "presenter twice": (0, {"presenters": ["ana.mp4", "ana.mp4"]}),
    "glossary unknown key": (0, {"glossary": {"keep": ["PETG"], "never": ["x"]}}),
    "blank voice": (0, {"voices": {"pt-BR": " "}}),
    "review not a flag": (0, {"review": "maybe"}),
    "audio track zero": (1, {"audio_track": 0}),
    "narration language not a tag": (2, {"narrations": {"pt_BR!": "pt.wav"}}),
    "no languages and no narrations": (1, {"languages": None}),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_example_fails_schema_and_spec(validator, name: str) -> None:
    index, changes = BROKEN[name]
    data = _broken(index, **changes)
    assert not validator.is_valid(data), f"the schema accepted {name}"
    with pytest.raises(SpecError):
        JobSpec.from_dict(data)


def test_every_field_has_a_description() -> None:
    props = job_schema()["properties"]
    for name in JobSpec.__dataclass_fields__:
        assert props[name]["description"].strip(), name
    assert set(FILE_KEYS) <= set(props)


def test_an_undocumented_field_is_an_error() -> None:
    doc = "Fields:\n  languages   target tags\n  presenters  presenter references\n"
    with pytest.raises(RuntimeError, match="no description for .*text"):
        field_descriptions(doc)


def test_descriptions_continue_over_lines() -> None:
    assert "`und`" in field_descriptions()["narrations"]


def test_file_keys_are_what_from_yaml_reads(tmp_path: Path, validator) -> None:
    (tmp_path / "script.md").write_text("# Title\nClean the nozzle.\n", encoding="utf-8")
    (tmp_path / "words.txt").write_text("Clean the nozzle.\n", encoding="utf-8")
    job = {"recording": "talk.wav", "transcript_file": "words.txt", "languages": ["pt"], "presenters": ["a.mp4"]}
    (tmp_path / "job.yaml").write_text(yaml.safe_dump(job), encoding="utf-8")
    assert validator.is_valid(job)
    assert JobSpec.from_yaml(tmp_path / "job.yaml").transcript == "Clean the nozzle.\n"
    job = {"text_file": "script.md", "languages": ["pt"], "presenters": ["a.mp4"]}
    (tmp_path / "job.yaml").write_text(yaml.safe_dump(job), encoding="utf-8")
    assert validator.is_valid(job)
    assert JobSpec.from_yaml(tmp_path / "job.yaml").text.startswith("# Title")
    assert not validator.is_valid({**job, "text": "Clean it."})  # a file or the text, not both


def test_text_forms_from_dict_accepts_are_valid(validator) -> None:
    data = {"text": "Clean it.", "languages": "pt, es", "presenters": "a.mp4", "preview": True}
    assert validator.is_valid(data)
    spec = JobSpec.from_dict(data)
    assert spec.languages == ("pt", "es") and spec.presenters == ("a.mp4",)


def test_the_schema_takes_per_presenter_voices_as_the_spec_does():
    import jsonschema

    data = {"text": "Clean the nozzle.", "languages": ["pt"], "presenters": ["ana.mp4"],
            "voices": {"es": "kokoro:jm_kumo", "ana.mp4": {"pt": "female"}}}
    jsonschema.validate(data, job_schema())
    assert JobSpec.from_dict(data).per_presenter_voices() == {"ana.mp4": {"pt": "female"}}
    with pytest.raises(jsonschema.ValidationError):  # control: a voice must be a name
        jsonschema.validate({**data, "voices": {"ana.mp4": {"pt": 3}}}, job_schema())
