"""The same job from `polydub localize` (in-process job graph) and from the HTTP API (a real server on
a loopback port, its worker processes on one CPU as on a smaller machine, with glibc's heap filled
by MALLOC_PERTURB_, its own data folder) gives the same packs: media, subtitles and scripts
byte-equal, manifests equal apart from when they were made; no pack holds a job id. Real steps on
the cheapest inputs: the astronaut photo and a short demo video (1.2 s, 320 px: 20 macroblocks a
row, where x264's AVX-512 macroblock tree read unwritten memory until `lipsync.writer.X264_PARAMS`:
without it the video's render differs here) as presenters, en -> pt with the bundled model, the
installed voice."""

from __future__ import annotations

import os

import httpx
import pytest
from tests.helpers.packs import differences, folder_entries, pack_entries
from tests.helpers.service import REAL_RUNNER, Server
from tests.helpers.waiting import wait_for

from api.cli import main
from pipeline.demo import make_demo_presenter
from pipeline.jobs.store import JobStore

pytestmark = pytest.mark.slow

SCRIPT = "# Nozzle\n\nClean the nozzle.\n\nOpen the valve.\n"
GLOSSARY_CSV = "term,translation,language\nnozzle,BICO-X,pt\n"
GLOSSARY = {"forced": {"pt": {"nozzle": "BICO-X"}}}  # the same glossary, as the API takes it


def _api_job(client: httpx.Client, presenters: list[str], glossary: dict) -> tuple[str, bytes]:
    """Run the job through the API; (job id, its pt pack zip)."""
    r = client.post("/jobs", json={"text": SCRIPT, "languages": ["pt"], "source_language": "en",
                                   "presenters": presenters, "glossary": glossary})
    assert r.status_code == 201, r.text
    job_id = r.json()["id"]
    job = wait_for(lambda: (j := client.get(f"/jobs/{job_id}").json())["state"] in ("done", "failed") and j,
                   timeout=600, what="the API job")
    assert job["state"] == "done", [t.get("error") for t in job["tasks"]]
    (pack,) = job["packs"]
    zipped = client.get(pack["url"])
    assert zipped.status_code == 200
    return job_id, zipped.content


def test_cli_and_api_give_the_same_packs(tmp_path, monkeypatch, capsys, astronaut_photo):
    models = tmp_path / "models"  # nothing imported: the bundled en -> pt model, the installed voices
    models.mkdir()
    monkeypatch.setenv("POLYDUB_DATA_DIR", str(tmp_path / "cli-data"))
    monkeypatch.setenv("POLYDUB_MODELS", str(models))
    monkeypatch.setenv("POLYDUB_MIN_FREE_GB", "0")
    (tmp_path / "script.md").write_text(SCRIPT, encoding="utf-8")
    (tmp_path / "glossary.csv").write_text(GLOSSARY_CSV, encoding="utf-8")
    video = make_demo_presenter(tmp_path / "ana.mp4", 1.2, 320)
    code = main(["-q", "localize", "--text", str(tmp_path / "script.md"), "--lang", "pt", "--source-lang", "en",
                 "--presenter", str(astronaut_photo), str(video), "--glossary", str(tmp_path / "glossary.csv"),
                 "--out", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    (folder,) = [p for p in (tmp_path / "out").iterdir() if p.is_dir()]  # pt-BR: the model's tag
    cli_folder = folder_entries(folder)
    cli_zip = pack_entries(folder.with_suffix(".zip"))
    assert differences(cli_folder, cli_zip) == []
    assert "BICO-X" in cli_folder["script.md"].decode()
    assert sum(name.endswith(".mp4") for name in cli_zip) == 2, sorted(cli_zip)  # the photo's and the video's
    (cli_job,), _ = JobStore(tmp_path / "cli-data" / "jobs.sqlite").jobs()

    # The service runs on one CPU, as on a smaller machine: encoders must not make bytes of CPU counts;
    # and glibc fills its fresh and freed heap memory with 165s: nor of memory nobody wrote.
    cpus = sorted(os.sched_getaffinity(0))[:1]
    env = {"POLYDUB_MODELS": str(models), "MALLOC_PERTURB_": "165"}
    with Server(tmp_path / "api-data", runner=REAL_RUNNER, env=env, cpus=cpus) as server, \
            server.client(timeout=120) as client:
        up = client.post("/presenters", data={"consent_by": "Ana Lima", "consent": "true"},
                         files=[("files", (astronaut_photo.name, astronaut_photo.read_bytes(), "image/png")),
                                ("files", (video.name, video.read_bytes(), "video/mp4"))])
        assert up.status_code == 201, up.text
        presenters = [p["id"] for p in up.json()["presenters"]]
        assert len(presenters) == 2, up.text
        job, same = _api_job(client, presenters, GLOSSARY)
        again, cached = _api_job(client, presenters, GLOSSARY)  # every task reused, the pack too
        _, other = _api_job(client, presenters, {"forced": {"pt": {"nozzle": "TUBO-Y"}}})

    api_zip = pack_entries(same)
    assert differences(cli_zip, api_zip) == []
    assert pack_entries(cached) == api_zip
    for name, data in {**cli_zip, **api_zip}.items():  # a pack is shared by jobs: it names none
        assert not any(job_id.encode() in data for job_id in (cli_job["id"], job, again)), name

    # The check can fail: another glossary gives another script, other subtitles, other speech.
    changed = differences(cli_zip, pack_entries(other))
    assert {line.split(":")[0] for line in changed} >= {"script.md", "subtitles.srt", "narration.wav"}
