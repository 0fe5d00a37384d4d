"""`pipeline.jobs.exports`: the job zip's job.json submitted again is the same job, its voices
chosen by the same party (the user's stay the user's, polydub's stay polydub's)."""

from __future__ import annotations

import json
import zipfile

import pytest

import tts
from pipeline.jobs import JobSpec
from pipeline.voicing import PresenterVoices
from tests.helpers.jobs import Harness

TEXT = "# Nozzle\n\nClean the nozzle. Wear gloves."


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    from tests.helpers.media import flat_videos

    return flat_videos(tmp_path_factory.mktemp("videos"), 2)


@pytest.fixture
def h(tmp_path):
    # presenters without speech: polydub's own choice is the language's default voice
    voices = PresenterVoices(tmp_path / "voices", profile_fn=lambda path: tts.declared_profile(None))
    return Harness(tmp_path, voices=voices)


def _records(h, job: str) -> dict:
    pack = next(t for t in h.store.tasks(job) if t["name"] == "pack:pt")
    return {stem: {k: r[k] for k in ("voice", "reason")} for stem, r in pack["params"]["voices"].items()}


def _exported(h, job: str) -> dict:
    h.run()
    return json.loads(zipfile.ZipFile(h.service.job_zip(job)).read("job.json"))


def test_an_exported_job_submitted_again_keeps_who_chose_each_voice(h, videos):
    """Before: job.json's spec carried polydub's voices as plain overrides, so the job it made
    said "chosen by the user" for voices nobody chose."""
    job = h.service.submit(JobSpec.from_dict({
        "text": TEXT, "languages": ["pt"], "presenters": [str(v) for v in videos],
        "voices": {"presenter1.mp4": {"pt": "kokoro:jm_kumo"}}}))
    before = _records(h, job)
    assert "chosen by the user" not in before["presenter0"]["reason"]
    assert "chosen by the user" in before["presenter1"]["reason"]
    exported = _exported(h, job)
    keys = h.service.job_spec(job)["presenters"]
    assert exported["spec"]["voices"] == {keys[1]: {"pt": "kokoro:jm_kumo"}}
    assert exported["automatic_voices"] == {keys[0]: {"pt": before["presenter0"]["voice"]}}
    again = h.service.submit(JobSpec.from_dict(exported["spec"]))
    assert _records(h, again) == before
    assert h.service.job_spec(again)["voices"] == h.service.job_spec(job)["voices"]


def test_a_register_the_user_declared_is_exported_as_declared(h, videos):
    job = h.service.submit(JobSpec.from_dict({"text": TEXT, "languages": ["pt"], "presenters": [str(videos[0])],
                                              "voices": {"pt": "male"}}))
    before = _records(h, job)
    exported = _exported(h, job)
    assert exported["spec"]["voices"] == {h.service.job_spec(job)["presenters"][0]: {"pt": "male"}}
    assert exported["automatic_voices"] == {}
    assert _records(h, h.service.submit(JobSpec.from_dict(exported["spec"]))) == before


def test_the_exported_job_json_is_itself_a_job_file(h, videos, tmp_path):
    """`polydub run job.json` refused the exported file ("unknown job field(s) automatic_voices, id, spec")."""
    job = h.service.submit(JobSpec.from_dict({"text": TEXT, "languages": ["pt"], "presenters": [str(videos[0])]}))
    before = _records(h, job)
    exported = _exported(h, job)
    path = tmp_path / "job.json"
    path.write_text(json.dumps(exported), encoding="utf-8")
    spec = JobSpec.from_yaml(path)
    assert spec == JobSpec.from_dict({**exported["spec"], "name": exported["name"]})
    assert _records(h, h.service.submit(spec)) == before
