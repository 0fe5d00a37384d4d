"""Speaker reference benchmark (issue 16 item 4): which stretch of a presenter's own speech a cloned
voice would imitate, and how long choosing it takes.

For the shared footage (when present: ../shared/media or $POLYDUB_TEST_MEDIA) and for test-made
talks of about 12, 60 and 120 s (Kokoro's jf_alpha reading a fixed text, repeated with short
pauses, over a quiet room's noise), it prints the chosen stretch (start, end, SNR, seconds of
speech) or why there is none, and the time `pipeline.cloning.presenter_reference` /
`tts.reference.choose_reference` took (the speaker encoder already loaded).

    .venv/bin/python bench/bench_reference.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TEXT = ("Clean the filling nozzle at the end of every shift.", "Then switch off the machine.",
        "Wait five minutes before you open the cover.", "Dry every part with a clean cloth.")


def _media() -> Path | None:
    folder = Path(os.environ.get("POLYDUB_TEST_MEDIA") or Path(__file__).resolve().parent.parent.parent / "shared/media")
    return folder if folder.is_dir() else None


def main() -> None:
    import tts
    from pipeline.cloning import presenter_reference
    from tts.profile import SpeakerEncoder
    from tts.reference import NoReferenceError, choose_reference

    encoder = SpeakerEncoder()
    encoder.embed(np.full(16000, 1e-3, np.float32))  # load it before timing
    media = _media()
    for name in ("presenter_a.mp4", "presenter_b.mp4", "presenter_c.mp4") if media else ():
        t = time.perf_counter()
        try:
            stretch, _, _ = presenter_reference(media / name, encoder=encoder)
            said = f"{stretch.start_s:.2f}-{stretch.end_s:.2f} s, SNR {stretch.snr_db:.0f} dB, {stretch.speech_s:.1f} s speech"
        except NoReferenceError as exc:
            said = f"none: {exc}"
        print(f"{name:20s} {time.perf_counter() - t:6.2f} s  {said}")
    speech = tts.Synthesizer().synthesize(list(TEXT), "en", voice="kokoro:jf_alpha")
    rate = speech.sample_rate
    once = np.concatenate([speech.audio, np.zeros(int(0.1 * rate), np.float32)])
    for copies in (1, 5, 10):
        audio = np.tile(once, copies)
        audio = audio + (1e-3 * np.random.default_rng(0).standard_normal(len(audio))).astype(np.float32)
        t = time.perf_counter()
        stretch = choose_reference(audio, rate, encoder=encoder)
        print(f"made {len(audio) / rate:5.1f} s talk  {time.perf_counter() - t:6.2f} s  "
              f"{stretch.start_s:.2f}-{stretch.end_s:.2f} s, SNR {stretch.snr_db:.0f} dB, {stretch.speech_s:.1f} s speech")


if __name__ == "__main__":
    main()
