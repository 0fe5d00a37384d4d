"""Transcription speed and accuracy: today's setting against the fast one, in one run.

"before": the setting up to this bench (beam 5, no voice activity detection, CTranslate2's
default threads, one segment at a time, a declared language checked by one more
identification pass); then, one change after another: Silero VAD, threads = usable cores and
the declared language taken as given; segments decoded in batches of 8 (faster-whisper's
BatchedInferencePipeline); greedy decoding (beam 1, the Transcriber's defaults); and the
narration step's own setting (`pipeline.steps.NARRATION_RECOGNISER`: batched, beam 5, chosen
because its text is what a narration's timeline is aligned to, bench_align.py --recognised). Each
transcribes about 60 s of the product's English voice (Piper) reading a fixed text, and the
shared recording narration_en.wav when it is there. Printed: seconds per transcription (wall
clock, and CPU seconds of all threads: the figure to trust on a machine that is not quiet) and
word error rate (jiwer): against the text read for the TTS speech, against today's words for
the recording (its full text is not known).

    .venv/bin/python bench/bench_transcribe.py [SETTING ...]  # all: about 3 minutes on 2 cores
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import jiwer
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import translate  # noqa: E402
import tts  # noqa: E402
from pipeline.models import ModelStore  # noqa: E402
from pipeline.steps import NARRATION_RECOGNISER  # noqa: E402

#: About 60 s read by Piper's English voice; numbers spelt out so the recogniser's digits
#: do not count as errors.
TEXT = [
    "Before you start the filling line, put on gloves, safety glasses and hearing protection.",
    "Check that the emergency stop button on the left panel is released and the guard doors are closed.",
    "Open the main air valve slowly and watch the pressure gauge until it reads six bar.",
    "If the pressure stays below five bar, close the valve again and call the maintenance team.",
    "Load a new roll of labels into the holder, with the printed side facing outwards.",
    "Thread the label strip under the first roller and over the second one, then lock the arm.",
    "Press the green button once to run a test cycle without bottles on the conveyor.",
    "Listen for unusual noises and look for leaks around the filling nozzles.",
    "When the test cycle ends, place the first crate of empty bottles at the start of the belt.",
    "Every hour, take three bottles from the line and check their fill level and their caps.",
    "Write the results in the shift log, together with the time and your initials.",
    "At the end of the shift, stop the line, close the air valve and clean every nozzle with warm water.",
]
SETTINGS = {
    "before": (dict(beam_size=5, vad_filter=False, cpu_threads=0, batch_size=0), True),
    "vad+threads": (dict(beam_size=5, batch_size=0), False),
    "+batched": (dict(beam_size=5), False),
    "+greedy": (dict(), False),
    "narration (now)": (dict(NARRATION_RECOGNISER), False),
}


def words(text: str) -> str:
    return " ".join(re.findall(r"[\w']+", text.lower()))


def recording() -> tuple[np.ndarray, int] | None:
    import soundfile as sf

    folder = Path(os.environ.get("POLYDUB_TEST_MEDIA", Path(__file__).resolve().parent.parent.parent / "shared" / "media"))
    path = folder / "narration_en.wav"
    if not path.is_file():
        print(f"(no {path}: the recording is skipped)")
        return None
    audio, rate = sf.read(str(path), dtype="float32")
    return (audio.mean(axis=1) if audio.ndim == 2 else audio), rate


def main() -> None:
    model_dir = ModelStore().path("whisper-base")
    speech = tts.Synthesizer().synthesize(TEXT, "en")
    real = recording()
    print(f"TTS speech: {speech.duration:.1f} s ({speech.voice}); cores usable: {len(os.sched_getaffinity(0))}; "
          f"load average {os.getloadavg()[0]:.1f}")
    reference_real = None
    chosen = sys.argv[1:] or list(SETTINGS)
    for name in chosen:
        options, check = SETTINGS[name]
        hear = translate.Transcriber(model_dir, device="cpu", **options)
        hear.model  # loaded before the clock starts
        started, cpu = time.perf_counter(), time.process_time()
        heard = hear.transcribe(speech.audio, speech.sample_rate, language="en", check_language=check)
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        wer = jiwer.wer(words(" ".join(TEXT)), words(heard.text))
        line = f"{name:16s} TTS {speech.duration:.0f} s: {took:5.1f} s ({cpu:5.1f} s CPU), WER {wer:.3f} vs the text"
        if real is not None:
            started = time.perf_counter()
            real_heard = hear.transcribe(*real, language="en", check_language=check)
            real_took = time.perf_counter() - started
            reference_real = reference_real or words(real_heard.text)  # the first setting's words
            line += (f"; narration_en.wav {len(real[0]) / real[1]:.0f} s: {real_took:4.1f} s, WER "
                     f"{jiwer.wer(reference_real, words(real_heard.text)):.3f} vs before ({real_heard.text.strip()!r})")
        print(line, flush=True)


if __name__ == "__main__":
    main()
