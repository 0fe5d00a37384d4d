"""`polydub serve` warms the voice samples in the background at start-up (api/app.py,
`pipeline.voicing_samples.SampleWarmer`): progress in /health and the service log, and the page's
sample of a voice is the file the warm-up made. A real server with the real step runner on a
loopback port, warming French only (one voice: real synthesis, seconds)."""

from __future__ import annotations

import json

import pytest
from tests.helpers.service import REAL_RUNNER, Server
from tests.helpers.waiting import wait_for

pytestmark = pytest.mark.slow


def test_the_service_warms_the_samples_and_the_page_plays_the_same_file(tmp_path):
    (tmp_path / "models").mkdir()
    env = {"POLYDUB_WARM_VOICES": "1", "POLYDUB_WARM_VOICE_LANGUAGES": json.dumps(["fr"]),
           "POLYDUB_MODELS": str(tmp_path / "models")}
    with Server(tmp_path / "data", runner=REAL_RUNNER, env=env) as s, s.client(timeout=120) as c:
        first = c.get("/health").json()["voice_samples"]
        assert first["state"] in ("warming", "ready") and first["done"] <= first["total"]
        status = wait_for(lambda: (v := c.get("/health").json()["voice_samples"])["state"] != "warming" and v,
                          timeout=300, what="the warm-up")
        assert status["state"] == "ready" and status["failed"] == [], status
        assert status["done"] == status["total"] >= 1
        folder = s.data_dir / "voices" / "samples"
        made = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
        assert len([n for n in made if n.endswith(".wav")]) == status["total"]
        assert len([n for n in made if n.endswith(".json")]) == status["total"]  # each profiled
        log = "\n".join(p.read_text(encoding="utf-8") for p in s.data_dir.rglob("service*.log"))
        assert f"voice samples: {status['total']}/{status['total']}" in log and "voice samples ready" in log
        rows = c.get("/voices/usable", params={"language": "fr"}).json()
        played = c.get(rows[0]["sample_url"])
        assert played.status_code == 200 and played.headers["content-type"] == "audio/wav"
        assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == made  # nothing made again
        assert any(played.content == (folder / n).read_bytes() for n in made if n.endswith(".wav"))


def test_no_warm_up_when_it_is_off_or_the_runner_voices_nothing(tmp_path):
    with Server(tmp_path / "fake", env={"POLYDUB_WARM_VOICES": "1"}) as s, s.client() as c:  # the cheap runner
        assert c.get("/health").json()["voice_samples"] is None
    with Server(tmp_path / "off", runner=REAL_RUNNER, env={"POLYDUB_WARM_VOICES": "0"}) as s, s.client() as c:
        assert c.get("/health").json()["voice_samples"] is None
        assert not (s.data_dir / "voices" / "samples").exists()
