"""Kill the service in the middle of a render (SIGKILL), start it again: the job finishes and
nothing is lost or done twice."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest
from tests.helpers.runners import runs
from tests.helpers.service import Server
from tests.helpers.waiting import wait_for

pytestmark = pytest.mark.slow


def test_restart_mid_render_loses_nothing(tmp_path, tiny_videos):
    data = tmp_path / "svc"
    data.mkdir()
    (data / "hold-render").touch()  # renders wait until the test lets them go
    server = Server(data).start()
    try:
        c = httpx.Client(base_url=server.url, timeout=30)
        ids = [p["id"] for p in c.post("/presenters", data={"consent_by": "Bo", "consent": "true"},
                                       files=[("files", (p.name, p.read_bytes(), "video/mp4"))
                                              for p in tiny_videos[:2]]).json()["presenters"]]
        job = c.post("/jobs", json={"text": "One. Two.", "languages": ["pt", "es"], "presenters": ids}).json()["id"]
        # A render is running: the store says so and the worker has started it.
        wait_for(lambda: any(t["kind"] == "render" and t["state"] == "running"
                             for t in c.get(f"/jobs/{job}").json()["tasks"])
                 and any(kind == "render" for kind, _ in runs(data)), what="a render running")
        before = c.get(f"/jobs/{job}").json()
        done_before = {t["name"] for t in before["tasks"] if t["state"] == "done"}
        c.close()
    finally:
        server.kill()

    server.start()  # same data folder
    try:
        (data / "hold-render").unlink()
        with httpx.Client(base_url=server.url, timeout=30) as c:
            after = wait_for(lambda: (j := c.get(f"/jobs/{job}").json())["state"] == "done" and j,
                             what="job done after restart")
            assert len(after["tasks"]) == len(before["tasks"]) == 2 + 1 + 2 + 2 + 4 + 2
            assert all(t["state"] == "done" for t in after["tasks"])
            assert len(after["packs"]) == 2 and len(after["videos"]) == 4
            assert c.get(after["zip_url"]).status_code == 200
    finally:
        server.stop()
    ran = Counter(name for _, name in runs(data))
    # Work finished before the kill was not redone; only the interrupted render ran twice.
    assert all(ran[name] == 1 for name in done_before)
    assert sum(n for name, n in ran.items() if name.startswith("render:")) == 5
    assert max(ran.values()) == 2
