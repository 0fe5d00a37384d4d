"""The HTTP API against a real uvicorn server, on cheap steps (tests.helpers.runners)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from tests.helpers.service import Server
from tests.helpers.waiting import wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with Server(tmp_path_factory.mktemp("svc"), env={"POLYDUB_MAX_UPLOAD_MB": "2"}) as s:
        yield s


@pytest.fixture(scope="module")
def presenters(client, tiny_videos):
    files = [("files", (p.name, p.read_bytes(), "video/mp4")) for p in tiny_videos[:2]]
    files.append(("files", ("notes.mp4", b"this is text, not a video", "video/mp4")))
    r = client.post("/presenters", files=files, data={"consent_by": "Ana Lima", "consent": "true"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert [e["file"] for e in body["errors"]] == ["notes.mp4"]  # judged by content, not by name
    assert len(body["presenters"]) == 2
    ids = [p["id"] for p in body["presenters"]]
    wait_for(lambda: all(client.get(f"/presenters/{i}").json()["analysis"]["state"] == "done" for i in ids),
             what="presenter analysis")
    return ids


def events(client, job_id):
    """Read the job's server-sent events to the end."""
    out = []
    with client.stream("GET", f"/jobs/{job_id}/events", params={"interval": 0.1}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        kind = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                out.append((kind, json.loads(line[6:])))
                if kind == "end":
                    break
    return out


def test_health_version_and_openapi(client):
    assert client.get("/health").json()["status"] == "ok"
    assert client.get("/version").json()["version"]
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/presenters", "/jobs", "/jobs/{job_id}/events", "/jobs/{job_id}/review/{language}",
              "/jobs/{job_id}/download.zip", "/uploads"):
        assert p in paths
    page = client.get("/")
    assert page.status_code == 200 and "polydub" in page.text


def test_presenter_list_consent_and_thumbnail(client, presenters, tiny_videos):
    listed = client.get("/presenters").json()
    mine = [p for p in listed if p["id"] in presenters]
    assert all(p["consent_by"] == "Ana Lima" and p["consent_at"] > 0 for p in mine)
    assert all(p["analysis"]["report"]["frames"] for p in mine)
    thumb = client.get(mine[0]["thumbnail_url"])
    assert thumb.status_code == 200 and thumb.content[:2] == b"\xff\xd8"
    r = client.post("/presenters", files=[("files", ("a.mp4", tiny_videos[0].read_bytes(), "video/mp4"))],
                    data={"consent_by": "Ana Lima"})
    assert r.status_code == 422 and "consent" in r.json()["detail"]


def test_job_with_review_progress_and_downloads(client, presenters):
    r = client.post("/jobs", json={"text": "# Nozzle\n\nClean the nozzle. Dry it.", "languages": ["pt", "es"],
                                   "presenters": presenters, "review": True, "name": "nozzle"})
    assert r.status_code == 201, r.text
    job_id = r.json()["id"]
    wait_for(lambda: client.get(f"/jobs/{job_id}").json()["state"] == "waiting-review", what="review gate")
    # `pt` is resolved to its pack tag when the job is made: the job, its links and labels say pt-BR
    assert client.get(f"/jobs/{job_id}").json()["languages"] == ["pt-BR", "es"]
    review = client.get(f"/jobs/{job_id}/review/pt").json()  # the bare tag still names it
    assert review["sentences"][1] == {"id": "s1", "source": "Clean the nozzle.", "text": "[pt-BR] Clean the nozzle.",
                                      "flags": [], "words": []}
    edited = client.put(f"/jobs/{job_id}/review/pt", json={"edits": {"s1": "Limpe o bico."}}).json()
    assert edited["redo"] == []  # nothing downstream has run yet
    assert client.post(f"/jobs/{job_id}/review/pt/approve", json={"by": "Ana"}).json()["approved"]
    assert client.post(f"/jobs/{job_id}/review/es/approve").status_code == 200

    stream = events(client, job_id)
    assert stream[-1] == ("end", {"state": "done"})
    last = stream[-2][1]
    assert last["percent"] == 100.0 and all(t["state"] == "done" for t in last["tasks"])
    assert {t["file"] for t in last["tasks"] if t["kind"] == "render"} == {"presenter-0.mp4", "presenter-1.mp4"}
    assert {t["label"] for t in last["tasks"] if t["kind"] == "render"} == {
        f"Rendering presenter-{k}.mp4 — {name}" for k in (0, 1) for name in ("Portuguese (Brazil)", "Spanish")}
    assert {p["language"] for p in last["packs"]} == {"pt-BR", "es"}
    assert any(p["url"].split("?")[0].endswith("/packs/pt-BR.zip") and "/subtitles/pt-BR.srt" in p["srt"]
               for p in last["packs"])
    assert len(last["videos"]) == 4 and len(last["packs"]) == 2

    video = client.get(last["videos"][0]["url"])
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4" and video.content[4:8] == b"ftyp"
    with zipfile.ZipFile(io.BytesIO(client.get(last["packs"][0]["url"]).content)) as zf:
        assert "subtitles.srt" in zf.namelist() and sum(n.startswith("videos/") for n in zf.namelist()) == 2
    assert "Limpe o bico." in client.get(f"/jobs/{job_id}/subtitles/pt.srt").text
    assert client.get(f"/jobs/{job_id}/subtitles/pt.vtt").text.startswith("WEBVTT")
    with zipfile.ZipFile(io.BytesIO(client.get(last["zip_url"]).content)) as zf:
        names = zf.namelist()
    assert all(not n.startswith(("/", "..")) for n in names)
    assert {"job.json", "pt-BR/subtitles.srt", "es/subtitles.srt"} <= set(names)

    # Adding a language to the finished job runs only that language's work.
    grown = client.post(f"/jobs/{job_id}/extend", json={"languages": ["de"]})
    assert grown.status_code == 200, grown.text
    wait_for(lambda: client.get(f"/jobs/{job_id}").json()["state"] == "waiting-review", what="de review")
    assert client.post(f"/jobs/{job_id}/review/de/approve").status_code == 200
    assert events(client, job_id)[-1] == ("end", {"state": "done"})
    tasks = {t["name"]: t for t in client.get(f"/jobs/{job_id}").json()["tasks"]}
    (speak_de,) = [name for name in tasks if name.startswith("speak:de:")]  # named by the presenters' voice in de
    assert tasks[speak_de]["cached"] is False and tasks["pack:pt-BR"]["cached"] is True

    # Re-running the job reuses everything, the reviewed pt edit included.
    again = client.post(f"/jobs/{job_id}/rerun").json()["id"]
    wait_for(lambda: client.get(f"/jobs/{again}").json()["state"] == "waiting-review", what="rerun review")
    for lang in ("pt", "es", "de"):
        assert client.post(f"/jobs/{again}/review/{lang}/approve").status_code == 200
    assert events(client, again)[-1] == ("end", {"state": "done"})
    assert all(t["cached"] for t in client.get(f"/jobs/{again}").json()["tasks"])
    assert client.get(f"/jobs/{again}/review/pt").json()["sentences"][1]["text"] == "Limpe o bico."

    voices = client.get("/voices", params={"language": "pt"})
    assert voices.status_code == 200 and any(v["default"] for v in voices.json())


def test_narration_job_and_history(client, presenters, narration_wav):
    up = client.post("/uploads", files={"file": ("talk.wav", narration_wav.read_bytes(), "audio/wav")})
    assert up.status_code == 201, up.text
    r = client.post("/jobs", json={"narrations": {"pt": up.json()["key"]}, "presenters": presenters[:1]})
    assert r.status_code == 201, r.text
    assert events(client, r.json()["id"])[-1] == ("end", {"state": "done"})
    job = client.get(f"/jobs/{r.json()['id']}").json()
    assert [p["language"] for p in job["packs"]] == ["pt-BR"]  # the narration's pt, as its pack names it
    assert {t["name"] for t in job["tasks"]} >= {"narrate:pt-BR", "pack:pt-BR"}, [t["name"] for t in job["tasks"]]
    page = client.get("/jobs", params={"limit": 1}).json()
    assert page["total"] >= 2 and page["jobs"][0]["id"] == r.json()["id"]  # newest first
    older = client.get("/jobs", params={"limit": 1, "offset": 1}).json()["jobs"][0]
    assert older["created"] <= page["jobs"][0]["created"]
    assert client.delete(f"/jobs/{r.json()['id']}").status_code == 204
    assert client.get(f"/jobs/{r.json()['id']}").status_code == 404


@pytest.mark.parametrize("body, status, words", [
    ({"text": "Hi.", "languages": ["p t"], "presenters": ["x"]}, 422, "BCP-47"),
    ({"text": "Hi.", "languages": ["pt"], "presenters": ["pnothing"]}, 422, "neither an uploaded"),
    ({"text": "Hi.", "languages": ["pt"], "presenters": ["/etc/hostname"]}, 422, "upload it first"),
    ({"text": " ", "languages": ["pt"], "presenters": ["x"]}, 422, "script text is empty"),
    ({"languages": ["pt"], "presenters": ["x"]}, 422, "exactly one source"),
    ({"text": "Hi.", "languages": ["pt"], "presenters": ["x"], "colour": "red"}, 422, "colour"),
])
def test_bad_input_is_one_line_4xx(client, body, status, words):
    r = client.post("/jobs", json=body)
    assert r.status_code == status, r.text
    assert words in r.json()["detail"] and "\n" not in r.json()["detail"]


def test_limits_and_not_found(client, narration_wav):
    big = b"\0" * (3 << 20)
    r = client.post("/uploads", files={"file": ("big.wav", big, "audio/wav")})
    assert r.status_code == 413 and "upload limit" in r.json()["detail"]
    r = client.post("/uploads", files={"file": ("../../etc/passwd.wav", narration_wav.read_bytes(), "audio/wav")})
    assert r.status_code == 201 and r.json()["info"]["has_audio"]
    r = client.post("/uploads", files={"file": ("fake.wav", b"RIFF not really", "audio/wav")})
    assert r.status_code == 422 and r.json()["detail"].startswith("fake.wav: not a readable")
    assert client.get("/jobs/jnothing").status_code == 404
    assert client.get("/jobs/jnothing/events").status_code == 404
    assert client.post("/jobs/jnothing/cancel").status_code == 404
    assert client.get("/presenters/pnothing").status_code == 404


def test_cancel_one_task_then_retry_it(client, server, presenters):
    hold = server.data_dir / "hold-render"
    hold.touch()
    try:
        job_id = client.post("/jobs", json={"text": "Cancel me. Please.", "languages": ["fr"],
                                            "presenters": presenters}).json()["id"]
        running = wait_for(lambda: next((t["name"] for t in client.get(f"/jobs/{job_id}").json()["tasks"]
                                         if t["kind"] == "render" and t["state"] == "running"), None),
                           what="a render running")
        r = client.post(f"/jobs/{job_id}/cancel", params={"task": running})
        assert r.status_code == 200
        assert {t["name"]: t["state"] for t in r.json()["tasks"]}[running] == "cancelled"
    finally:
        hold.unlink()
    # The other presenter's render still finishes; the pack waits for the cancelled one.
    job = wait_for(lambda: (j := client.get(f"/jobs/{job_id}").json())["state"] == "cancelled" and j,
                   what="job settles")
    states = {t["name"]: t["state"] for t in job["tasks"]}
    assert sum(s == "done" for n, s in states.items() if n.startswith("render:")) == 1
    assert states["pack:fr"] == "queued"
    assert client.post(f"/jobs/{job_id}/retry", params={"task": running}).status_code == 200
    assert events(client, job_id)[-1] == ("end", {"state": "done"})
    assert client.post(f"/jobs/{job_id}/retry").status_code == 409  # nothing left to retry


def test_delete_presenter(client, tiny_videos):
    r = client.post("/presenters", data={"consent_by": "Ana Lima", "consent": "true"},
                    files=[("files", (tiny_videos[2].name, tiny_videos[2].read_bytes(), "video/mp4"))])
    pid = r.json()["presenters"][0]["id"]
    assert client.delete(f"/presenters/{pid}").status_code == 204
    assert client.get(f"/presenters/{pid}").status_code == 404
    assert pid not in [p["id"] for p in client.get("/presenters").json()]


def test_started_and_time_left_when_the_first_tasks_were_reused(client, server, presenters):
    """A job whose first tasks are reused (same script as an earlier job) still gets its start
    time when its first task runs, so the time-left estimate shows while it runs."""
    text = "Reuse me. Then carry on."
    first = client.post("/jobs", json={"text": text, "languages": ["nl"], "presenters": presenters[:1]}).json()["id"]
    assert events(client, first)[-1] == ("end", {"state": "done"})
    hold = server.data_dir / "hold-render"
    hold.touch()
    try:
        job_id = client.post("/jobs", json={"text": text, "languages": ["nl", "pl"],
                                            "presenters": presenters[:1]}).json()["id"]
        wait_for(lambda: any(t["kind"] == "render" and t["state"] == "running"
                             for t in client.get(f"/jobs/{job_id}").json()["tasks"]), what="a render running")
        job = client.get(f"/jobs/{job_id}").json()
        assert any(t["cached"] for t in job["tasks"])  # the source was reused, never started
        assert job["started"] is not None and job["state"] == "running"
        assert job["eta_seconds"] is not None and job["eta_seconds"] >= 0
        listed = next(j for j in client.get("/jobs").json()["jobs"] if j["id"] == job_id)
        assert listed["started"] == job["started"]
    finally:
        hold.unlink()
    assert events(client, job_id)[-1] == ("end", {"state": "done"})


def test_a_job_failing_in_its_first_task_says_the_error_once(client, server, presenters, narration_wav):
    """Each task after the failed one carries its error (`store_rows.fail_dependents`); the
    job's `error` says it once, as the command line does."""
    key = client.post("/uploads", files={"file": ("once.wav", narration_wav.read_bytes(), "audio/wav")}).json()["key"]
    switch = server.data_dir / "fail-narrate"
    switch.touch()
    try:
        r = client.post("/jobs", json={"narrations": {"fr": key}, "presenters": presenters})
        assert r.status_code == 201, r.text
        job = wait_for(lambda: (j := client.get(f"/jobs/{r.json()['id']}").json())["state"] == "failed" and j,
                       what="the job fails")
    finally:
        switch.unlink()
    assert sum(t["state"] == "failed" for t in job["tasks"]) >= 3  # narrate, both renders, the pack
    assert job["error"].count("the transcript does not match the recording") == 1, job["error"]
    assert job["error"].startswith("narrate:")


@pytest.mark.parametrize("route, body, start, words", [
    ("/jobs", {"recording": "sha256:deadbeef"}, "recording: 'sha256:deadbeef' is not an uploaded file", "POST /uploads"),
    ("/jobs", {"text": "Hi.", "background": "nocolour"}, "background: 'nocolour' is not a colour", "colour name"),
    ("/jobs", {"text": "Hi.", "rate": "fast"}, "rate: must be a number", ""),
    ("/jobs/import", {"text": "Hi.", "renderer_options": "w.pth"}, "renderer_options: must be a mapping", ""),
    ("/jobs/import", {"text": "Hi.", "analyse_only": True}, "analyse_only: an analysis is made by uploading", ""),
])
def test_every_422_starts_with_the_field_it_is_about(client, presenters, route, body, start, words):
    """One form, "field: what is wrong; what to do", whatever the route and whichever check
    refused it (never "spec: ...", "spec.analyse_only: ..." or a line not naming the field)."""
    spec = {"languages": ["pt"], "presenters": presenters[:1], **body}
    r = client.post(route, json={"name": "n", "spec": spec} if route == "/jobs/import" else spec)
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith(start) and words in r.json()["detail"], r.json()["detail"]


def test_a_presenters_label_is_its_file_name_never_a_hash_or_a_path(client, tiny_videos):
    """fresh4 finding 11: the label was the store's short hash. It is the uploaded file's name,
    made safe (no folders of the sender's machine); the hash is `video_id`, as links name it."""
    r = client.post("/presenters", data={"consent_by": "Ana Lima", "consent": "true"},
                    files=[("files", ("C:\\Users\\ana\\talks/../ana lima.mp4", tiny_videos[1].read_bytes(), "video/mp4"))])
    assert r.status_code == 201, r.text
    (p,) = r.json()["presenters"]
    assert p["label"] == "ana lima.mp4" and p["video_id"] == p["key"][:10]
    assert next(q for q in client.get("/presenters").json() if q["id"] == p["id"])["label"] == "ana lima.mp4"
    job = client.post("/jobs", json={"text": "Hi there.", "languages": ["es"], "presenters": [p["id"]]}).json()["id"]
    assert events(client, job)[-1] == ("end", {"state": "done"})
    (video,) = client.get(f"/jobs/{job}").json()["videos"]
    assert video["presenter"] == p["video_id"] and video["name"] == p["label"]
