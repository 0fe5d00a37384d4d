"""Jobs refused at creation when they cannot run here, tags normalised, what can run listed, and
a whole job in one multipart request: a real server (uvicorn on a loopback port) whose runner is
cheap but checked against the model store like the real one (an empty store: only the bundled
Bergamot en<->pt-BR models and the installed voices)."""

from __future__ import annotations

import json

import httpx
import pytest
from tests.helpers.service import Server
from tests.helpers.waiting import wait_for
from tests.helpers.web import upload_presenter

pytestmark = pytest.mark.slow

CHECKED_RUNNER = "tests.helpers.runners:ModelCheckedRunner"
#: an English script with an Arabic line (line 3), which no model here translates into Portuguese
MIXED = ("Wear your helmet before entering the site.\n\n"
         "ارتدِ خوذتك دائماً عند العمل في الموقع.\n\n"
         "Check the straps before you start work.\n")
#: an English script with a French line (line 3): spoken untranslated if read as English
FRENCH_LINE = ("Wear your helmet before entering the site.\n\n"
               "Portez toujours vos gants avant de démarrer la machine.\n\n"
               "Check the straps before you start work.\n")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    models = tmp_path_factory.mktemp("models")  # nothing imported
    with Server(tmp_path_factory.mktemp("checked"), runner=CHECKED_RUNNER,
                env={"POLYDUB_MODELS": str(models), "POLYDUB_MAX_UPLOAD_MB": "2"}) as s:
        yield s


@pytest.fixture(scope="module")
def client(server):
    with server.client(timeout=60) as c:
        yield c


@pytest.fixture(scope="module")
def presenter(client, tiny_videos):
    return upload_presenter(client, tiny_videos[0])


@pytest.fixture(scope="module")
def narration_key(client, narration_wav):
    r = client.post("/uploads", files={"file": ("es.wav", narration_wav.read_bytes(), "audio/wav")})
    assert r.status_code == 201, r.text
    return r.json()["key"]


@pytest.mark.parametrize("extra, words", [
    ({"languages": ["es"], "source_language": "en"}, ["Spanish (es)", "no model translates en->es", "polydub models import"]),
    ({"languages": ["es"]}, ["Spanish (es)", "no model translates into", "polydub models import"]),
    ({"languages": ["pt-BR", "de"]}, ["German (de)", "polydub models import"]),
    ({"languages": ["pt"], "voices": {"pt": "piper:nobody-here"}}, ["voices: pt", "nobody-here", "is installed"]),
    ({"languages": ["tlh"]}, ["languages: tlh:", "no installed voice speaks"]),  # Klingon: a language, no voice
    ({"languages": ["qq"]}, ["languages: 'qq' is not a known language"]),
    ({"languages": ["es"], "source_language": "ja"}, ["Spanish (es)", "ja->es"]),
])
def test_a_job_that_cannot_run_is_refused_at_creation(client, presenter, extra, words):
    before = client.get("/jobs", params={"kind": ""}).json()["total"]
    r = client.post("/jobs", json={"text": "Clean the nozzle.", "presenters": [presenter], **extra})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert "\n" not in detail and all(w in detail for w in words), detail
    assert client.get("/jobs", params={"kind": ""}).json()["total"] == before  # nothing was created


def test_a_presenters_own_voice_is_checked_at_creation(client, presenter):
    before = client.get("/jobs", params={"kind": ""}).json()["total"]
    for voice, words in (("kokoro:nobody", ["kokoro:nobody", "is installed", "kokoro:jf_nezumi"]),
                         ("kokoro:jf_tebukuro", ["does not speak pt", "polydub voices --lang pt"])):
        r = client.post("/jobs", json={"text": "Clean the nozzle.", "presenters": [presenter], "languages": ["pt"],
                                       "voices": {presenter: {"pt": voice}}})
        assert r.status_code == 422, r.text
        detail = r.json()["detail"]
        assert "\n" not in detail and all(w in detail for w in words), detail
    assert client.get("/jobs", params={"kind": ""}).json()["total"] == before
    r = client.post("/jobs", json={"text": "Clean the nozzle.", "presenters": [presenter], "languages": ["pt"],
                                   "voices": {presenter: {"pt": "female"}}})
    assert r.status_code == 201, r.text
    job = client.get(f"/jobs/{r.json()['id']}").json()
    assert job["languages"] == ["pt-BR"]  # as the CLI and the pack's manifest say it
    (speak,) = [t for t in job["tasks"] if t["name"].startswith("speak:pt-BR:")]
    assert speak["label"].startswith("Voicing Portuguese (Brazil)") and "— jf_" in speak["label"] and "(Kokoro)" in speak["label"]  # a woman's voice


def test_preview_and_extend_are_checked_too(client, presenter):
    r = client.post("/jobs/preview", json={"text": "Clean it.", "presenters": [presenter], "languages": ["es"]})
    assert r.status_code == 422 and "Spanish (es)" in r.json()["detail"]
    r = client.post("/jobs", json={"text": "Clean it.", "presenters": [presenter], "languages": ["pt"]})
    assert r.status_code == 201, r.text
    r = client.post(f"/jobs/{r.json()['id']}/extend", json={"languages": ["fr"]})
    assert r.status_code == 422 and "French (fr)" in r.json()["detail"]


def test_no_translation_needed_is_not_refused(client, presenter, narration_key):
    # a narration per language: nothing is translated or voiced
    r = client.post("/jobs", json={"narrations": {"es": narration_key}, "presenters": [presenter]})
    assert r.status_code == 201, r.text
    # the target is the source language: spoken as it is
    r = client.post("/jobs", json={"text": "Limpie la boquilla.", "source_language": "es", "languages": ["es"],
                                   "presenters": [presenter]})
    assert r.status_code == 201, r.text


def test_language_tags_are_normalised_review_urls_included(client, presenter):
    r = client.post("/jobs", json={"text": "Clean the nozzle. Dry it.", "languages": ["PT-br"],
                                   "source_language": "EN", "presenters": [presenter], "review": True})
    assert r.status_code == 201, r.text
    job_id = r.json()["id"]
    job = client.get(f"/jobs/{job_id}").json()
    assert job["languages"] == ["pt-BR"]
    assert {t["language"] for t in job["tasks"] if t["language"]} == {"pt-BR"}
    assert "Translating into Portuguese (Brazil)" in {t["label"] for t in job["tasks"]}
    wait_for(lambda: client.get(f"/jobs/{job_id}").json()["state"] == "waiting-review", what="review gate")
    review = client.get(f"/jobs/{job_id}/review/pt-br")
    assert review.status_code == 200 and review.json()["language"] == "pt-BR"
    assert client.post(f"/jobs/{job_id}/review/PT_BR/approve", json={"by": "Ana"}).json()["approved"]
    wait_for(lambda: client.get(f"/jobs/{job_id}").json()["state"] == "done", what="job done")
    packs = client.get(f"/jobs/{job_id}").json()["packs"]
    assert [p["language"] for p in packs] == ["pt-BR"]
    assert client.get(f"/jobs/{job_id}/packs/PT-br.zip").status_code == 200


def test_languages_lists_what_runs_then_what_needs_a_model(client):
    r = client.get("/languages", params={"source": "EN"})
    assert r.status_code == 200
    body = r.json()
    assert body["source"] == "en"
    rows = {row["tag"]: row for row in body["languages"]}
    assert rows["pt-BR"]["runs"] and rows["pt-BR"]["name"] == "Portuguese (Brazil)" and rows["pt-BR"]["voices"]
    assert "pt" not in rows and "en" not in rows  # the region's row stands for the language; not the source
    assert not rows["es"]["runs"] and rows["es"]["name"] == "Spanish"
    assert rows["es"]["needs"] == "a translation model en-es" and rows["es"]["voices"]  # a voice, but no model
    assert "polydub models import" in body["how_to_add_model"]
    assert "auto" in body["renderers"]
    runs = [row["runs"] for row in body["languages"]]
    assert runs == sorted(runs, reverse=True)  # what runs comes first
    # from Portuguese, English runs (the bundled pt-BR->en model)
    rows = {row["tag"]: row for row in client.get("/languages", params={"source": "pt-BR"}).json()["languages"]}
    assert rows["en"]["runs"] and not rows["es"]["runs"]


# ---------------------------------------------------------------------- one request


def _files(tiny_videos, n=1):
    return [("presenters", (p.name, p.read_bytes(), "video/mp4")) for p in tiny_videos[1:1 + n]]


def test_one_request_starts_a_whole_job_from_a_script_file(client, tiny_videos):
    files = [*_files(tiny_videos, 2), ("script", ("script.md", "# Nozzle\n\nClean the nozzle.".encode(), "text/markdown"))]
    r = client.post("/jobs/upload", files=files, data={
        "consent_by": "LMS", "consent": "true", "options": json.dumps({"languages": ["pt-BR"], "name": "from the LMS"})})
    assert r.status_code == 201, r.text
    job_id = r.json()["id"]
    wait_for(lambda: client.get(f"/jobs/{job_id}").json()["state"] == "done", what="job done")
    job = client.get(f"/jobs/{job_id}").json()
    assert job["name"] == "from the LMS" and sorted(job["presenters"].values()) == ["presenter-1.mp4", "presenter-2.mp4"]
    assert len(job["videos"]) == 2
    names = {p["name"] for p in client.get("/presenters").json()}
    assert {"presenter-1.mp4", "presenter-2.mp4"} <= names


def test_one_request_with_a_narration(client, tiny_videos, narration_wav):
    files = [*_files(tiny_videos), ("audio", ("es.wav", narration_wav.read_bytes(), "audio/wav"))]
    r = client.post("/jobs/upload", files=files, data={
        "consent_by": "LMS", "consent": "true", "options": json.dumps({"narrations": {"es": "es.wav"}})})
    assert r.status_code == 201, r.text
    job = client.get(f"/jobs/{r.json()['id']}").json()
    assert job["languages"] == ["es"]


@pytest.mark.parametrize("data, words", [
    ({"options": json.dumps({"text": "Clean it.", "languages": ["es"]})}, ["Spanish (es)", "polydub models import"]),
    ({"options": "{not json"}, ["options: not valid JSON"]),
    ({"options": json.dumps({"text": "Clean it.", "languages": ["pt"], "colour": "red"})}, ["colour: "]),
    ({"options": json.dumps({"narrations": {"es": "missing.wav"}})}, ["missing.wav", "audio field"]),
    ({"options": json.dumps({"text": "Clean it.", "languages": ["pt"]}), "consent": "false"}, ["consent"]),
    ({"options": json.dumps({"text": "Clean it.", "languages": ["pt"]}), "audio": True}, ["es.wav not named in options"]),
])
def test_one_request_refused_stores_nothing(client, tiny_videos, narration_wav, data, words):
    before = len(client.get("/presenters").json())
    files = _files(tiny_videos)
    if data.pop("audio", False):
        files.append(("audio", ("es.wav", narration_wav.read_bytes(), "audio/wav")))
    r = client.post("/jobs/upload", files=files, data={"consent_by": "LMS", "consent": "true", **data})
    assert r.status_code == 422, r.text
    assert all(w in r.json()["detail"] for w in words), r.json()["detail"]
    assert len(client.get("/presenters").json()) == before


def test_one_request_has_the_upload_limit(client):
    big = b"\0" * (3 << 20)  # over POLYDUB_MAX_UPLOAD_MB=2, counted as it arrives
    r = client.post("/jobs/upload", files=[("presenters", ("big.mp4", big, "video/mp4"))],
                    data={"consent_by": "LMS", "consent": "true", "options": "{}"})
    assert r.status_code == 413 and "upload limit" in r.json()["detail"]


def test_one_request_needs_the_token_before_its_body(tmp_path, tiny_videos):
    s = Server(tmp_path, runner=CHECKED_RUNNER, env={"POLYDUB_TOKEN": "s3cret"}).start()
    try:
        files = _files(tiny_videos)
        data = {"consent_by": "LMS", "consent": "true", "options": json.dumps({"text": "Hi.", "languages": ["pt"]})}
        r = httpx.post(s.url + "/jobs/upload", files=files, data=data, timeout=60)
        assert r.status_code == 401
        r = httpx.post(s.url + "/jobs/upload", files=files, data=data, headers={"Authorization": "Bearer s3cret"},
                       timeout=60)
        assert r.status_code == 201, r.text
    finally:
        s.stop()


# ---------------------------------------------------------------------- pre-flight check at submission

REFUSED_SCRIPTS = [
    ({"text": MIXED}, ["line 3", "Arabic (ar)", "pt"]),
    ({"text": FRENCH_LINE, "source_language": "en"}, ["line 3 reads as French (fr)", "accept_mixed_language"]),
]


def _one_line(r: httpx.Response, words) -> str:
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert "\n" not in detail and all(w in detail for w in words), detail
    return detail


@pytest.mark.parametrize("body, words", REFUSED_SCRIPTS)
def test_a_script_the_preflight_check_refuses_is_a_422_and_no_job(client, presenter, tiny_videos, body, words):
    """What `polydub localize` refuses before any work, the service refuses at submission with
    the same line: POST /jobs, /jobs/preview and the one-request upload; nothing is stored."""
    jobs = client.get("/jobs", params={"kind": ""}).json()["total"]
    presenters = len(client.get("/presenters").json())
    said = {_one_line(client.post(route, json={"presenters": [presenter], "languages": ["pt"], **body}), words)
            for route in ("/jobs", "/jobs/preview")}
    r = client.post("/jobs/upload", files=_files(tiny_videos), data={
        "consent_by": "LMS", "consent": "true", "options": json.dumps({"languages": ["pt"], **body})})
    said.add(_one_line(r, words))
    assert len(said) == 1  # the same line from every route
    assert client.get("/jobs", params={"kind": ""}).json()["total"] == jobs
    assert len(client.get("/presenters").json()) == presenters  # the upload stored no presenter either


def test_the_same_check_as_the_command_line_and_the_rest_carries_on(client, presenter, tmp_path):
    """The line is the one `pipeline.preflight.check_inputs` (the CLI's check) raises; a job
    that passes is accepted and runs, and an extension into a language the script cannot reach
    is refused the same way."""
    from pipeline import steps
    from pipeline.errors import InputError
    from pipeline.jobs.capabilities import pack_spec
    from pipeline.jobs.spec import JobSpec
    from pipeline.models import ModelStore
    from pipeline.preflight import check_inputs

    r = client.post("/jobs", json={"text": MIXED, "presenters": [presenter], "languages": ["pt"]})
    # the spec as the service reads the request (no source_language: detected, as the CLI does;
    # its languages as their packs name them, pt-BR)
    spec = pack_spec(JobSpec.from_dict({"text": MIXED, "presenters": [presenter], "languages": ["pt"]}))
    with pytest.raises(InputError) as refused:
        check_inputs(spec, steps.Toolkit(store=ModelStore(tmp_path / "models"), cache_dir=tmp_path), paths=False)
    assert r.json()["detail"] == " ".join(str(refused.value).split())
    r = client.post("/jobs", json={"text": "Clean the nozzle.", "presenters": [presenter], "languages": ["pt"]})
    assert r.status_code == 201, r.text
    job_id = r.json()["id"]
    wait_for(lambda: client.get(f"/jobs/{job_id}").json()["state"] == "done", what="job done")
    assert client.get("/health").json()["status"] == "ok"


@pytest.mark.parametrize("body, words", REFUSED_SCRIPTS[:1])
def test_the_real_runners_check_runs_in_the_service(tmp_path, body, words):
    """`polydub serve` with the real step runner (run by worker processes, so the check is the
    service's own `InputChecks`): the mixed script is a 422, no job stored, no task started."""
    from tests.helpers.service import REAL_RUNNER

    (tmp_path / "models").mkdir()
    with Server(tmp_path / "data", runner=REAL_RUNNER, env={"POLYDUB_MODELS": str(tmp_path / "models")}) as s, \
            s.client(timeout=120) as c:
        # no presenter uploaded (its analysis would run the real steps): the script is checked first
        r = c.post("/jobs", json={"presenters": ["p0123456789abcdef01"], "languages": ["pt"], **body})
        _one_line(r, words)
        assert c.get("/jobs", params={"kind": ""}).json()["total"] == 0


def test_a_mixed_script_is_accepted_as_its_given_language_when_asked(client, presenter):
    """The API has the job file's `accept_mixed_language`: the French line is then read as the
    given English (the refusal names the field); without it, refused."""
    body = {"text": FRENCH_LINE, "source_language": "en", "presenters": [presenter], "languages": ["pt"]}
    assert client.post("/jobs/preview", json=body).status_code == 422
    r = client.post("/jobs/preview", json={**body, "accept_mixed_language": True})
    assert r.status_code == 201, r.text
