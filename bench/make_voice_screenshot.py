"""The README's screenshot of the presenter cards with their voice menus, at 1280 px
(docs/screenshots/page-1280.png), from a real server on cheap job steps with the bundled models.

Three copies of the built-in astronaut presenter (no sound): "Ana" and "Carla" declared women,
as the demo declares its presenter, "Bruno" left to the defaults; Portuguese (Brazil) and English
ticked; Bruno's Portuguese voice picked by hand.

    .venv/bin/python bench/make_voice_screenshot.py   # needs Debian's chromium
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NAMES = ("Ana.mp4", "Bruno.mp4", "Carla.mp4")
DECLARED = {"Ana.mp4": "female", "Carla.mp4": "female"}


def main() -> int:
    import httpx

    from pipeline.demo import make_demo_presenter
    from tests.helpers.service import Server
    from tests.helpers.browser import chromium
    from tests.helpers.profiles import declare_register

    out = ROOT / "docs" / "screenshots" / "page-1280.png"
    with tempfile.TemporaryDirectory(prefix="polydub-shot-") as tmp:
        tmp = Path(tmp)
        models = tmp / "no-models"
        models.mkdir()
        data = tmp / "data"
        data.mkdir()
        videos = [make_demo_presenter(tmp / name, seconds=0.8 + 0.2 * k, size=160) for k, name in enumerate(NAMES)]
        for name, video in zip(NAMES, videos):
            if name in DECLARED:
                declare_register(data, video, DECLARED[name])
        server = Server(data, runner="tests.helpers.runners:ModelCheckedRunner", env={"POLYDUB_MODELS": str(models)})
        server.start()
        try:
            with httpx.Client(base_url=server.url, timeout=120) as c:
                files = [("files", (name, v.read_bytes(), "video/mp4")) for name, v in zip(NAMES, videos)]
                ids = {p["name"]: p["id"] for p in c.post("/presenters", files=files, data={
                    "consent_by": "Ana Lima", "consent": "true"}).json()["presenters"]}
            browser_gen = chromium()
            browser = next(browser_gen)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(server.url + "/")
            page.wait_for_selector("input[name=lang][value=pt-BR]")
            for pid in ids.values():
                page.check(f"#presenters input[value={pid}]")
            page.check("input[name=lang][value=pt-BR]")
            page.check("input[name=lang][value=en]")
            page.wait_for_function("[...document.querySelectorAll('#presenters select')].every("
                                   "s => !s.options[0].text.includes('finding'))", timeout=120_000)
            page.select_option(f"#presenters li[data-presenter={ids['Bruno.mp4']}] select[data-lang=pt-BR]",
                               "kokoro:jf_gongitsune")
            page.fill("#script", "# Nozzle\n\nClean the nozzle at the end of every shift.")
            page.evaluate("document.querySelector('#presenters-section').scrollIntoView()")
            page.screenshot(path=str(out))
            page.close()
            next(browser_gen, None)
        finally:
            server.stop()
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
