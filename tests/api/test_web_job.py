"""The web page's job panel and History in Debian's chromium (Playwright), against a service on
cheap job steps: what a new user's trial found (api/web/job.js, app.js, index.html and the
/favicon.ico route of api/routes/health.py). The time left never rises while a job advances and
its History row says what the panel says; languages are said in words; the "Job started."
notice goes when the job ends; translation check flags are said in the review; the page has an
icon."""

from __future__ import annotations

import json

import pytest
from tests.helpers.browser import chromium
from tests.helpers.web import open_job

pytestmark = [pytest.mark.slow, pytest.mark.browser]

DONE = "document.querySelector('#job-state').dataset.state === 'done'"


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


def test_time_left_never_rises_while_the_job_advances_and_history_says_the_same(browser, fake_server, two_jobs):
    page = browser.new_page()
    page.goto(fake_server.url + "/")
    page.wait_for_selector("#history a:text-is('finished job')")
    # 32 %, 50 s left; 10 s later 36 % and the API says 110 s (a heavy task started): still 50 s;
    # 35 s at 36 % without moving is a stall: its estimate (130 s) is then shown as it is.
    etas = page.evaluate("""() => [steadyEta({id: "x", state: "running", percent: 32, eta_seconds: 50}, 1000).eta,
        steadyEta({id: "x", state: "running", percent: 36, eta_seconds: 110}, 1010).eta,
        steadyEta({id: "x", state: "running", percent: 36, eta_seconds: 130}, 1045).eta]""")
    assert etas == [50, 50, 130]
    open_job(page, "finished job")
    job_id = page.evaluate("state.job")
    # The job panel gets a running snapshot: its History row shows the same percent and time left,
    # and an older listing (32 %) does not take it back.
    shown = page.evaluate("""async (row) => { const job = await api("GET", `/jobs/${state.job}`);
        state.shownState = "running"; showJob({...job, state: "running", percent: 36, eta_seconds: 100});
        return [$("#job-percent").textContent, $("#job-eta").textContent, document.querySelector(row).textContent]; }""",
                          f"#history tr[data-job='{job_id}'] .progress")
    assert shown == ["36%", "about 2 min left", "36% · about 2 min left"]
    listed = page.evaluate(f"jobProgress({{id: {job_id!r}, state: 'running', percent: 32, eta_seconds: 30}}, true)")
    assert listed == "36% · about 2 min left"
    page.close()


def test_history_names_every_language_and_says_when_none_was_given(browser, fake_server, two_jobs):
    """A CLI lipsync job ("und": to be detected) and a CLI localize job ("pt") in the listing."""
    def relabel(route):
        out = route.fetch().json()
        out["jobs"][0].update(languages=["und"], name="narration → und")  # as the CLI's lipsync names it
        out["jobs"][1].update(languages=["pt"], name="Clean the nozzle → pt")
        route.fulfill(status=200, content_type="application/json", body=json.dumps(out))

    page = browser.new_page()
    page.route("**/jobs?offset=*", relabel)
    page.goto(fake_server.url + "/")
    page.wait_for_selector("#history tbody tr:nth-child(2)")
    cells = page.eval_on_selector_all("#history tbody tr td:nth-child(2)", "els => els.map(e => e.textContent)")
    assert cells[:2] == ["language not given", "Portuguese"], cells
    names = page.eval_on_selector_all("#history tbody tr td:first-child a", "els => els.map(e => e.textContent)")
    assert names[:2] == ["narration → language not given", "Clean the nozzle → Portuguese"], names
    said = page.evaluate("""() => [jobLanguages({languages: ["und"], detected: {und: "en"}}),
                                  jobLanguages({languages: ["pt-BR"]})]""")
    assert said == ["English (detected)", "Portuguese (Brazil)"]
    page.close()


def test_the_job_started_notice_goes_when_the_job_ends(browser, fake_server, two_jobs):
    page = browser.new_page()
    page.goto(fake_server.url + "/")
    page.wait_for_selector("#presenters input[name=presenter]")
    page.check("#presenters input[name=presenter] >> nth=0")
    page.fill("#script", "Rinse the nozzle.")
    page.check("input[name=lang] >> nth=0")
    page.fill("#job-name", "noticed job")
    page.click("#start")
    page.wait_for_function("document.querySelector('#job-title').textContent === 'noticed job'")
    page.wait_for_function(DONE, timeout=60_000)
    page.wait_for_function("document.querySelector('#notice').hidden", timeout=10_000)
    page.close()


def test_translation_check_flags_are_said_in_the_review_in_the_servers_words(browser, fake_server, two_jobs):
    """Before: the page said the flags from its own table (FLAG_WORDS), in other words than the
    command line's; it now shows the review payload's `words`."""
    from pipeline.segments import flag_words

    def flagged(route):
        out = route.fetch().json()
        out["sentences"][0]["flags"] = ["currency-changed:£", "source-language:en"]
        out["sentences"][0]["words"] = [flag_words("currency-changed:£")]
        route.fulfill(status=200, content_type="application/json", body=json.dumps(out))

    page = browser.new_page()
    page.route("**/review/pt-BR", flagged)  # the API made pt pt-BR
    page.goto(fake_server.url + "/")
    page.wait_for_selector("#history a:text-is('waiting job')")
    open_job(page, "waiting job")
    page.wait_for_selector("#review-panel .review-lang[data-lang=pt-BR] .flags li")
    flags = page.eval_on_selector_all("#review-panel .flags li", "els => els.map(e => e.textContent)")
    assert flags == ["Check: the currency sign £ is missing from the translation"], flags
    page.close()


def test_the_page_has_an_icon_and_no_missing_file(browser, fake_server):
    page = browser.new_page()
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(fake_server.url + "/")
    page.wait_for_load_state("networkidle")
    icon = page.get_attribute("link[rel=icon]", "href")
    for path in (icon, "/favicon.ico"):
        answer = page.request.get(fake_server.url + path)
        assert answer.status == 200 and answer.headers["content-type"].startswith("image/svg+xml"), path
        assert answer.body().startswith(b"<svg")
    assert missing == []
    page.close()
