"""The web page in Debian's chromium (Playwright), against a real server running the real
steps on a tiny input: drop a presenter, start a job, watch it reach 100%, download the zip."""

from __future__ import annotations

import base64
import zipfile
from pathlib import Path

import pytest
from tests.api.conftest import Server

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("web"), runner="pipeline.jobs.runner:PipelineRunner").start()
    yield s
    s.stop()


def test_drop_presenter_start_job_and_download(browser, server, tmp_path):
    from pipeline.demo import make_demo_presenter

    video = make_demo_presenter(tmp_path / "astronaut.mp4", seconds=1.2, size=160)
    page = browser.new_page(accept_downloads=True)
    script_errors: list[str] = []
    page.on("pageerror", lambda exc: script_errors.append(str(exc)))
    page.goto(server.url + "/")

    # Drag and drop the presenter file onto the drop zone.
    data = base64.b64encode(video.read_bytes()).decode()
    transfer = page.evaluate_handle("""([name, b64]) => {
        const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], name, {type: "video/mp4"}));
        return dt; }""", ["astronaut.mp4", data])
    page.dispatch_event("#drop", "drop", {"dataTransfer": transfer})
    page.check("#consent")
    page.fill("#consent-by", "Ana Lima")
    page.click("#upload-btn")
    page.wait_for_selector("input[name=presenter]:checked", timeout=30_000)

    # A clear error when something is missing.
    page.fill("#script", "Clean the nozzle.")
    page.click("#start")
    assert "Pick at least one language" in page.inner_text("#error")

    page.check("input[name=lang][value=pt]")
    page.click("#start")
    page.wait_for_selector("#tasks tbody tr", timeout=30_000)
    page.wait_for_function("document.querySelector('#job-state').textContent === 'done'", timeout=150_000)
    assert page.inner_text("#job-percent") == "100%"
    assert page.is_hidden("#error") or page.inner_text("#error") == ""
    rows = page.locator("#tasks tbody tr")
    assert rows.count() == 6  # analyse, source, translate, speak, render, pack
    # The presenter was analysed at upload; the job reused that analysis.
    assert "reused" in page.inner_text("#tasks tbody tr[data-task^='analyse:']")
    page.wait_for_selector("#results video")
    # The rendered video plays in the page: the browser decodes its metadata (H.264 + AAC).
    page.wait_for_function("document.querySelector('#results video').readyState >= 1", timeout=20_000)
    assert page.evaluate("document.querySelector('#results video').duration") > 0.5

    with page.expect_download() as info:
        page.click("#job-zip")
    path = tmp_path / "job.zip"
    info.value.save_as(path)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    assert "job.json" in names and "pt/subtitles.srt" in names
    assert any(n.startswith("pt/videos/") and n.endswith(".mp4") for n in names)
    # The language pack link and the history row are there too; the page raised no script error.
    assert page.locator("#results a.pack-link").count() == 1
    assert page.locator("#history tbody tr").count() >= 1
    assert script_errors == []
    page.close()
