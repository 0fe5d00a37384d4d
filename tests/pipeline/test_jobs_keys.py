"""`pipeline.jobs.keys`: task names as a type, and each task's human label."""

from __future__ import annotations

import pytest

from pipeline.jobs import JobSpec, plan
from pipeline.jobs.keys import TaskKey


def test_every_planned_name_parses_back_to_its_task():
    spec = JobSpec.from_dict({"text": "Hi.", "languages": ["pt", "pt-BR"], "presenters": ["a" * 64, "b" * 64]})
    for task in plan(spec):
        key = TaskKey.parse(task.name)
        assert str(key) == task.name and key.kind == task.kind
        assert key.language == task.language and key.presenter == task.presenter


def test_a_speech_task_names_its_voice_colons_and_all():
    key = TaskKey("speak", "pt-BR", voice="kokoro:jf_nezumi")
    assert str(key) == "speak:pt-BR:kokoro:jf_nezumi" and TaskKey.parse(str(key)) == key
    assert TaskKey.parse("speak:pt") == TaskKey("speak", "pt")  # a voice left to the language default
    assert key.label() == "Voicing pt-BR — jf_nezumi (Kokoro)"
    with pytest.raises(ValueError):
        TaskKey("render", "pt", "ab12", voice="kokoro:jf_nezumi")


@pytest.mark.parametrize("name", ["render:pt", "translate", "colour:pt", "source:pt", "render:pt:a:b", "speak:",
                                  "speak:pt:", "speak:pt::"])
def test_what_is_not_a_task_name_is_refused(name):
    with pytest.raises(ValueError):
        TaskKey.parse(name)


def test_labels_name_the_presenter_and_the_language():
    assert TaskKey("render", "pt", "ab12").label({"ab12": "Ana"}) == "Rendering Ana — pt"
    assert TaskKey("speak", "pt").label() == "Voicing pt"
    assert TaskKey("analyse", presenter="ab12").label() == "Analysing ab12"


def test_a_detected_narration_says_narration_until_its_language_is_known():
    assert TaskKey("narrate", "und").label() == "Timing the narration"
    assert TaskKey("render", "und", "ab12").label({"ab12": "Ana"}) == "Rendering Ana — narration"
    assert TaskKey("pack", "und").label() == "Packing the narration"
    assert TaskKey("render", "und", "ab12").label({"ab12": "Ana"}, language="English") == "Rendering Ana — English"
    assert TaskKey("pack", "pt").label(language="Portuguese") == "Packing Portuguese"
