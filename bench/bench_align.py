"""Timing of recorded narration: how close `tts.align` puts each phone to where it is spoken.

Synthesised speech has a known phone timeline (the engine's own), so it serves as the recording:
Whisper base hears it, `tts.align` turns its timed words into phones, and each phone start is
compared with the engine's (phones matched in order). Printed per language: the mean absolute
error and the mean signed error (negative = early), with the warp onto espeak-ng's reading and
without it (each word's phones spread over Whisper's span by espeak's durations), and the time
`tts.align` takes on about a minute of speech.

    .venv/bin/python bench/bench_align.py
"""

from __future__ import annotations

import difflib
import sys
import time
from pathlib import Path
from unittest import mock

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import translate  # noqa: E402
import tts  # noqa: E402
from pipeline.models import ModelStore  # noqa: E402

#: The quality tests' narrations first; then sentences no setting was tuned on (held out).
TEXT = {
    "en": ["Clean the filling nozzle at the end of every shift.",
           "Wear gloves and safety glasses before you start."],
    "pt": ["Limpe o bico de enchimento no fim de cada turno.",
           "Use luvas e óculos de proteção antes de começar."],
}
HELD_OUT = {
    "en": ["Check the pressure gauge before you open the main valve.",
           "Report any damaged equipment to your supervisor, then lock the cabinet."],
    "pt": ["Verifique o manômetro antes de abrir a válvula principal.",
           "Comunique qualquer equipamento danificado ao supervisor e tranque o armário."],
    "es": ["Compruebe el manómetro antes de abrir la válvula principal.",
           "Informe de cualquier equipo dañado a su supervisor y cierre el armario."],
    "de": ["Prüfen Sie das Manometer, bevor Sie das Hauptventil öffnen.",
           "Melden Sie beschädigte Geräte Ihrem Vorgesetzten und schließen Sie den Schrank ab."],
}
ALIGN_MODULE = sys.modules["tts.align"]


def start_errors(truth, test) -> np.ndarray:
    """Start of each phone of `test` minus the start of the same phone in `truth` (seconds)."""
    matcher = difflib.SequenceMatcher(a=[p for _, _, p in truth], b=[p for _, _, p in test], autojunk=False)
    return np.array([test[b + k][0] - truth[a + k][0] for a, b, n in matcher.get_matching_blocks() for k in range(n)])


def without_warp():
    return mock.patch.object(ALIGN_MODULE, "_warp_phones", lambda *args: [None] * len(args[4]))


def main() -> None:
    hear = translate.Transcriber(ModelStore().path("whisper-base"))
    synth = tts.Synthesizer()
    for (language, text), set_name in [*((item, "tests") for item in TEXT.items()),
                                       *((item, "held out") for item in HELD_OUT.items())]:
        speech = synth.synthesize(text, language)
        words = hear.transcribe(speech.audio, speech.sample_rate, language=language).words
        warped = start_errors(speech.phonemes, tts.align(speech.audio, speech.sample_rate, words, language))
        with without_warp():
            spread = start_errors(speech.phonemes, tts.align(speech.audio, speech.sample_rate, words, language))
        print(f"{language:2s} {set_name:8s} ({speech.voice}): phone starts, mean |error| / mean error: with the warp "
              f"{np.abs(warped).mean() * 1000:.0f} / {warped.mean() * 1000:+.0f} ms ({len(warped)} phones), "
              f"spread over Whisper's words {np.abs(spread).mean() * 1000:.0f} / {spread.mean() * 1000:+.0f} ms")
    long = synth.synthesize(TEXT["en"] * 9, "en")
    words = [(max(s - 0.1, 0.0), max(e - 0.1, s), w) for s, e, w in long.words]  # recogniser-like, early
    started = time.perf_counter()
    tts.align(long.audio, long.sample_rate, words, "en")
    took = time.perf_counter() - started
    with without_warp():
        started = time.perf_counter()
        tts.align(long.audio, long.sample_rate, words, "en")
        plain = time.perf_counter() - started
    print(f"tts.align on {len(long.audio) / long.sample_rate:.0f} s of speech: {took:.2f} s with the warp "
          f"(librosa already loaded), {plain:.2f} s without")


if __name__ == "__main__":
    main()
