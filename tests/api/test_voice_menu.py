"""Voice menus over HTTP, against a real token-protected server on a loopback port (cheap job
steps): the voices usable per language, each presenter's automatic voice before submission, and a
voice sample behind a signed link.

Presenter "Ana" is declared a woman through the profile cache the service keeps per file content
(`<data>/voices/<sha256>.json`): the preview must read it, not measure the file again. "Bruno" has
no audio track, so he gets the language defaults and a note saying why."""

from __future__ import annotations

import io
import wave

import httpx
import pytest
from tests.helpers.service import Server
from tests.helpers.profiles import declare_register

pytestmark = pytest.mark.slow

TOKEN = "s3cret-voices"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("voices"), env={"POLYDUB_TOKEN": TOKEN}).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=120, headers={"Authorization": f"Bearer {TOKEN}"}) as c:
        yield c


@pytest.fixture(scope="module")
def presenters(server, client, tiny_videos) -> dict[str, str]:
    ana, bruno = tiny_videos[0], tiny_videos[1]
    declare_register(server.data_dir, ana, "female")
    files = [("files", ("Ana.mp4", ana.read_bytes(), "video/mp4")), ("files", ("Bruno.mp4", bruno.read_bytes(), "video/mp4"))]
    r = client.post("/presenters", files=files, data={"consent_by": "Ana Lima", "consent": "true"})
    assert r.status_code == 201, r.text
    return {p["name"]: p["id"] for p in r.json()["presenters"]}


def test_usable_voices_per_language_with_signed_sample_links(client, server):
    rows = client.get("/voices/usable", params={"language": "pt-br"}).json()
    assert rows[0]["default"] and rows[0]["voice"] == "kokoro:jm_kumo" and rows[0]["register"] == "male"
    women = {r["voice"]: r for r in rows if r["register"] == "female"}
    assert set(women) >= {"kokoro:jf_nezumi", "kokoro:jf_gongitsune"}
    assert women["kokoro:jf_nezumi"]["label"] == "jf_nezumi (Kokoro)" and women["kokoro:jf_nezumi"]["wer"] == 0.07
    assert "kokoro:jf_alpha" not in {r["voice"] for r in rows}  # measured unintelligible in Portuguese
    for r in rows:
        assert r["language"] == "pt-BR"
        assert r["sample_url"].startswith(f"/voices/{r['voice']}/samples/pt-BR.wav?exp=") and "&sig=" in r["sample_url"]
        assert TOKEN not in r["sample_url"]
    assert all(r["sample_url"] is None for r in client.get("/voices/usable", params={"language": "ja"}).json())
    bad = client.get("/voices/usable", params={"language": "xx"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("no installed voice speaks 'xx'")
    assert "\n" not in bad.json()["detail"] and str(server.data_dir) not in bad.text
    assert httpx.get(server.url + "/voices/usable", params={"language": "pt"}).status_code == 401


def test_each_presenter_automatic_voice_before_submission(client, presenters):
    ana = client.get(f"/presenters/{presenters['Ana.mp4']}/voices", params=[("language", "pt-BR"), ("language", "en")])
    assert ana.status_code == 200, ana.text
    body = ana.json()
    assert (body["source"], body["register"]) == ("declared", "female")
    assert [v["language"] for v in body["voices"]] == ["pt-BR", "en"]
    for v in body["voices"]:
        usable = {r["voice"]: r for r in client.get("/voices/usable", params={"language": v["language"]}).json()}
        assert v["register"] == "female" and usable[v["voice"]]["register"] == "female"
        assert v["label"] == usable[v["voice"]]["label"] and "declared female" in v["reason"]
    bruno = client.get(f"/presenters/{presenters['Bruno.mp4']}/voices", params={"language": "pt-BR"}).json()
    assert bruno["source"] == "default" and bruno["f0_median_hz"] is None
    assert any("Bruno.mp4" in n and "audio" in n for n in bruno["notes"]), bruno["notes"]
    assert bruno["voices"][0]["voice"] == "kokoro:jm_kumo" and "default" in bruno["voices"][0]["reason"]
    assert client.get("/presenters/pnone/voices", params={"language": "pt"}).status_code == 404
    unknown = client.get(f"/presenters/{presenters['Ana.mp4']}/voices", params={"language": "xx"})
    assert unknown.status_code == 422 and "no installed voice speaks 'xx'" in unknown.json()["detail"]


def test_a_submitted_job_uses_the_preview_and_the_per_presenter_override(client, server, presenters):
    from pipeline.jobs import JobStore

    auto = client.get(f"/presenters/{presenters['Ana.mp4']}/voices", params={"language": "pt-BR"}).json()["voices"][0]
    r = client.post("/jobs", json={"text": "Clean the nozzle.", "languages": ["pt-BR"],
                                   "presenters": list(presenters.values()),
                                   "voices": {presenters["Bruno.mp4"]: {"pt-BR": "kokoro:jf_gongitsune"}}})
    assert r.status_code == 201, r.text
    tasks = client.get(f"/jobs/{r.json()['id']}").json()["tasks"]
    speak = sorted(t["name"] for t in tasks if t["kind"] == "speak")
    assert speak == sorted({f"speak:pt-BR:{auto['voice']}", "speak:pt-BR:kokoro:jf_gongitsune"})
    spec = JobStore(server.data_dir / "jobs.sqlite").job(r.json()["id"])["spec"]
    assert sorted(v["pt-BR"] for v in spec["voices"].values()) == sorted([auto["voice"], "kokoro:jf_gongitsune"])


def test_a_voice_sample_plays_from_its_signed_link_and_is_made_once(client, server):
    rows = client.get("/voices/usable", params={"language": "en"}).json()
    url = next(r["sample_url"] for r in rows if r["voice"] == "piper:en_US-joe-medium")
    with httpx.Client(base_url=server.url, timeout=120) as anyone:  # no token: the signature is the pass
        first = anyone.get(url)
        assert first.status_code == 200, first.text
        assert first.headers["content-type"] == "audio/wav"
        with wave.open(io.BytesIO(first.content)) as w:
            assert w.getnchannels() == 1 and w.getsampwidth() == 2
            assert 1.0 < w.getnframes() / w.getframerate() < 10.0
        samples = sorted((server.data_dir / "voices" / "samples").iterdir())
        assert [p.suffix for p in samples] == [".wav"]
        made = samples[0].stat().st_mtime_ns
        again = anyone.get(url)
        assert again.content == first.content  # read back, not made again
        assert sorted((server.data_dir / "voices" / "samples").iterdir()) == samples
        assert samples[0].stat().st_mtime_ns == made
        assert anyone.get(url.split("?")[0]).status_code == 401
        assert anyone.get(url.replace("sig=", "sig=0")).status_code == 401
    not_usable = client.get("/voices/kokoro:jf_alpha/samples/pt-BR.wav")
    assert not_usable.status_code == 404 and "not a voice usable in pt-BR" in not_usable.json()["detail"]
    assert client.get("/voices/kokoro:nobody/samples/en.wav").status_code == 404
    no_sentence = client.get("/voices/kokoro:jf_alpha/samples/ja.wav")
    assert no_sentence.status_code == 404 and "no sample sentence in ja" in no_sentence.json()["detail"]
    assert str(server.data_dir) not in not_usable.text + no_sentence.text


def test_real_presenters_are_offered_a_voice_of_their_own_register(client, server, shared_media):
    files = [("files", (p.name, p.read_bytes(), "video/mp4")) for p in sorted(shared_media.glob("presenter_*.mp4"))]
    up = client.post("/presenters", files=files, data={"consent_by": "Ana Lima", "consent": "true"})
    assert up.status_code == 201, up.text
    for p in up.json()["presenters"]:
        body = client.get(f"/presenters/{p['id']}/voices", params=[("language", "en"), ("language", "pt-BR")]).json()
        assert body["source"] == "speech" and body["f0_median_hz"] > 60, body
        assert (server.data_dir / "voices" / f"{p['key'].removeprefix('sha256:')}.json").is_file()
        if body["register"] != "unknown":
            assert {v["register"] for v in body["voices"]} == {body["register"]}, body
