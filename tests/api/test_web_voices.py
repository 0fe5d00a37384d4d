"""The voice menus on the presenter cards, in Debian's chromium (Playwright), against a real
server on cheap job steps: each ticked card shows a menu per chosen language that starts on
"Automatic (<the voice a job would use>)", a sample plays, and the voice picked for one presenter
reaches the created job's spec.

"Ana" is declared a woman through the service's profile cache; "Bruno" has no sound (the
language's default voice). The sample is real synthesis (seconds, once)."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from tests.helpers.service import Server
from tests.helpers.browser import chromium
from tests.helpers.profiles import declare_register

pytestmark = [pytest.mark.slow, pytest.mark.browser]

LANG = "pt-BR"
PICKED = "kokoro:jf_gongitsune"


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny_videos):
    """Cheap steps checked like the real runner's (the bundled en <-> pt-BR models offered)."""
    models = tmp_path_factory.mktemp("no-models")
    s = Server(tmp_path_factory.mktemp("web-voices"), runner="tests.helpers.runners:ModelCheckedRunner",
               env={"POLYDUB_MODELS": str(models)}).start()
    declare_register(s.data_dir, tiny_videos[0], "female")
    files = [("files", ("Ana.mp4", tiny_videos[0].read_bytes(), "video/mp4")),
             ("files", ("Bruno.mp4", tiny_videos[1].read_bytes(), "video/mp4"))]
    with httpx.Client(base_url=s.url, timeout=60) as c:
        up = c.post("/presenters", files=files, data={"consent_by": "Ana", "consent": "true"})
        assert up.status_code == 201, up.text
        s.ids = {p["name"]: p["id"] for p in up.json()["presenters"]}
        s.auto = {name: c.get(f"/presenters/{pid}/voices", params={"language": LANG}).json()["voices"][0]
                  for name, pid in s.ids.items()}
    s.keys = {name: hashlib.sha256(v.read_bytes()).hexdigest() for name, v in zip(("Ana.mp4", "Bruno.mp4"), tiny_videos)}
    yield s
    s.stop()


def _first_option(card: str) -> str:
    return f"document.querySelector('{card} select[data-lang={LANG}]').options[0].text"


def test_pick_a_voice_on_a_card_hear_its_sample_and_start(browser, server):
    from pipeline.jobs import JobStore

    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.url + "/")
    page.wait_for_selector(f"input[name=lang][value={LANG}]")
    for pid in server.ids.values():
        page.check(f"#presenters input[value={pid}]")
    page.check(f"input[name=lang][value={LANG}]")
    ana, bruno = (f"#presenters li[data-presenter={server.ids[n]}]" for n in ("Ana.mp4", "Bruno.mp4"))

    # Each card: a labelled menu per language, starting on the voice a job would use, in words.
    for card, name in ((ana, "Ana.mp4"), (bruno, "Bruno.mp4")):
        page.wait_for_function(f"!{_first_option(card)}.includes('finding')", timeout=60_000)
        assert page.evaluate(_first_option(card)) == f"Automatic ({server.auto[name]['label']})"
    assert server.auto["Ana.mp4"]["register"] == "female" and server.auto["Bruno.mp4"]["voice"] == "kokoro:jm_kumo"
    assert page.inner_text(f"{ana} .heard") == "Declared: a female voice."
    assert "No speech heard" in page.inner_text(f"{bruno} .heard")
    assert page.get_by_label("Voice in Portuguese (Brazil)", exact=True).count() == 2
    offered = page.eval_on_selector_all(f"{bruno} select option", "els => els.map(e => e.text)")
    assert "jf_gongitsune (Kokoro), female voice" in offered and not any(":" in o for o in offered)

    # Keyboard: the menu, then its sample button, are reached with Tab.
    page.focus(f"{bruno} select")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('play')")
    assert page.evaluate("document.activeElement.closest('li').dataset.presenter") == server.ids["Bruno.mp4"]
    page.select_option(f"{bruno} select[data-lang={LANG}]", PICKED)

    # The sample of the picked voice loads and plays.
    page.click(f"{bruno} button.play")
    page.wait_for_function("(() => { const a = document.querySelector('#voice-sample');"
                           " return a.readyState >= 2 && a.duration > 1 && (a.currentTime > 0 || a.ended); })()",
                           timeout=150_000)
    assert f"/voices/{PICKED}/samples/{LANG}.wav" in page.get_attribute("#voice-sample", "src")
    assert page.evaluate("document.querySelector('#voice-sample').error") is None

    # Nothing wider than a phone screen with the menus open.
    page.set_viewport_size({"width": 400, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    # A closed menu cuts its text ("Automatic (jm_kumo"): each choice is also said in full, wrapped.
    for card in (ana, bruno):
        chosen = page.evaluate(f"document.querySelector('{card} select[data-lang={LANG}]').selectedOptions[0].text")
        said = page.locator(f"{card} .voice-row[data-lang={LANG}] .voice-said")
        assert said.inner_text() == chosen
        box = said.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 400, box
        assert said.evaluate("e => e.scrollWidth <= e.clientWidth")
        assert page.locator(f"{card} select[data-lang={LANG}]").bounding_box()["width"] >= 300  # a card a row

    page.fill("#script", "Clean the nozzle.")
    with page.expect_response(lambda r: r.url.endswith("/jobs") and r.request.method == "POST") as answer:
        page.click("#start")
    assert answer.value.status == 201, answer.value.text()
    assert answer.value.request.post_data_json["voices"] == {server.ids["Bruno.mp4"]: {LANG: PICKED}}
    spec = JobStore(server.data_dir / "jobs.sqlite").job(answer.value.json()["id"])["spec"]
    assert spec["voices"] == {server.keys["Bruno.mp4"]: {LANG: PICKED},
                              server.keys["Ana.mp4"]: {LANG: server.auto["Ana.mp4"]["voice"]}}
    page.wait_for_selector("#tasks tbody tr:has-text('jf_gongitsune (Kokoro)')")
    assert errors == []
    page.close()
