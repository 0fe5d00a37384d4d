"""The web page in Debian's chromium (Playwright), against a real server running the real
steps on a tiny input: drop a presenter, start a job, watch it reach 100%, download the zip."""

from __future__ import annotations

import base64
import zipfile

import pytest
from tests.helpers.browser import chromium
from tests.helpers.service import Server
from tests.helpers.web import make_job, open_job

pytestmark = [pytest.mark.slow, pytest.mark.browser]

DONE = "document.querySelector('#job-state').dataset.state === 'done'"


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with Server(tmp_path_factory.mktemp("web"), runner="pipeline.jobs.runner:PipelineRunner") as s:
        yield s


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

    page.check("input[name=lang][value=pt-BR]")
    page.click("#start")
    page.wait_for_selector("#tasks tbody tr", timeout=30_000)
    page.wait_for_function(DONE, timeout=150_000)
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
    assert "job.json" in names and "pt-BR/subtitles.srt" in names
    assert any(n.startswith("pt-BR/videos/") and n.endswith(".mp4") for n in names)
    # The language pack link and the history row are there too; the page raised no script error.
    assert page.locator("#results a.pack-link").count() == 1
    assert page.locator("#history tbody tr").count() >= 1
    assert script_errors == []
    page.close()


# ---------------------------------------------------------------------- page faults (cheap steps)


def test_opening_another_job_drops_the_review_panel(browser, fake_server, two_jobs):
    page = browser.new_page()
    page.goto(fake_server.url + "/")
    page.wait_for_selector("#history a:text-is('waiting job')")
    open_job(page, "waiting job")
    page.wait_for_selector("#review-panel .review-lang[data-lang=pt-BR]")
    open_job(page, "finished job")
    page.wait_for_function(DONE)
    page.wait_for_selector("#results video")
    assert page.locator("#review-panel .review-lang").count() == 0, "the first job's review panel is still on screen"
    page.close()


def test_no_horizontal_scrolling_at_400px(browser, fake_server, two_jobs):
    page = browser.new_page(viewport={"width": 400, "height": 800})
    page.goto(fake_server.url + "/")
    page.wait_for_selector("#history a:text-is('waiting job')")
    wide = "document.documentElement.scrollWidth"
    assert page.evaluate(wide) <= 400
    open_job(page, "waiting job")
    page.wait_for_selector("#review-panel .review-lang[data-lang=pt-BR]")
    assert page.evaluate(wide) <= 400, f"the page is {page.evaluate(wide)} px wide with a review open"
    open_job(page, "finished job")
    page.wait_for_selector("#results video")
    assert page.evaluate(wide) <= 400, f"the page is {page.evaluate(wide)} px wide with a finished job open"
    page.close()


def test_each_upload_error_is_printed_once(browser, fake_server, tiny_videos):
    page = browser.new_page()
    page.goto(fake_server.url + "/")
    page.set_input_files("#files", [
        {"name": tiny_videos[1].name, "mimeType": "video/mp4", "buffer": tiny_videos[1].read_bytes()},
        {"name": "notes.mp4", "mimeType": "video/mp4", "buffer": b"this is text, not a video"}])
    page.check("#consent")
    page.fill("#consent-by", "Ana Lima")
    page.click("#upload-btn")
    page.wait_for_selector("#error:not([hidden])")
    message = page.inner_text("#error")
    assert message.count("notes.mp4") == 1, message
    assert page.inner_text("#upload-status") == "1 uploaded, 1 not (see above)"
    page.close()


@pytest.fixture(scope="module")
def token_server(tmp_path_factory, tiny_videos):
    """A token-protected server (fake steps) with one finished job."""
    import httpx
    from tests.helpers.waiting import wait_for

    s = Server(tmp_path_factory.mktemp("web-token"), env={"POLYDUB_TOKEN": "s3cret"}).start()
    with httpx.Client(base_url=s.url, timeout=30, headers={"Authorization": "Bearer s3cret"}) as c:
        up = c.post("/presenters", files=[("files", (tiny_videos[2].name, tiny_videos[2].read_bytes(), "video/mp4"))],
                    data={"consent_by": "Ana", "consent": "true"})
        job = make_job(c, up.json()["presenters"][0]["id"], "guarded job", review=False)
        wait_for(lambda: c.get(f"/jobs/{job}").json()["state"] == "done", what="job done")
    yield s
    s.stop()


def test_token_is_asked_once_remembered_and_a_wrong_one_explained(browser, token_server):
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(token_server.url + "/")
    page.wait_for_selector("#token-box:not([hidden])")
    page.fill("#token", "not-it")
    page.click("#token-btn")
    page.wait_for_selector("#token-box.wrong:not([hidden])")
    assert "not accepted" in page.inner_text("#token-why")
    page.fill("#token", "s3cret")
    page.click("#token-btn")
    page.wait_for_selector("#history a:text-is('guarded job')")
    page.wait_for_selector("#presenters li")
    assert page.is_hidden("#token-box") and dialogs == []

    # Links carry a short-lived signature, never the token, and work without headers.
    open_job(page, "guarded job")
    page.wait_for_selector("#results video")
    links = page.evaluate("[...document.querySelectorAll('[href],[src]')].map(e => e.getAttribute('href') || e.getAttribute('src'))")
    assert not any("s3cret" in u or "token=" in u for u in links)
    video = page.get_attribute("#results video", "src")
    assert "sig=" in video and page.evaluate("async (u) => (await fetch(u, {cache: 'no-store'})).ok", video)

    page.reload()  # remembered for the session
    page.wait_for_selector("#history a:text-is('guarded job')")
    assert page.is_hidden("#token-box")
    context.close()
    fresh = browser.new_context().new_page()  # a new session asks again
    fresh.goto(token_server.url + "/")
    fresh.wait_for_selector("#token-box:not([hidden])")
    fresh.context.close()


# ---------------------------------------------------------------------- what a trainer sees (checked, cheap steps)


@pytest.fixture(scope="module")
def checked_server(tmp_path_factory, tiny_videos):
    """Cheap steps, checked against an empty model store like the real runner (only the bundled
    en<->pt-BR models), with one presenter uploaded as "Ana.mp4"."""
    import httpx

    models = tmp_path_factory.mktemp("no-models")
    s = Server(tmp_path_factory.mktemp("web-checked"), runner="tests.helpers.runners:ModelCheckedRunner",
               env={"POLYDUB_MODELS": str(models)}).start()
    with httpx.Client(base_url=s.url, timeout=60) as c:
        up = c.post("/presenters", files=[("files", ("Ana.mp4", tiny_videos[0].read_bytes(), "video/mp4"))],
                    data={"consent_by": "Ana", "consent": "true"})
        assert up.status_code == 201, up.text
        s.presenter = up.json()["presenters"][0]["id"]
    yield s
    s.stop()


def _form(page, server, text: str, review: bool = False) -> None:
    page.goto(server.url + "/")
    page.wait_for_selector("input[name=lang]")
    page.check(f"#presenters input[value={server.presenter}]")
    page.fill("#script", text)
    page.check("input[name=lang][value=pt-BR]")
    if review:
        page.check("#review")


def test_only_languages_that_run_here_are_offered(browser, checked_server):
    page = browser.new_page()
    page.goto(checked_server.url + "/")
    page.wait_for_selector("input[name=lang]")
    offered = page.eval_on_selector_all("input[name=lang]", "els => els.map(e => e.value)")
    assert sorted(offered) == ["en", "pt-BR"]  # the bundled model, and the script's own language as written
    assert page.inner_text("label:has(input[value=pt-BR])").strip() == "Portuguese (Brazil)"
    summary = page.inner_text("#more-summary")
    assert "more languages need a model first" in summary
    page.click("#more-summary")
    assert "Spanish — needs a translation model en-es" in page.inner_text("#needs-model li[data-lang=es]")
    assert "polydub models import" in page.inner_text("#how-to-add")
    # The renderer is behind "Advanced".
    assert not page.is_visible("#renderer")
    page.click("#advanced summary")
    assert page.is_visible("#renderer")
    from pipeline.jobs.spec import renderer_choices  # the API's list, not one copied into the page

    assert page.eval_on_selector_all("#renderer option", "els => els.map(e => e.value)") == list(renderer_choices())
    # A narration per language needs no model: every language is offered then.
    page.check("input[name=source][value=narrations]")
    assert "es" in page.eval_on_selector_all("input[name=lang]", "els => els.map(e => e.value)")
    assert page.is_hidden("#more-languages")
    page.close()


def test_a_script_refused_at_submission_is_shown_in_one_line_and_no_job_starts(browser, checked_server):
    """The service's pre-flight check (an Arabic line no model translates into Portuguese) answers
    422; the page shows the service's line in its error box and follows no job."""
    page = browser.new_page()
    _form(page, checked_server, "Wear your helmet before entering the site.\n\n"
                                "ارتدِ خوذتك دائماً عند العمل في الموقع.\n\nCheck the straps before you start work.")
    page.fill("#job-name", "mixed script")
    with page.expect_response(lambda r: r.url.endswith("/jobs") and r.request.method == "POST") as answer:
        page.click("#start")
    assert answer.value.status == 422
    page.wait_for_selector("#error:not([hidden])")
    message = page.inner_text("#error")
    assert message == answer.value.json()["detail"] and "line 3" in message and "Arabic (ar)" in message, message
    assert page.is_enabled("#start")  # the user can fix the script and start again
    assert page.query_selector("#history a:text-is('mixed script')") is None
    page.close()


def test_a_running_job_in_words_with_time_left_and_live_history(browser, checked_server):
    hold = checked_server.data_dir / "hold-render"
    hold.touch()
    page = browser.new_page()
    try:
        _form(page, checked_server, "Check the valve. Close it.")
        page.fill("#job-name", "valve")
        page.click("#start")
        page.wait_for_function("document.querySelector('#job-state').dataset.state === 'running'", timeout=30_000)
        page.wait_for_selector("#tasks tbody tr:has-text('Rendering Ana.mp4 — Portuguese (Brazil)')")
        steps = page.eval_on_selector_all("#tasks tbody td:first-child", "els => els.map(e => e.textContent)")
        assert any(s.startswith("Voicing Portuguese (Brazil)") for s in steps), steps
        assert "Translating into Portuguese (Brazil)" in steps
        assert not any(":" in s for s in steps), steps  # no task keys (render:pt-BR:...)
        page.wait_for_function("document.querySelector('#job-eta').textContent.includes('left')", timeout=30_000)
        row = "#history tr:has(a:text-is('valve'))"
        page.wait_for_selector(f"{row} [data-state=running]")
        page.wait_for_selector(f"{row} .progress:has-text('left')", timeout=30_000)  # refreshed while it runs
        page.set_viewport_size({"width": 400, "height": 800})
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 400, f"the page is {wide} px wide at 400 px with a job running"
    finally:
        hold.unlink()
    # The history row follows the job to the end without a reload.
    page.wait_for_selector(f"{row} [data-state=done]", timeout=30_000)
    assert page.inner_text(f"{row} [data-state=done]") == "finished"
    page.close()


def test_saved_says_what_will_be_redone_and_videos_have_posters(browser, checked_server):
    page = browser.new_page()
    _form(page, checked_server, "Open the hatch. Look inside.", review=True)
    page.click("#start")
    page.wait_for_selector("#review-panel .review-lang[data-lang=pt-BR] textarea")
    assert "after your approval" in page.inner_text("#tasks tbody tr:has-text('Voicing')")
    page.click("#review-panel button:text-is('Save corrections')")
    page.wait_for_function("document.querySelector('#notice').textContent.includes('nothing is redone')")
    page.click("#review-panel button:text-is('Approve Portuguese (Brazil)')")
    page.wait_for_function(DONE, timeout=60_000)
    page.wait_for_selector("#results video")
    poster = page.get_attribute("#results video", "poster")
    assert poster and page.evaluate(
        "async (u) => { const r = await fetch(u); return r.ok && r.headers.get('content-type') === 'image/jpeg'; }", poster)
    page.fill("#review-panel textarea[data-id=s1]", "Olhe dentro.")
    page.click("#review-panel button:text-is('Save corrections')")
    page.wait_for_function("document.querySelector('#notice').textContent.includes('Redoing')")
    saved = page.inner_text("#notice")
    assert "Voicing Portuguese (Brazil)" in saved and "Rendering Ana.mp4 — Portuguese (Brazil)" in saved, saved
    assert "speak:" not in saved and "render:" not in saved
    page.close()


def test_uploaded_presenters_stay_ticked_after_a_reload(browser, checked_server, tiny_videos):
    page = browser.new_page()
    page.goto(checked_server.url + "/")
    page.set_input_files("#files", [{"name": "Bruno.mp4", "mimeType": "video/mp4", "buffer": tiny_videos[1].read_bytes()}])
    page.check("#consent")
    page.fill("#consent-by", "Ana Lima")
    page.click("#upload-btn")
    page.wait_for_selector("#presenters li:has-text('Bruno.mp4') input:checked")
    page.reload()
    page.wait_for_selector("#presenters li:has-text('Bruno.mp4')")
    assert page.is_checked("#presenters li:has-text('Bruno.mp4') input")
    assert page.input_value("#consent-by") == "Ana Lima"
    page.uncheck("#presenters li:has-text('Bruno.mp4') input")
    page.reload()
    page.wait_for_selector("#presenters li:has-text('Bruno.mp4')")
    assert not page.is_checked("#presenters li:has-text('Bruno.mp4') input")
    page.close()
