"""The service's front door (api/security.py) against a real uvicorn server on a loopback port:
the token before the body, limits that hold for chunked bodies, the host allow-list and
cross-site writes, security headers, signed links, disk checks on upload and true downloads."""

from __future__ import annotations

import io
import json
import time
import zipfile

import httpx
import pytest
from tests.helpers.http import chunked, head, send_until_answer
from tests.helpers.service import Server
from tests.helpers.waiting import wait_for

pytestmark = pytest.mark.slow

TOKEN = "s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BIG = 200 << 20  # the 200 MB body of the security review
PIECE = b"x" * (64 << 10)


def pieces(total: int = BIG):
    for _ in range(total // len(PIECE)):
        yield PIECE


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    """A token-protected server with a 1 MB upload limit and a short script limit."""
    with Server(tmp_path_factory.mktemp("guarded"), env={
            "POLYDUB_TOKEN": f"  {TOKEN} ", "POLYDUB_MAX_UPLOAD_MB": "1", "POLYDUB_MAX_SCRIPT_CHARS": "1000",
            "POLYDUB_CORS_ORIGINS": '["http://lms.example"]'}) as s:
        yield s


@pytest.fixture(scope="module")
def open_server(tmp_path_factory):
    """The default server: no token, loopback only."""
    with Server(tmp_path_factory.mktemp("open"), env={"POLYDUB_CORS_ORIGINS": '["http://lms.example"]'}) as s:
        yield s


@pytest.fixture(scope="module")
def guarded_job(guarded, tiny_videos):
    """A finished job on the guarded server: (job id, its snapshot as GET /jobs/{id} shows it)."""
    with httpx.Client(base_url=guarded.url, headers=AUTH, timeout=30) as c:
        up = c.post("/presenters", files=[("files", (tiny_videos[0].name, tiny_videos[0].read_bytes(), "video/mp4"))],
                    data={"consent_by": "Ana", "consent": "true"})
        assert up.status_code == 201, up.text
        job = c.post("/jobs", json={"text": "Clean it.", "languages": ["pt"], "presenters": [up.json()["presenters"][0]["id"]]})
        assert job.status_code == 201, job.text
        jid = job.json()["id"]
        wait_for(lambda: c.get(f"/jobs/{jid}").json()["state"] == "done", what="job done")
        return jid, c.get(f"/jobs/{jid}").json()


# ---------------------------------------------------------------------- 1. token before the body


@pytest.mark.parametrize("path, kind", [("/jobs", "application/json"),
                                        ("/presenters", "multipart/form-data; boundary=b"),
                                        ("/uploads", "multipart/form-data; boundary=b")])
def test_no_token_is_answered_before_the_body(guarded, path, kind):
    t0 = time.monotonic()
    start = head("POST", path, guarded.port, {"Content-Type": kind, "Content-Length": str(BIG)})
    status, sent = send_until_answer(guarded.port, start, pieces(1 << 20))
    assert status == 401, "the server waited for the 200 MB body instead of refusing at once"
    assert time.monotonic() - t0 < 5
    status, _ = send_until_answer(guarded.port, head("POST", path, guarded.port, {
        "Content-Type": kind, "Transfer-Encoding": "chunked", "Authorization": "Bearer wrong"}), chunked(pieces(1 << 20)))
    assert status == 401


def test_token_from_headers_with_spaces_trimmed(guarded):
    assert httpx.get(guarded.url + "/jobs", headers=AUTH).status_code == 200  # POLYDUB_TOKEN had spaces around
    r = httpx.get(guarded.url + "/jobs")
    assert r.status_code == 401 and "token" in r.json()["detail"] and r.headers["www-authenticate"] == "Bearer"


def test_blank_token_is_refused_at_start(tmp_path):
    s = Server(tmp_path, env={"POLYDUB_TOKEN": "   "})
    with pytest.raises(RuntimeError, match="server exited"):
        s.start(timeout=30)
    s.log.close()
    assert "token is blank" in (tmp_path / "server-stderr.log").read_text()


# ---------------------------------------------------------------------- 2. limits for chunked bodies


@pytest.mark.parametrize("path", ["/presenters", "/uploads"])
def test_chunked_upload_stops_at_the_limit(guarded, path):
    boundary = "b0undary"
    first = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.mp4\"\r\n"
             "Content-Type: video/mp4\r\n\r\n").encode()

    def body():
        yield first
        yield from pieces()

    start = head("POST", path, guarded.port, {**AUTH, "Content-Type": f"multipart/form-data; boundary={boundary}",
                                              "Transfer-Encoding": "chunked"})
    status, sent = send_until_answer(guarded.port, start, chunked(body()))
    assert status == 413
    assert sent < 16 << 20, f"{sent / 2**20:.0f} MB read before the 413 (limit 1 MB)"
    assert not list((guarded.data_dir / "uploads").glob("*"))


def test_declared_length_over_the_limit_is_refused_unread(guarded):
    start = head("POST", "/uploads", guarded.port, {**AUTH, "Content-Type": "multipart/form-data; boundary=b",
                                                   "Content-Length": str(BIG)})
    assert send_until_answer(guarded.port, start, pieces(1 << 20))[0] == 413


def test_json_bodies_and_scripts_are_capped(guarded):
    status, sent = send_until_answer(guarded.port, head("POST", "/jobs", guarded.port, {
        **AUTH, "Content-Type": "application/json", "Transfer-Encoding": "chunked"}), chunked(pieces()))
    assert status == 413 and sent < 32 << 20
    r = httpx.post(guarded.url + "/jobs", headers=AUTH,
                   json={"text": "Clean the nozzle. " * 100, "languages": ["pt"], "presenters": ["x"]})
    assert r.status_code == 422 and "POLYDUB_MAX_SCRIPT_CHARS" in r.json()["detail"]


# ---------------------------------------------------------------------- 3. hosts and cross-site writes


@pytest.mark.parametrize("host, status", [("evil.example", 400), ("evil.example:80", 400), ("127.0.0.2", 400),
                                          ("localhost", 200), ("localhost.:9999", 200), ("127.0.0.1:1", 200),
                                          ("[::1]:7860", 200), ("LOCALHOST", 200)])
def test_host_allow_list(open_server, host, status):
    r = httpx.get(open_server.url + "/jobs", headers={"Host": host})
    assert r.status_code == status, r.text
    if status == 400:
        assert "POLYDUB_ALLOWED_HOSTS" in r.json()["detail"]


@pytest.mark.parametrize("headers", [{"Origin": "http://evil.example"}, {"Origin": "null"},
                                     {"Sec-Fetch-Site": "cross-site"},
                                     {"Origin": "http://localhost:3000"}])
@pytest.mark.parametrize("token", [False, True])
def test_cross_site_writes_are_refused(open_server, guarded, headers, token):
    server = guarded if token else open_server
    extra = AUTH if token else {}
    r = httpx.post(server.url + "/jobs/jnothing/cancel", headers={**headers, **extra})
    assert r.status_code == 403 and "another site" in r.json()["detail"]
    # how to allow it, in the serve option README names and its variable
    assert "--cors-origin" in r.json()["detail"] and "POLYDUB_CORS_ORIGINS" in r.json()["detail"]
    r = httpx.post(server.url + "/presenters", headers={**headers, **extra}, data={"consent_by": "forged", "consent": "true"},
                   files=[("files", ("a.mp4", b"x", "video/mp4"))])
    assert r.status_code == 403


def test_same_site_listed_and_headerless_writes_pass(open_server):
    same = {"Origin": open_server.url, "Sec-Fetch-Site": "same-origin"}
    for headers in (same, {"Origin": "http://lms.example"}, {}):
        assert httpx.post(open_server.url + "/jobs/jnothing/cancel", headers=headers).status_code == 404


def test_state_changes_take_json_not_forms(open_server):
    for kind in ("application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"):
        r = httpx.post(open_server.url + "/jobs/jnothing/review/pt/approve", content=b"by=evil",
                       headers={"Content-Type": kind})
        assert r.status_code == 415 and "JSON" in r.json()["detail"]
    assert httpx.post(open_server.url + "/jobs/jnothing/review/pt/approve", json={"by": "Ana"}).status_code == 404


# ---------------------------------------------------------------------- 5. hygiene


def test_security_headers_everywhere(guarded):
    for path, headers in (("/", {}), ("/jobs", AUTH), ("/jobs", {}), ("/web/app.js", {})):
        r = httpx.get(guarded.url + path, headers=headers)
        assert r.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"


def test_health_shows_workers_only_with_the_token(guarded, open_server):
    assert httpx.get(guarded.url + "/health").json()["workers"] == []
    assert httpx.get(guarded.url + "/health", headers={"Authorization": "Bearer wrong"}).json()["workers"] == []
    workers = httpx.get(guarded.url + "/health", headers=AUTH).json()["workers"]
    assert workers and all("pid" in w for w in workers)
    # no token set: anyone who reaches it sees the workers' state, never their process ids
    workers = httpx.get(open_server.url + "/health").json()["workers"]
    assert workers and all("pid" not in w and "alive" in w for w in workers)


def test_missing_and_wrong_token_are_told_apart(guarded, guarded_job):
    """fresh4 finding 11: the same 401 text for both. Neither line echoes what was sent or
    anything of the token."""
    missing = httpx.get(guarded.url + "/jobs")
    wrong = httpx.get(guarded.url + "/jobs", headers={"Authorization": "Bearer s3cres"})
    path = guarded_job[1]["zip_url"].split("?")[0]
    link = httpx.get(f"{guarded.url}{path}?exp=9999999999&sig=00")
    assert [r.status_code for r in (missing, wrong, link)] == [401, 401, 401]
    assert missing.json()["detail"].startswith("no token given")
    assert wrong.json()["detail"].startswith("the token is wrong")
    assert "signature" in link.json()["detail"]
    for r in (missing, wrong, link):
        assert TOKEN not in r.text and "s3cres" not in r.text and "\n" not in r.json()["detail"]
        assert r.headers["www-authenticate"] == "Bearer"


def test_links_are_signed_not_tokened(guarded, guarded_job):
    jid, job = guarded_job
    text = json.dumps(job)
    assert TOKEN not in text
    links = [job["videos"][0]["url"], job["packs"][0]["url"], job["packs"][0]["srt"], job["zip_url"], job["events"]]
    for url in links:
        assert "sig=" in url and "exp=" in url
        r = httpx.get(guarded.url + url)  # no header: <video src>, <a download>, EventSource
        assert r.status_code == 200, (url, r.text)
    video = job["videos"][0]["url"]
    assert httpx.get(guarded.url + video + "&download=true").status_code == 200
    path, query = video.split("?", 1)
    tampered = query.replace("sig=", "sig=0")
    assert httpx.get(f"{guarded.url}{path}?{tampered}").status_code == 401
    other = job["packs"][0]["url"].split("?")[0]
    assert httpx.get(f"{guarded.url}{other}?{query}").status_code == 401  # a signature is for its own path
    thumb = httpx.get(guarded.url + "/presenters", headers=AUTH).json()[0]["thumbnail_url"]
    assert "sig=" in thumb and httpx.get(guarded.url + thumb).status_code == 200


@pytest.mark.parametrize("interval", ["nan", "inf", "-1", "1e309", "-inf"])
def test_event_interval_must_be_a_real_positive_number(guarded, guarded_job, interval):
    r = httpx.get(f"{guarded.url}/jobs/{guarded_job[0]}/events", params={"interval": interval}, headers=AUTH)
    assert r.status_code == 422 and "interval" in r.json()["detail"]


def test_offline_api_docs(open_server):
    for page, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        html = httpx.get(open_server.url + page).text
        assert "cdn.jsdelivr" not in html and asset in html
        src = next(part.split('"')[0] for part in html.split('src="')[1:] if asset in part.split('"')[0])
        r = httpx.get(open_server.url + src)
        assert r.status_code == 200 and len(r.content) > 100_000


# ---------------------------------------------------------------------- 6. disk checks


@pytest.fixture(scope="module")
def low_disk(tmp_path_factory):
    """A server that needs 1 GB free, with a free-space probe the test steers (tests.helpers.disk)."""
    with Server(tmp_path_factory.mktemp("disk"), env={
            "POLYDUB_MIN_FREE_GB": "1", "POLYDUB_MAX_UPLOAD_MB": "64",
            "POLYDUB_FREE_SPACE_PROBE": "tests.helpers.disk:free_from_file"}) as s:
        yield s


def _stored(server: Server) -> list:
    inputs = [p for p in (server.data_dir / "artifacts").rglob("*") if p.is_file() and p.name.startswith("input")]
    return inputs + list((server.data_dir / "uploads").glob("*")) + httpx.get(server.url + "/presenters").json()


def test_low_disk_refuses_uploads_and_stores_nothing(low_disk, tiny_videos, narration_wav):
    (low_disk.data_dir / "free-bytes").write_text("1e8")
    try:
        r = httpx.post(low_disk.url + "/presenters", data={"consent_by": "Ana", "consent": "true"},
                       files=[("files", (tiny_videos[0].name, tiny_videos[0].read_bytes(), "video/mp4"))])
        assert r.status_code == 507, r.text
        assert str(low_disk.data_dir) not in r.text and "GB free" in r.json()["detail"]
        r = httpx.post(low_disk.url + "/uploads", files={"file": ("talk.wav", narration_wav.read_bytes(), "audio/wav")})
        assert r.status_code == 507, r.text
        assert _stored(low_disk) == []
    finally:
        (low_disk.data_dir / "free-bytes").unlink()


def test_disk_filling_mid_stream_gives_507(low_disk):
    boundary = "b0undary"
    steer = low_disk.data_dir / "free-bytes"
    steer.write_text("5e9")

    def body():
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.mp4\"\r\n"
               "Content-Type: video/mp4\r\n\r\n").encode()
        for i in range((40 << 20) // len(PIECE)):
            if i == (10 << 20) // len(PIECE):
                steer.write_text("0")  # the disk fills after 10 MB
            yield PIECE
        yield f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"consent_by\"\r\n\r\nAna\r\n--{boundary}--\r\n".encode()

    try:
        start = head("POST", "/presenters", low_disk.port,
                     {"Content-Type": f"multipart/form-data; boundary={boundary}", "Transfer-Encoding": "chunked"})
        status, sent = send_until_answer(low_disk.port, start, chunked(body()))
        assert status == 507 and sent < 32 << 20
        assert _stored(low_disk) == []
    finally:
        steer.unlink()


# ---------------------------------------------------------------------- 7. downloads stay true


def test_missing_pack_folder_is_not_a_download(guarded, guarded_job):
    jid, job = guarded_job
    c = httpx.Client(base_url=guarded.url, headers=AUTH, timeout=30)
    pack_task = next(t for t in c.get(f"/jobs/{jid}").json()["tasks"] if t["kind"] == "pack")
    store = guarded.data_dir / "artifacts"
    folder = next(p.parent for p in store.rglob("pack.zip"))
    hidden = folder.with_name(folder.name + ".away")
    for f in guarded.data_dir.joinpath("exports").glob("*.zip"):
        f.unlink()
    folder.rename(hidden)
    try:
        for url in (job["zip_url"], job["packs"][0]["url"], job["packs"][0]["srt"]):
            r = c.get(url)
            assert r.status_code in (404, 409), (url, r.status_code, len(r.content))
            assert pack_task["name"] in r.json()["detail"] and str(guarded.data_dir) not in r.text
    finally:
        hidden.rename(folder)
    with zipfile.ZipFile(io.BytesIO(c.get(job["zip_url"]).content)) as zf:
        assert "pt-BR/subtitles.srt" in zf.namelist()  # no stale zip of job.json alone; pt made pt-BR
    c.close()


def test_no_server_paths_in_answers(guarded, guarded_job):
    for path in ("/presenters", f"/jobs/{guarded_job[0]}"):
        text = httpx.get(guarded.url + path, headers=AUTH).text
        assert str(guarded.data_dir) not in text and str(guarded.data_dir.resolve()) not in text


@pytest.fixture(scope="module")
def real_server(tmp_path_factory):
    """The real steps (presenter analysis with the face tracker), on tiny inputs."""
    with Server(tmp_path_factory.mktemp("real"), runner="pipeline.jobs.runner:PipelineRunner") as s:
        yield s


def test_analysis_report_and_damaged_video_name_no_server_path(real_server, tmp_path):
    from pipeline.demo import make_demo_presenter

    good = make_demo_presenter(tmp_path / "astronaut.mp4", seconds=1.2, size=160).read_bytes()
    start = good.find(b"mdat") + 8  # the header and index stay readable; every frame's bytes are spoiled
    damaged = bytearray(good)
    damaged[start:good.find(b"moov") - 8:7] = b"\xff" * len(range(start, good.find(b"moov") - 8, 7))
    truncated = good[: len(good) // 2]
    files = [("files", ("astronaut.mp4", good, "video/mp4")), ("files", ("damaged.mp4", bytes(damaged), "video/mp4")),
             ("files", ("truncated.mp4", truncated, "video/mp4"))]
    r = httpx.post(real_server.url + "/presenters", files=files, data={"consent_by": "Ana", "consent": "true"}, timeout=60)
    assert r.status_code == 201, r.text
    # Both spoiled files are refused at upload (the probe decodes the first frame to read its
    # display matrix), each named once and without a server path.
    errors = r.json()["errors"]
    assert sorted(e["file"] for e in errors) == ["damaged.mp4", "truncated.mp4"]
    assert not any(e["error"].startswith(e["file"]) for e in errors)
    listed = wait_for(lambda: (ps := httpx.get(real_server.url + "/presenters").json()) and all(
        p["analysis"]["state"] in ("done", "failed") for p in ps) and ps, timeout=120, what="analyses")
    states = {p["name"]: p["analysis"] for p in listed}
    assert set(states) == {"astronaut.mp4"} and states["astronaut.mp4"]["state"] == "done"
    text = json.dumps(listed) + json.dumps(errors)
    for root in {str(real_server.data_dir), str(real_server.data_dir.resolve())}:
        assert root not in text
    assert "/artifacts/" not in text
