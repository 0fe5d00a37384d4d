"""Benchmark of the page's voice menus on a real uvicorn server (cheap job steps, loopback):

1. `GET /presenters/{id}/voices` for the shared presenters in five languages: the first call
   (the presenter's voice profile is measured) and the next (read back from `<data>/voices`).
2. `GET /voices/usable` per language.
3. A sample per voice (`GET /voices/{voice}/samples/{language}.wav`): the first request (synthesis)
   and the next (the cached file), with its size and length.

Run: .venv/bin/python bench/bench_voice_menu.py [--media ../shared/media] [--samples 2]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LANGUAGES = ("en", "pt-BR", "es", "it", "de")


def timed(call):
    t0 = time.perf_counter()
    out = call()
    return out, time.perf_counter() - t0


def main() -> int:
    import httpx

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", type=Path, default=ROOT.parent / "shared" / "media")
    parser.add_argument("--samples", type=int, default=2, help="how many voices to sample (each takes seconds)")
    args = parser.parse_args()
    presenters = sorted(args.media.glob("presenter_*.mp4"))
    if not presenters:
        print(f"no presenter_*.mp4 in {args.media}: give --media", file=sys.stderr)
        return 1
    from tests.helpers.service import Server

    params = [("language", lang) for lang in LANGUAGES]
    with tempfile.TemporaryDirectory(prefix="polydub-bench-voices-") as tmp:
        server = Server(Path(tmp)).start()
        try:
            with httpx.Client(base_url=server.url, timeout=600) as c:
                files = [("files", (p.name, p.read_bytes(), "video/mp4")) for p in presenters]
                ids = [p["id"] for p in c.post("/presenters", files=files,
                                               data={"consent_by": "bench", "consent": "true"}).json()["presenters"]]
                for name, pid in zip((p.name for p in presenters), ids):
                    first, cold = timed(lambda: c.get(f"/presenters/{pid}/voices", params=params).json())
                    _, warm = timed(lambda: c.get(f"/presenters/{pid}/voices", params=params).json())
                    chosen = ", ".join(f"{v['language']} {v['label']}" for v in first["voices"])
                    print(f"{name}: {first['register']} ({first['source']}, {first['f0_median_hz']} Hz); "
                          f"automatic voices in {len(LANGUAGES)} languages: first call {cold:.2f} s, "
                          f"then {warm * 1000:.0f} ms; {chosen}")
                usable = {}
                for lang in LANGUAGES:
                    rows, took = timed(lambda: c.get("/voices/usable", params={"language": lang}).json())
                    usable[lang] = rows
                    print(f"GET /voices/usable {lang}: {len(rows)} voices in {took * 1000:.0f} ms")
                sampled = [(lang, r) for lang in ("pt-BR", "en") for r in usable[lang]][: args.samples]
                cold_s, warm_s = [], []
                for lang, row in sampled:
                    first, cold = timed(lambda: c.get(row["sample_url"]))
                    _, warm = timed(lambda: c.get(row["sample_url"]))
                    with wave.open(io.BytesIO(first.content)) as w:
                        seconds = w.getnframes() / w.getframerate()
                    cold_s.append(cold)
                    warm_s.append(warm)
                    print(f"sample {row['voice']} {lang}: {len(first.content) / 1000:.0f} kB, {seconds:.1f} s of speech; "
                          f"first request {cold:.1f} s, then {warm * 1000:.0f} ms")
                if cold_s:
                    print(f"samples: median first request {statistics.median(cold_s):.1f} s, "
                          f"then {statistics.median(warm_s) * 1000:.0f} ms")
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
