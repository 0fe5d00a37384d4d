"""Jobs on a cheap-steps service (tests.helpers.service.Server), and opening one in the web page,
for the page's tests (tests/api/test_web_*.py)."""

from __future__ import annotations

from pathlib import Path


def upload_presenter(client, video: Path) -> str:
    """Upload `video` through `client` (an httpx.Client on the service) with Ana Lima's consent;
    the new presenter's id. Asserts the upload answered 201."""
    r = client.post("/presenters", files=[("files", (video.name, video.read_bytes(), "video/mp4"))],
                    data={"consent_by": "Ana Lima", "consent": "true"})
    assert r.status_code == 201, r.text
    return r.json()["presenters"][0]["id"]


def make_job(client, presenter: str, name: str, review: bool) -> str:
    """Start a two-sentence Portuguese job of `presenter` through `client` (an httpx.Client on
    the service); its id."""
    r = client.post("/jobs", json={"text": "Clean the nozzle. Dry it.", "languages": ["pt"], "presenters": [presenter],
                                   "review": review, "name": name})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def waiting_and_done(url: str, video: Path) -> tuple[str, str]:
    """Upload `video` to the service at `url` and make two jobs of it: "waiting job" (held for
    review) and "finished job" (done); their ids once they got there."""
    import httpx

    from tests.helpers.waiting import wait_for

    with httpx.Client(base_url=url, timeout=30) as c:
        up = c.post("/presenters", files=[("files", (video.name, video.read_bytes(), "video/mp4"))],
                    data={"consent_by": "Ana", "consent": "true"})
        pid = up.json()["presenters"][0]["id"]
        waiting = make_job(c, pid, "waiting job", review=True)
        done = make_job(c, pid, "finished job", review=False)
        wait_for(lambda: c.get(f"/jobs/{waiting}").json()["state"] == "waiting-review", what="review gate")
        wait_for(lambda: c.get(f"/jobs/{done}").json()["state"] == "done", what="job done")
    return waiting, done


def open_job(page, name: str) -> None:
    """Open the job called `name` from the page's History and wait until the panel shows it."""
    page.click(f"#history a:text-is('{name}')")
    page.wait_for_function(f"document.querySelector('#job-title').textContent === {name!r}")
