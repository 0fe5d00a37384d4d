"""`api.job_body`: POST /jobs carries every `JobSpec` field a client may set, checked by the
spec's own parsers; nothing from a client names a server path. The HTTP tests run a real
server on a loopback port with cheap steps (tests.helpers.runners)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from pydantic import ValidationError

from api.job_body import SERVER_ONLY, JobCreate, error_line
from pipeline.jobs.spec import JobSpec
from tests.helpers.service import Server
from tests.helpers.waiting import wait_for
from tests.helpers.web import upload_presenter

KEY = "sha256:" + "a" * 64


def test_every_spec_field_a_client_may_set_is_in_the_api():
    """A field added to JobSpec fails here until JobCreate carries it (or SERVER_ONLY says why not)."""
    spec, api = set(JobSpec.__dataclass_fields__), set(JobCreate.model_fields)
    assert api - spec == set(), "JobCreate has fields JobSpec does not know"
    assert spec - api == set(SERVER_ONLY), f"JobSpec fields missing from JobCreate: {sorted(spec - api - set(SERVER_ONLY))}"
    assert all(SERVER_ONLY.values())  # each with its reason
    schema = JobCreate.model_json_schema()["properties"]
    undocumented = [n for n in schema if not schema[n].get("description")]
    assert undocumented == [], f"fields without a description: {undocumented}"
    assert schema["rate"]["minimum"] == 0.5 and schema["rate"]["maximum"] == 2.0
    assert schema["audio_track"]["minimum"] == 1


@pytest.mark.parametrize("field, value, words", [
    ("rate", "fast", "rate: must be a number"),
    ("audio_track", 0, "audio_track: give the audio stream's number"),
    ("background", "not-a-colour", "background: 'not-a-colour' is not a colour"),
    ("accept_truncated", "yes", "accept_truncated: must be true or false"),
    ("renderer_options", {"checkpoint": "/srv/weights/w.pth"}, "renderer_options: checkpoint names a file"),
    ("renderer_options", {"weights": "../../etc/passwd"}, "renderer_options: weights names a file"),
    ("renderer_options", {"follow_jaw": [1]}, "renderer_options: follow_jaw must be a string"),
    ("translations", "/etc/hostname", "translations: give the key POST /uploads"),
    ("glossary", "terms.csv", "glossary: give the key POST /uploads"),
    ("glossary", {"keep": "Acme"}, "glossary: keep is a list"),
])
def test_a_bad_value_is_the_spec_parsers_one_line(field, value, words):
    with pytest.raises(ValidationError) as caught:
        JobCreate(presenters=["p1"], text="Hi.", languages=["pt"], **{field: value})
    line = error_line(list(caught.value.errors()))
    assert line.startswith(words) and "\n" not in line
    assert "/srv" not in line and "passwd" not in line  # a path is never echoed


def test_the_spec_fields_keep_their_forms():
    body = JobCreate(presenters=["p1"], recording=KEY, languages=["pt"], transcript="Clean it.", audio_track="2",
                     rate=1.25, renderer_options={"follow_jaw": False}, accept_truncated=True, background="gray",
                     translations=KEY.removeprefix("sha256:"), glossary=KEY)
    spec = JobSpec.from_dict(body.model_dump(exclude_none=True))
    assert (spec.audio_track, spec.rate, spec.background, spec.glossary) == (2, 1.25, "#808080", KEY)
    assert spec.renderer_options == {"follow_jaw": False} and spec.accept_truncated and spec.transcript == "Clean it."


# ---------------------------------------------------------------------- over HTTP


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with Server(tmp_path_factory.mktemp("body")) as s:
        yield s


@pytest.fixture(scope="module")
def presenter(client, tiny_videos):
    pid = upload_presenter(client, tiny_videos[0])
    wait_for(lambda: client.get(f"/presenters/{pid}").json()["analysis"]["state"] == "done", what="analysis")
    return pid


@pytest.fixture(scope="module")
def recording(client, narration_wav):
    r = client.post("/uploads", files={"file": ("talk.wav", narration_wav.read_bytes(), "audio/wav")})
    assert r.status_code == 201, r.text
    return r.json()["key"]


def done(client, job_id: str) -> dict:
    return wait_for(lambda: (j := client.get(f"/jobs/{job_id}").json())["state"] in ("done", "failed") and j,
                    what=f"job {job_id} settles")


@pytest.mark.slow
def test_a_recording_with_its_transcript_runs_on_the_given_words_and_its_job_json_posts_back(
        client, presenter, recording):
    transcript = "Clean the nozzle. Dry it with a cloth."
    r = client.post("/jobs", json={"recording": recording, "transcript": transcript, "languages": ["pt"],
                                   "presenters": [presenter], "rate": 1.25, "accept_truncated": True,
                                   "background": "gray", "audio_track": 1, "name": "given words"})
    assert r.status_code == 201, r.text
    job = done(client, r.json()["id"])
    assert job["state"] == "done", job["error"]
    # the words translated and spoken are the transcript's (no recogniser: that would be its own words)
    srt = client.get(f"/jobs/{job['id']}/subtitles/pt.srt").text
    assert "[pt-BR] Clean the nozzle." in srt and "[pt-BR] Dry it with a cloth." in srt  # pt as its pack names it
    with zipfile.ZipFile(io.BytesIO(client.get(job["zip_url"]).content)) as zf:
        record = json.loads(zf.read("job.json"))
    assert record["spec"]["transcript"] == transcript and record["spec"]["rate"] == 1.25
    assert record["spec"]["background"] == "#808080" and record["spec"]["accept_truncated"] is True

    again = client.post("/jobs/import", json=record)
    assert again.status_code == 201, again.text
    rerun = done(client, again.json()["id"])
    assert rerun["state"] == "done" and rerun["name"] == "given words"
    assert all(t["cached"] for t in rerun["tasks"])  # the same spec: every task reused, nothing redone

    analysis = {**record, "spec": {**record["spec"], "analyse_only": True}}
    refused = client.post("/jobs/import", json=analysis)
    assert refused.status_code == 422 and refused.json()["detail"].startswith("analyse_only: ")


@pytest.mark.slow
@pytest.mark.parametrize("change, words", [
    ({"rate": 3.0}, "rate: 3.0 is outside 0.5..2.0"),
    ({"rate": "fast"}, "rate: must be a number"),
    ({"renderer_options": {"checkpoint": "/srv/polydub/models/wav2lip_gan.pth"}}, "renderer_options: checkpoint"),
    ({"audio_track": 2, "transcript": None}, "audio_track: it picks the audio stream"),
    ({"transcript": "  "}, "transcript: it is empty"),
])
def test_a_bad_field_is_a_one_line_422_that_names_it(client, presenter, change, words):
    body = {"text": "Hi.", "languages": ["pt"], "presenters": [presenter], **change}
    r = client.post("/jobs", json={k: v for k, v in body.items() if v is not None})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail.startswith(words) and "\n" not in detail and "/srv" not in detail


@pytest.mark.slow
def test_translations_and_a_glossary_file_come_as_text_uploads(client, presenter):
    glossary = client.post("/uploads", data={"kind": "text"},
                           files={"file": ("terms.csv", b"term,translation,language\nAcme,,\n", "text/csv")})
    assert glossary.status_code == 201, glossary.text
    po = 'msgid ""\nmsgstr ""\n"Language: pt\\n"\n\nmsgid "Acme cleans it."\nmsgstr "A Acme limpa-o."\n'
    translations = client.post("/uploads", data={"kind": "text"}, files={"file": ("pt.po", po.encode(), "text/x-po")})
    assert translations.status_code == 201, translations.text
    r = client.post("/jobs", json={"text": "Acme cleans it.", "languages": ["pt"], "presenters": [presenter],
                                   "glossary": glossary.json()["key"], "translations": translations.json()["key"]})
    assert r.status_code == 201, r.text
    assert done(client, r.json()["id"])["state"] == "done"
    bad = client.post("/uploads", data={"kind": "text"}, files={"file": ("terms.exe", b"MZ", "text/plain")})
    assert bad.status_code == 422 and "rename it" in bad.json()["detail"]
    latin1 = client.post("/uploads", data={"kind": "text"}, files={"file": ("t.po", "ção".encode("latin-1"), "text/plain")})
    assert latin1.status_code == 422 and "UTF-8" in latin1.json()["detail"]
    as_audio = client.post("/uploads", files={"file": ("t.po", b'msgid "a"\n', "text/plain")})
    assert as_audio.status_code == 422  # without kind=text it must be audio


@pytest.mark.slow
def test_the_one_request_upload_takes_the_transcript_and_rate(client, tiny_videos, narration_wav):
    options = {"languages": ["es"], "recording": "talk.wav", "transcript": "Wear gloves.", "rate": 0.8}
    r = client.post("/jobs/upload", data={"consent_by": "Ana Lima", "consent": "true", "options": json.dumps(options)},
                    files=[("presenters", (tiny_videos[1].name, tiny_videos[1].read_bytes(), "video/mp4")),
                           ("audio", ("talk.wav", narration_wav.read_bytes(), "audio/wav"))])
    assert r.status_code == 201, r.text
    job = done(client, r.json()["id"])
    assert job["state"] == "done" and "[es] Wear gloves." in client.get(f"/jobs/{job['id']}/subtitles/es.srt").text
    bad = client.post("/jobs/upload", data={"consent_by": "Ana", "consent": "true",
                                            "options": json.dumps({**options, "rate": "slow"})},
                      files=[("presenters", (tiny_videos[1].name, tiny_videos[1].read_bytes(), "video/mp4")),
                             ("audio", ("talk.wav", narration_wav.read_bytes(), "audio/wav"))])
    assert bad.status_code == 422 and bad.json()["detail"] == "rate: must be a number, e.g. 1.0"  # as POST /jobs says it


@pytest.mark.slow
def test_the_openapi_docs_list_the_fields_and_the_import(client):
    doc = client.get("/openapi.json").json()
    props = doc["components"]["schemas"]["JobCreate"]["properties"]
    for name in ("transcript", "audio_track", "translations", "rate", "renderer_options", "accept_truncated",
                 "background"):
        assert props[name]["description"], name
    assert "/jobs/import" in doc["paths"] and "kind" in json.dumps(doc["components"]["schemas"])


@pytest.mark.slow
def test_a_transcript_has_the_scripts_length_limit(client, presenter, recording):
    r = client.post("/jobs", json={"recording": recording, "transcript": "word " * 40_001, "languages": ["pt"],
                                   "presenters": [presenter]})
    assert r.status_code == 422 and r.json()["detail"].startswith("transcript: the transcript has 200005 characters")
