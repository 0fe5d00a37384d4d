"""Job progress rows: percent done weighted by task kind, time left, finished outputs."""

import time

from pipeline.jobs.progress import outputs, percent_eta, summary, task_rows
from pipeline.jobs.store import WEIGHTS


def _job(state="running", started=None):
    return {"id": "j1", "name": "demo", "kind": "job", "state": state, "created": 0.0, "started": started,
            "finished": None, "error": None, "spec": {"languages": ["es"], "review": True},
            "labels": {"p1": "alice"}}


def _task(name, kind, state, progress=0.0, language=None, presenter=None):
    return {"name": name, "kind": kind, "language": language, "presenter": presenter, "state": state,
            "progress": progress, "message": "", "error": None, "attempts": 1, "cached": False, "seconds": 1.0}


def test_percent_is_weighted_by_task_kind():
    tasks = [_task("translate:es", "translate", "done", language="es"),
             _task("render:es:p1", "render", "running", 0.5, "es", "p1")]
    total = WEIGHTS["translate"] + WEIGHTS["render"]
    percent, _ = percent_eta(_job(), tasks)
    assert percent == round(100 * (WEIGHTS["translate"] + 0.5 * WEIGHTS["render"]) / total, 1)


def test_time_left_is_extrapolated_from_time_elapsed():
    tasks = [_task("translate:es", "translate", "done", language="es"),
             _task("speak:es", "speak", "queued", language="es")]
    _, eta = percent_eta(_job(started=time.time() - 100.0), tasks)
    assert eta is not None and 99.0 <= eta <= 101.0  # half done in 100 s: about 100 s to go
    assert percent_eta(_job(state="done"), tasks) == (100.0, 0.0)
    assert percent_eta(_job(), []) == (100.0, 0.0)
    assert percent_eta(_job(started=None), tasks)[1] is None  # not started: no estimate


def test_summary_rows_and_outputs():
    tasks = [_task("render:es:p1", "render", "done", language="es", presenter="p1"),
             _task("pack:es", "pack", "failed", language="es")]
    row = summary(_job(), tasks)
    assert row["id"] == "j1" and row["languages"] == ["es"] and row["review"] is True
    rows = task_rows(_job(), tasks)
    assert rows[0]["file"] == "alice" and rows[1]["file"] is None and all(r["label"] for r in rows)
    assert outputs(_job(), tasks) == {"videos": [{"language": "es", "presenter": "p1", "name": "alice"}],
                                      "packs": []}


def test_a_detected_narrations_tasks_say_narration_then_the_language_heard():
    from pipeline.errors import JobError
    from pipeline.jobs.progress import detected_languages

    tasks = [_task("narrate:und", "narrate", "running", 0.5, "und"),
             _task("render:und:p1", "render", "queued", language="und", presenter="p1"),
             _task("pack:und", "pack", "queued", language="und")]
    for t in tasks:
        t["output"] = None
    assert [r["label"] for r in task_rows(_job(), tasks)] == [
        "Timing the narration", "Rendering alice — narration", "Packing the narration"]
    assert detected_languages(tasks, lambda key: {}) == {}  # not timed yet
    tasks[0].update(state="done", output="k1")
    metas = {"k1": {"summary": {"seconds": 5.0, "language": "en"}}}
    detected = detected_languages(tasks, metas.__getitem__)
    assert detected == {"und": "en"}
    assert [r["label"] for r in task_rows(_job(), tasks, detected)] == [
        "Timing the English narration", "Rendering alice — English", "Packing English"]

    def collected(key):
        raise JobError(f"artifact {key} is missing")
    assert detected_languages(tasks, collected) == {}  # collected meanwhile: "narration" again
    # a narration given in a language: its tag in words, nothing looked up
    given = [_task("render:pt:p1", "render", "queued", language="pt", presenter="p1")]
    assert task_rows(_job(), given)[0]["label"] == "Rendering alice — Portuguese"


def test_settled_percent_counts_failed_and_cancelled_work_as_settled():
    from pipeline.jobs.progress import settled_percent
    from pipeline.jobs.store import WEIGHTS

    tasks = [{"kind": "render", "state": "done", "progress": 1.0}, {"kind": "render", "state": "failed", "progress": 0.3},
             {"kind": "pack", "state": "running", "progress": 0.5}, {"kind": "pack", "state": "queued", "progress": 0.0}]
    render, pack = WEIGHTS.get("render", 1.0), WEIGHTS.get("pack", 1.0)
    assert settled_percent(tasks) == round(100 * (2 * render + 0.5 * pack) / (2 * render + 2 * pack), 1)
    assert settled_percent([{**t, "state": "cancelled"} for t in tasks]) == 100.0
    assert settled_percent([]) == 100.0
