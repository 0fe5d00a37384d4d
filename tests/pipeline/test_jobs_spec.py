"""`pipeline.jobs.spec` and `pipeline.jobs.glossary`: one job shape for every entry point, each
bad field a one-line error that names it; glossary files in each format, built here."""

from __future__ import annotations

import json

import pytest

from pipeline.jobs.glossary import read_glossary
from pipeline.jobs.spec import JobSpec, SpecError, renderer_choices

BASE = {"text": "Hi.", "languages": ["pt"], "presenters": ["ana.mp4"]}


def test_every_field_round_trips():
    data = {**BASE, "source_language": "en", "glossary": {"keep": ["ACME"], "forced": {"pt": {"nozzle": "bico"}}},
            "review": True, "voices": {"pt": "kokoro:pf_dora"}, "rate": 1.2, "renderer": "wav2lip",
            "renderer_options": {"checkpoint": "w.pth"}, "translations": "pt.xliff", "name": "n"}
    spec = JobSpec.from_dict(data)
    assert JobSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    assert spec.voice("pt") == "kokoro:pf_dora" and spec.voice("es") is None
    assert JobSpec.from_dict(BASE).source_language is None  # detected, as the CLI does


def test_per_presenter_voices_are_a_valid_form_beside_the_per_language_one():
    spec = JobSpec.from_dict({**BASE, "voices": {"es": "kokoro:ef_dora", "ana.mp4": {"pt": " kokoro:pf_dora "}}})
    assert spec.per_presenter_voices() == {"ana.mp4": {"pt": "kokoro:pf_dora"}}
    assert spec.presenter_voice("ana.mp4", "pt") == "kokoro:pf_dora"
    assert spec.presenter_voice("ana.mp4", "es") == spec.presenter_voice("bia.mp4", "es") == "kokoro:ef_dora"
    assert spec.presenter_voice("bia.mp4", "pt") is None  # chosen for her at submission
    assert JobSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


def test_renderer_names_come_from_the_registry():
    from lipsync.renderers import RENDERERS

    assert set(renderer_choices()) == {"auto", *RENDERERS}


@pytest.mark.parametrize("extra, field", [
    ({"rate": 5}, "rate"),
    ({"rate": "fast"}, "rate"),
    ({"audio_track": 0}, "audio_track"),
    ({"renderer": "magic"}, "renderer"),
    ({"voices": {"pt": 3}}, "voices"),
    ({"voices": {"ana.mp4": {"pt": 3}}}, "voices"),
    ({"glossary": {"keep": "ACME"}}, "glossary"),
    ({"glossary": {"colour": []}}, "glossary"),
    ({"transcript": "   "}, "transcript"),
    ({"review": "maybe"}, "review"),
    ({"languages": ["und"]}, "languages"),
    ({"renderer_options": ["x"]}, "renderer_options"),
    ({"renderer_options": {"follow_jaw": [False]}}, "renderer_options"),
])
def test_bad_fields_are_one_line_errors_naming_the_field(extra, field):
    with pytest.raises(SpecError) as err:
        JobSpec.from_dict({**BASE, **extra})
    message = str(err.value)
    assert field in message and "\n" not in message


def test_source_specific_fields_need_their_source():
    with pytest.raises(SpecError, match="audio_track"):
        JobSpec.from_dict({**BASE, "audio_track": 2})
    spec = JobSpec.from_dict({"narrations": {"und": "talk.wav"}, "presenters": ["a.mp4"], "transcript": "Hello.",
                              "audio_track": 2})
    assert spec.languages == ("und",) and spec.audio_track == 2
    with pytest.raises(SpecError, match="review"):
        JobSpec.from_dict({"narrations": {"pt": "pt.wav"}, "presenters": ["a.mp4"], "review": True})
    with pytest.raises(SpecError, match="accept_mixed_language: .*give source_language"):
        JobSpec.from_dict({**BASE, "accept_mixed_language": True})  # the language is detected: nothing to accept
    assert JobSpec.from_dict({**BASE, "source_language": "en", "accept_mixed_language": True}).accept_mixed_language


@pytest.mark.parametrize("name, body", [
    ("g.csv", "term,translation,language\nACME,,\nnozzle,bico,pt\n"),
    ("g.tsv", "term\ttranslation\tlanguage\nACME\t\t\nnozzle\tbico\tpt\n"),
    ("g.json", '{"keep": ["ACME"], "forced": {"pt": {"nozzle": "bico"}}}'),
    ("g.yaml", "keep: [ACME]\nforced:\n  pt: {nozzle: bico}\n"),
])
def test_glossary_files_in_each_format(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    assert read_glossary(path) == {"keep": ["ACME"], "forced": {"pt": {"nozzle": "bico"}}}


def test_bad_glossary_files_say_what_to_write(tmp_path):
    (tmp_path / "g.csv").write_text("word,meaning\nx,y\n")
    with pytest.raises(SpecError, match="term,translation,language"):
        read_glossary(tmp_path / "g.csv")
    (tmp_path / "g.json").write_text("{nope")
    with pytest.raises(SpecError, match="not valid JSON"):
        read_glossary(tmp_path / "g.json")


def test_renderer_options_keep_their_types():
    # follow_jaw: false must reach the renderer as False; the string "False" reads as true.
    spec = JobSpec.from_dict({**BASE, "renderer_options": {"follow_jaw": False, "checkpoint": "w.pth", "window": 32}})
    assert spec.renderer_options == {"follow_jaw": False, "checkpoint": "w.pth", "window": 32}
    assert spec.renderer_options["follow_jaw"] is False
